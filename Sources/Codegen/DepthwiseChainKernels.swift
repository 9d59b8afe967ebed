/// One kernel for a chain of frozen convolutions: a 1x1 convolution (the expansion; or a
/// dense one with windows, such as a stem, see `expands`), the depthwise convolution that
/// alone reads it, and the 1x1 convolution that alone reads that (the projection); either
/// end may be absent. Apart, the expansion writes its wide tensor to memory and the
/// depthwise reads it back (RD4AD-Lite0's first expansion: 96 channels at 128x128, 100 MB
/// per batch each way), and the same again between the depthwise and the projection: those
/// passes run at the memory's pace, a third of the FMA ceiling. Here each thread takes an
/// image (or a segment of its rows, when the images are fewer than the threads) and walks
/// it in bands of B output rows: it expands the input rows the band's windows need into
/// `xe` (a band's worth, kept in L2; the rows the next band shares are moved to the front
/// rather than computed again), runs the depthwise convolution on them into `yd`
/// (ConvKernels.depthwiseRows), and projects `yd` into the output, 256 channels at a time
/// (`chunk`). Only the chain's input and output reach memory. Every element is computed by the same sums in
/// the same order as the separate kernels (rdc_gemm_panel, the depthwise ring), whatever
/// the bands, segments or threads. The depthwise convolution's time is measured apart, for
/// the profile (Kernel.Part): the threads' mean.
enum DepthwiseChainKernels {
    /// Threads the scratch has a slab for (more run as this many).
    static let threads = 16
    /// Bytes a thread's working set may take (a chunk's expanded rows, its depthwise output
    /// and its weights): most of a 1 MB L2.
    static let cacheBytes = 768 * 1024
    /// Channels of the expanded tensor taken at a time: the projection's GEMM sums its
    /// inputs in blocks of RDC_KC and adds the blocks, so chunks of RDC_KC add the same
    /// partial sums in the same order. Deep layers (672 channels at 16x16) then keep a
    /// chunk's weights in L2 with whole images as bands.
    static let chunk = TemplateConstants.gemmDepth

    struct Plan {
        var expand: ConvGeometry?
        var depthwise: ConvGeometry
        var project: ConvGeometry?
        /// Output rows per band, a multiple of 4 (of the depthwise tile's R rows).
        var band: Int

        /// Expanded input rows a band's windows read (within the image).
        var rows: Int { min((band - 1) * depthwise.sh + depthwise.kh, depthwise.h) }
        var channelChunk: Int { min(depthwise.ci, DepthwiseChainKernels.chunk) }
        /// Elements of the expanded rows (every channel: the next band reuses some), of a
        /// chunk's depthwise output, and of a packed panel (RDC_KC x RDC_NR at most).
        var expandElements: Int { expand == nil ? 0 : depthwise.ci * rows * depthwise.w }
        var projectElements: Int { project == nil ? 0 : channelChunk * band * depthwise.ow }
        var slab: Int { expandElements + projectElements + TemplateConstants.gemmDepth * TemplateConstants.widestPanel }
        var scratch: Int { DepthwiseChainKernels.threads * slab }

        /// Elements a chunk touches: its expanded rows, depthwise output and 1x1 weights.
        var workingSet: Int {
            let c = channelChunk
            return (expand.map { c * (rows * depthwise.w + $0.ci * $0.kh * $0.kw) } ?? 0)
                + (project.map { c * (band * depthwise.ow + $0.co) } ?? 0)
        }

        /// The expansion is a convolution with windows (the stem's 3x3 stride 2), its GEMM's
        /// columns read straight from the image (rdc_window); else a 1x1 reading rows of x.
        var windowed: Bool { expand.map { !DenseConvKernels.isPointwise($0) } ?? false }
    }

    /// Whether the projection writes the output with streaming stores: where the output is
    /// 4 MB or more (RD4AD-Lite0's first three chains), it leaves the caches before the next
    /// chain reads it whatever we do, and a plain store would first read each line it fills
    /// (from memory, or from the other core where it last held that part of the arena).
    /// Needs output rows of whole vectors (OW a multiple of 16), so that full tiles are aligned.
    static func streams(_ p: Plan) -> Bool {
        guard let project = p.project else { return false }
        return project.n * project.co * project.oh * project.ow * 4 >= 4 << 20 && project.ow % 16 == 0
    }

    /// Whether a dense convolution can be a chain's expansion: a 1x1, or one whose output rows
    /// are whole GEMM panels (32 columns, the widest RDC_NR), so a band's rows start a panel.
    static func expands(_ g: ConvGeometry) -> Bool {
        g.groups == 1 && (DenseConvKernels.isPointwise(g) || g.ow % TemplateConstants.widestPanel == 0)
    }

    /// The plan with the widest band whose working set fits cacheBytes, nil where not even
    /// 4 rows fit (the chain then runs as separate kernels).
    static func plan(expand: ConvGeometry?, depthwise g: ConvGeometry, project: ConvGeometry?, precision: Precision) -> Plan? {
        var best: Plan?
        for band in stride(from: 4, through: (g.oh + 3) / 4 * 4, by: 4) {
            let p = Plan(expand: expand, depthwise: g, project: project, band: band)
            guard p.workingSet * precision.size <= cacheBytes else { break }
            best = p
        }
        return best
    }

    /// One part of a chain as its kernel reads it: the part's weight and bias (the chain is
    /// frozen: BatchNorms folded), its epilogue a bias and an activation at most.
    struct Part {
        var weight: Int
        var inputs: EpilogueInputs
        var epilogue: Epilogue
    }

    /// The chain's kernel: x, then each part's weight and bias (w_expand, b_expand, w, b,
    /// w_project, b_project), the threads' scratch, y.
    static func forward(_ p: Plan, x: Int, expand: Part?, depthwise: Part, project: Part?, scratch: Int, y: Int) -> KernelCode {
        var args: [Kernel.Arg] = [.reads("x", x)]
        for (part, suffix) in [(expand, "_expand"), (depthwise, ""), (project, "_project")] {
            guard let part else { continue }
            args += [.reads("w" + suffix, part.weight)] + part.inputs.args(suffix: suffix)
        }
        args += [.writes("scratch", scratch), .writes("y", y)]
        return KernelCode(args, forwardBody(p, expand: expand?.epilogue ?? Epilogue(), depthwise: depthwise.epilogue,
                                            project: project?.epilogue ?? Epilogue()))
    }

    private static func forwardBody(_ p: Plan, expand: Epilogue, depthwise: Epilogue, project: Epilogue) -> String {
        var s = sizes(p)
        if p.expand != nil { s += expand.gemmBias(name: "ep_expand", bias: "b_expand") }
        let stream = streams(p) && !project.isEmpty
        if p.project != nil { s += project.gemmBias(name: "ep_project", bias: "b_project", stream: stream) }
        let input = p.expand == nil ? "x + ((long)n * CE + co) * H * W" : "xe + (long)co * ROWS * W"
        let output = p.project == nil ? "y + ((long)n * CE + co) * OH * OW" : "yd + (long)(co - c0) * B * OW"
        let rows = ConvKernels.depthwiseRows(depthwise, from: "o0", to: "o1", inputRow: p.expand == nil ? "ih" : "(ih - lo)",
                                             outputRow: p.project == nil ? "(oh0 + r)" : "(oh0 + r - o0)",
                                             indent: "                    ")
        let buffers = (p.expand == nil ? "" : ", *xe = slab") + (p.project == nil ? "" : ", *yd = slab + EL")
        s += """
            const int threads = omp_get_max_threads() < THREADS ? omp_get_max_threads() : THREADS;
            /* Row segments per image (whole tiles of R rows), so that every thread has work. */
            const int S = (threads + N - 1) / N, per = ((OH + S - 1) / S + R - 1) / R * R;
            double part = 0;   /* the threads' seconds in the depthwise convolution (its profile row) */
            int team = 1;
            #pragma omp parallel num_threads(threads) reduction(+:part)
            {
                if (omp_get_thread_num() == 0) team = omp_get_num_threads();
                real *slab = scratch + (long)omp_get_thread_num() * SLAB\(buffers), *pack = slab + EL + DL;
                #pragma omp for schedule(static)
                for (int item = 0; item < N * S; item++) {
                    const int n = item / S, s0 = item % S * per, s1 = s0 + per < OH ? s0 + per : OH;

        """
        if p.expand != nil {
            s += """
                        int lo = 0, hi = 0;   /* xe holds the expanded input rows [lo, hi) */

            """
        }
        s += """
                    for (int o0 = s0; o0 < s1; o0 += B) {
                        const int o1 = o0 + B < s1 ? o0 + B : s1;

        """
        if p.expand != nil { s += ringShift }
        s += """
                        for (int c0 = 0; c0 < CE; c0 += CC) {
                            const int cc = CE - c0 < CC ? CE - c0 : CC;

        """
        if p.expand != nil { s += expansion(p, expand) }
        s += """
                            const double t0 = omp_get_wtime();
                            for (int co = c0; co < c0 + cc; co++) {
                                const real *xp = \(input), *wp = w + (long)co * KH * KW;
                                real *yp = \(output);
        \(rows)                    }
                            part += omp_get_wtime() - t0;

        """
        if p.project != nil { s += projection(project) }
        s += """
                        }
        \(p.expand == nil ? "" : "                hi = nhi;\n")            }
                }
        \(stream ? "        __atomic_thread_fence(__ATOMIC_SEQ_CST);   /* the streamed stores, visible to all */\n" : "")    }
            rdc_profile_part(PROFILE_PART, part / team);

        """
        return s
    }

    /// The chain's sizes as C constants: the depthwise convolution's, the band's, the
    /// expansion's own where it has windows.
    private static func sizes(_ p: Plan) -> String {
        let g = p.depthwise
        var s = CText.constants([("N", g.n), ("CI", p.expand?.ci ?? g.ci), ("CE", g.ci), ("H", g.h), ("W", g.w), ("OH", g.oh),
                                 ("OW", g.ow), ("KH", g.kh), ("KW", g.kw), ("SH", g.sh), ("SW", g.sw), ("PT", g.pt),
                                 ("PL", g.pl), ("CP", p.project?.co ?? g.co)])
        s += CText.constants([("B", p.band), ("ROWS", p.rows), ("CC", p.channelChunk), ("EL", p.expandElements),
                              ("DL", p.projectElements), ("SLAB", p.slab), ("THREADS", threads)])
        if let e = p.expand, p.windowed {
            s += "    /* the expansion's own sizes: input XH x XW, window EKH x EKW, stride, padding */\n"
            s += CText.constants([("XH", e.h), ("XW", e.w), ("EKH", e.kh), ("EKW", e.kw), ("ESH", e.sh), ("ESW", e.sw),
                                  ("EPT", e.pt), ("EPL", e.pl), ("K", e.ci * e.kh * e.kw)])
        }
        s += ConvKernels.depthwiseConstants
        return s
    }

    /// The ring of expanded rows moved down to the band's first input row (the rows the last
    /// band shares with this one stay; the rest are expanded next).
    private static let ringShift = """
                            /* The input rows the band's ring reads, its last tile's rows past o1 included. */
                            const int oe = (o1 + R - 1) / R * R, nlo = o0 * SH - PT > 0 ? o0 * SH - PT : 0;
                            const int nhi = (oe - 1) * SH - PT + KH < H ? (oe - 1) * SH - PT + KH : H;
                            if (hi > nlo && nlo > lo)
                                for (int c = 0; c < CE; c++)
                                    memmove(xe + (long)c * ROWS * W, xe + ((long)c * ROWS + nlo - lo) * W, sizeof(real) * (hi - nlo) * W);
                            if (hi < nlo) hi = nlo;
                            lo = nlo;

            """

    /// The expansion of the chunk's channels for the input rows [hi, nhi) not yet in the
    /// ring: GEMM panels over the image's windows (a stem) or its pixels (a 1x1).
    private static func expansion(_ p: Plan, _ expand: Epilogue) -> String {
        let ep = expand.isEmpty ? "" : "                        const rdc_epilogue ep = rdc_epilogue_from(&ep_expand, c0);\n"
        let epArg = expand.isEmpty ? "NULL" : "&ep"
        return p.windowed ? """
                            if (nhi > hi) {
                                /* Columns of the window matrix are the expansion's output pixels; rows hi..nhi are
                                 * whole panels (W a multiple of RDC_NR), written from xe's row lo on. */
                                const rdc_window win = {.x = x + (long)n * CI * XH * XW, .C = CI, .H = XH, .W = XW, .KH = EKH, .KW = EKW, .SH = ESH, .SW = ESW, .PT = EPT, .PL = EPL, .OH = H, .OW = W};
                                const rdc_operand xb = rdc_windows(&win, 0);
        \(ep)                        for (int jp = hi * W / RDC_NR; jp < nhi * W / RDC_NR; jp++)
                                    rdc_gemm_panel(jp, cc, nhi * W, K, w_expand + (long)c0 * K, K, 1, &xb, xe + ((long)c0 * ROWS - lo) * W,
                                                   (long)ROWS * W, 0, \(epArg), pack);
                            }

        """ : """
                            if (nhi > hi) {
                                const rdc_operand xb = rdc_matrix(x + ((long)n * CI * H + hi) * W, (long)H * W, 1);
                                const int cols = (nhi - hi) * W;
        \(ep)                        for (int jp = 0; jp < (cols + RDC_NR - 1) / RDC_NR; jp++)
                                    rdc_gemm_panel(jp, cc, cols, CI, w_expand + (long)c0 * CI, CI, 1, &xb, xe + ((long)c0 * ROWS + hi - lo) * W,
                                                   (long)ROWS * W, 0, \(epArg), pack);
                            }

        """
    }

    /// The projection of the chunk's depthwise output into y, accumulated over the chunks,
    /// its epilogue applied with the last.
    private static func projection(_ project: Epilogue) -> String {
        """
                                const rdc_operand yb = rdc_matrix(yd, (long)B * OW, 1);
                                const int cols = (o1 - o0) * OW;
                                for (int jp = 0; jp < (cols + RDC_NR - 1) / RDC_NR; jp++)
                                    rdc_gemm_panel(jp, CP, cols, cc, w_project + c0, CE, 1, &yb, y + ((long)n * CP * OH + o0) * OW, (long)OH * OW,
                                                   c0 > 0, \(project.isEmpty ? "NULL" : "c0 + cc == CE ? &ep_project : NULL"), pack);

            """
    }
}
