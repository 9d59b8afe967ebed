/// Dense (ungrouped) convolutions and transposed convolutions lowered to the matrix kernels
/// of templates/rdc_gemm.c: a packed GEMM whose window-matrix operand is packed straight
/// from the image (rdc_window, never stored), and col2im where a pass scatters windows
/// back. Images go through the GEMM G at a time, side by side (ImageGroup): one image where
/// it has pixels enough, several in a deep layer. `col` is one scratch block in the arena,
/// live only during its kernel: [window matrix of col2im passes, or a flipped weight]
/// [G images as rows, G > 1][GEMM packing][epilogue coefficients, forward], then, where the
/// threads split the images (ImageSplit), [each thread's slab][each group's dw, weight gradient].
enum DenseConvKernels {
    /// Elements of the GEMM's packing scratch.
    static let packElements = TemplateConstants.gemmPack

    static func constants(_ g: ConvGeometry, _ group: ImageGroup, window: Int) -> String {
        CText.constants([("N", g.n), ("CI", g.ci), ("H", g.h), ("W", g.w), ("CO", g.co), ("OH", g.oh), ("OW", g.ow),
                         ("KH", g.kh), ("KW", g.kw), ("SH", g.sh), ("SW", g.sw), ("PT", g.pt), ("PL", g.pl),
                         ("K", g.ci * g.kh * g.kw), ("P", g.oh * g.ow), ("HW", g.h * g.w), ("G", group.images),
                         ("GP", group.columns)]) + scratch(window: window, rows: rows(g, group))
    }

    /// The G images side by side as rows: dy or y (CO channels), or dx (CI).
    static func rows(_ g: ConvGeometry, _ group: ImageGroup) -> Int {
        group.images > 1 ? max(g.co, g.ci) * group.columns : 0
    }

    /// The scratch block's parts, as pointers into `col`.
    static func scratch(window: Int, rows: Int) -> String {
        "    real *rows = col + \(window), *pack = rows + \(rows);\n    (void)rows;\n"
    }

    static func group(_ g: ConvGeometry) -> ImageGroup { ImageGroup(images: g.n, pixels: g.oh * g.ow) }

    /// Elements of a pass's `col` scratch block: the data gradient's window matrix (or the
    /// phases of a stride-2 convolution's images), the images as rows, the packing; then the
    /// threads' slabs where the pass splits by images (ImageSplit).
    static func columns(_ g: ConvGeometry, _ pass: ConvNode.Pass) -> Int { shared(g, pass) + split(g, pass).scratch }

    /// Elements of the pass's `col` before the threads' slabs (all of it where none).
    static func shared(_ g: ConvGeometry, _ pass: ConvNode.Pass) -> Int {
        let group = group(g)
        return (pass == .backwardData ? dataWindow(g, group) : phaseElements(g, group))
            + rows(g, group) + packElements + (pass == .forward ? 2 * g.co : 0)
    }

    /// The image split of a pass: a slab holds a group's phases (forward, weight gradient) or
    /// window matrix (data gradient by col2im; the flipped weight stays shared).
    static func split(_ g: ConvGeometry, _ pass: ConvNode.Pass) -> ImageSplit {
        let group = group(g)
        let window = pass != .backwardData ? phaseElements(g, group) : dataGradientIsConv(g) ? 0 : dataWindow(g, group)
        return ImageSplit(groups: g.n / group.images, window: window, rows: rows(g, group),
                          weights: pass == .backwardWeight ? g.co * g.ci * g.kh * g.kw : 0)
    }

    /// A stride-2 convolution's windows (forward, weight gradient) read the 4 phases of its
    /// images (rdc_phase_split), where each window row is a unit-stride run: one more pass
    /// over x, but packing the panels by copies rather than by gathering every other pixel.
    /// Where output rows are long: ResNet18's 7x7 stem took 10% less time, its 64x64 -> 32x32
    /// layers 6%; at 8 or 16 columns the extra pass cost as much as it saved.
    static func isPhased(_ g: ConvGeometry) -> Bool { g.sh == 2 && g.sw == 2 && g.ow >= 32 }

    /// Elements of the G images' phases.
    static func phaseElements(_ g: ConvGeometry, _ group: ImageGroup) -> Int {
        isPhased(g) ? group.images * g.ci * 4 * ((g.h + 1) / 2) * ((g.w + 1) / 2) : 0
    }

    /// The windows of images n..<n+G of x (through their phases, at the start of `col`).
    static func windows(_ g: ConvGeometry) -> String {
        isPhased(g)
            ? "        rdc_phase_split(x + (long)n * CI * HW, G, CI, H, W, col);\n"
                + "        const rdc_window win = {.x = col, .C = CI, .H = (H + 1) / 2, .W = (W + 1) / 2, .KH = KH, .KW = KW, .SH = SH, .SW = SW, .PT = PT, .PL = PL, .OH = OH, .OW = OW, .phased = 1};\n"
            : "        const rdc_window win = {.x = x + (long)n * CI * HW, .C = CI, .H = H, .W = W, .KH = KH, .KW = KW, .SH = SH, .SW = SW, .PT = PT, .PL = PL, .OH = OH, .OW = OW};\n"
    }

    /// The epilogue over every output plane of `planeSize` values.
    static func epilogue(_ e: Epilogue, planeSize: String) -> String {
        guard !e.isEmpty else { return "" }
        return """
            #pragma omp parallel for collapse(2) schedule(static)
            for (int n = 0; n < N; n++)
                for (int co = 0; co < CO; co++) {
                    real *yp = y + ((long)n * CO + co) * \(planeSize);
        \(e.code(plane: "yp", count: planeSize, channel: "co", indent: "            "))        }

        """
    }

    static func perGroup(_ body: String) -> String {
        "    for (int n = 0; n < N; n += G) {\n" + body + "    }\n\n"
    }

    /// Which GEMM a group body calls (templates/rdc_gemm.c): all threads on one product, or
    /// the calling thread alone (the same sums in the same order).
    enum Gemm: String, CustomStringConvertible {
        case allThreads = "rdc_gemm", callingThread = "rdc_gemm_own"
        var description: String { rawValue }
    }

    // MARK: Image-parallel passes

    /// Elements of rdc_gemm_own's packing scratch.
    static let ownPackElements = TemplateConstants.gemmOwnPack
    /// Elements all the threads' slabs of an image-parallel pass may take (8 MB of floats).
    static let slabBudget = 2 << 20

    /// How a pass splits the work: `threads` > 0 threads that each take whole groups of
    /// images, in order, with their own `slab` of scratch (the group's window or phases, its
    /// rows, rdc_gemm_own's panels) after the pass's shared block; so each thread reads the
    /// images it, and the image-parallel kernels around it, wrote. All threads on each group's GEMM instead (rdc_gemm splits the columns, so half
    /// of every image crosses between the cores) made RD4AD-Lite0's stride-2 and transposed
    /// convolutions 1.5-1.9x slower where the cores sit on different L3s. Not where the
    /// groups are fewer than 2 (one image) or the slabs would outgrow `slabBudget`; and at
    /// run time only on at most `threads` threads (more run group by group).
    struct ImageSplit {
        let threads: Int
        let window: Int
        let rows: Int
        /// A weight gradient's: each group's sums (its own copy of dw, `groups` x that many
        /// elements after the slabs), added in order once all are done.
        let sums: Int
        var slab: Int { window + rows + DenseConvKernels.ownPackElements }

        init(groups: Int, window: Int, rows: Int, weights: Int = 0) {
            self.window = window
            self.rows = rows
            sums = groups * weights
            let t = min(16, groups, DenseConvKernels.slabBudget / (window + rows + DenseConvKernels.ownPackElements))
            threads = t >= 2 && sums <= DenseConvKernels.slabBudget ? t : 0
        }

        var scratch: Int { threads > 0 ? threads * slab + sums : 0 }
    }

    /// The groups one after another, all threads on each product, or (where the machine has
    /// no more threads than `split.threads`) each thread taking whole groups with its own
    /// slab at col + `shared`: the same group body, its products on the calling thread
    /// (rdc_gemm_own: the same sums in the same order).
    static func perGroup(_ body: (Gemm) -> String, split: ImageSplit, shared: Int) -> String {
        perGroup(serial: body(.allThreads), own: body(.callingThread), split: split, shared: shared)
    }

    /// perGroup of a weight gradient: `body(target, accumulate)` adds (or writes) a group's
    /// product into `target`. The groups one after another add into dw; split by images, each
    /// group writes its own copy (`sums`), and the copies are added in order: the result does
    /// not depend on the thread count.
    static func perGroupWeight(_ body: (String, String, Gemm) -> String, split: ImageSplit, shared: Int, size: String) -> String {
        perGroup(serial: body("dw", "n > 0", .allThreads), own: body("sums + (long)(n / G) * \(size)", "0", .callingThread),
                 split: split, shared: shared,
                 after: "        rdc_sum_copies(sums, N / G, \(size), dw);\n")
    }

    /// `body` for each group, all threads on each product; or, split by images, `own` for each
    /// of a thread's groups, then `after` (still on the threads, after the loop's barrier).
    static func perGroup(serial body: String, own: String, split: ImageSplit, shared: Int, after: String = "") -> String {
        guard split.threads > 0 else { return perGroup(body) }
        let slabs = split.threads * split.slab
        return """
            if (omp_get_max_threads() <= \(split.threads)) {   /* each thread its own images */
                real *const slabs = col + \(shared);
        \(split.sums > 0 ? "        real *const sums = slabs + \(slabs);   /* each group's copy of dw */\n" : "")\
                #pragma omp parallel
                {
                    real *col = slabs + (long)omp_get_thread_num() * \(split.slab), *rows = col + \(split.window), *pack = rows + \(split.rows);
                    (void)rows;
                    #pragma omp for schedule(static)
                    for (int n = 0; n < N; n += G) {
        \(CText.indented(own, by: "        "))            }
        \(CText.indented(after, by: "    "))        }
            } else {
        \(CText.indented(perGroup(body), by: "    ").dropLast(1))    }

        """
    }

    /// y = epilogue(w . windows(x)), the epilogue applied by the GEMM; args x, w, epilogue args, col, y.
    static func convForward(_ g: ConvGeometry, _ e: Epilogue) -> String {
        let group = group(g)
        let ep = e.gemm(coefficients: "pack + \(packElements)")
        // One image of a 1x1 convolution: x itself is the matrix, packed by plain copies.
        let plain = group.images == 1 && isPointwise(g)
        let body = { (gemm: Gemm) in group.images > 1 ? """
                    \(gemm)(CO, GP, K, w, K, 1, rdc_windows(&win, 0), rows, GP, 0, \(ep.argument), pack);
                    rdc_from_rows(rows, y + (long)n * CO * P, G, CO, P, 0);

            """ : "        \(gemm)(CO, P, K, w, K, 1, \(plain ? "rdc_matrix(x + (long)n * CI * P, P, 1)" : "rdc_windows(&win, 0)"), "
                + "y + (long)n * CO * P, P, 0, \(ep.argument), pack);\n"
        }
        return constants(g, group, window: phaseElements(g, group)) + ep.setup
            + perGroup({ (plain ? "" : windows(g)) + body($0) }, split: split(g, .forward), shared: shared(g, .forward))
    }

    /// A 1x1 stride-1 unpadded convolution is a plain product: its data gradient needs no col2im.
    static func isPointwise(_ g: ConvGeometry) -> Bool {
        g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.pt == 0 && g.pl == 0 && g.oh == g.h && g.ow == g.w
    }

    /// A stride-1 convolution keeping the image size: its data gradient is itself such a
    /// convolution, of dy with the flipped, transposed weight (padding KH-1-PT), so it runs
    /// as an implicit GEMM too, with no window matrix to scatter back.
    static func dataGradientIsConv(_ g: ConvGeometry) -> Bool {
        g.sh == 1 && g.sw == 1 && g.oh == g.h && g.ow == g.w && !isPointwise(g)
    }

    /// Elements of the data gradient's scratch before the rows: the flipped weight, or the
    /// window matrix that col2im scatters (none where the product writes dx itself).
    static func dataWindow(_ g: ConvGeometry, _ group: ImageGroup) -> Int {
        if dataGradientIsConv(g) { return g.ci * g.co * g.kh * g.kw }
        return group.images == 1 && isPointwise(g) ? 0 : g.ci * g.kh * g.kw * group.columns
    }

    /// dx (=|+=) col2im(w^T . dy), or the convolution of dy with the flipped weight; args dy, w, col, dx.
    /// `channels`: only those of dx, on the col2im path (the rows of w^T . dy they take).
    static func convBackwardData(_ g: ConvGeometry, accumulate: Bool, channels: Range<Int>? = nil) -> String {
        let group = group(g), acc = accumulate ? "1" : "0", split = split(g, .backwardData), shared = shared(g, .backwardData)
        let head = constants(g, group, window: dataWindow(g, group))
            + (channels.map { "    enum { C0 = \($0.lowerBound), CD = \($0.count) };   /* the channels of dx that are read */\n" } ?? "")
        if dataGradientIsConv(g) {
            let out = group.images > 1 ? "rows" : "dx + (long)n * CI * HW"
            return head + """
                /* wt[ci][co][kh][kw] = w[co][ci][KH-1-kh][KW-1-kw] */
                real *wt = col;
                #pragma omp parallel for collapse(2) schedule(static)
                for (int ci = 0; ci < CI; ci++)
                    for (int co = 0; co < CO; co++)
                        for (int k = 0; k < KH * KW; k++) wt[((long)ci * CO + co) * KH * KW + k] = w[((long)co * CI + ci) * KH * KW + KH * KW - 1 - k];

            """ + perGroup({ """
                        const rdc_window win = {.x = dy + (long)n * CO * P, .C = CO, .H = OH, .W = OW, .KH = KH, .KW = KW, .SH = 1, .SW = 1, .PT = KH - 1 - PT, .PL = KW - 1 - PL, .OH = H, .OW = W};
                        \($0)(CI, GP, CO * KH * KW, wt, CO * KH * KW, 1, rdc_windows(&win, 0), \(out), GP, \(group.images > 1 ? "0" : acc), NULL, pack);

                """ + (group.images > 1 ? "        rdc_from_rows(rows, dx + (long)n * CI * HW, G, CI, HW, \(acc));\n" : "") }, split: split, shared: shared)
        }
        if group.images == 1 && isPointwise(g) {
            return head + perGroup({ "        \($0)(CI, P, CO, w, 1, CI, rdc_matrix(dy + (long)n * CO * P, P, 1), dx + (long)n * CI * P, P, \(acc), NULL, pack);\n" },
                                   split: split, shared: shared)
        }
        let b = group.images > 1 ? "rows" : "dy + (long)n * CO * P"
        let (m, wt, c, x) = channels == nil ? ("K", "w", "CI", "") : ("CD * KH * KW", "w + C0 * KH * KW", "CD", " + C0 * HW")
        let scatter = isPointwise(g)
            ? "        rdc_from_rows(col, dx + (long)n * CI * P, G, CI, P, \(acc));\n"
            : "        for (int g = 0; g < G; g++)\n"
                + "            rdc_col2im(col + (long)g * P, GP, \(c), H, W, KH, KW, SH, SW, PT, PL, OH, OW, dx + (long)(n + g) * CI * HW\(x), \(acc));\n"
        return head + perGroup({ (group.images > 1 ? "        rdc_to_rows(dy + (long)n * CO * P, rows, G, CO, P);\n" : "")
                               + "        \($0)(\(m), GP, CO, \(wt), 1, K, rdc_matrix(\(b), GP, 1), col, GP, 0, NULL, pack);\n" + scatter },
                               split: split, shared: shared)
    }

    /// dw = sum over images of dy . windows(x)^T, db = sum of dy; args dy, x, col, dw[, db].
    static func convBackwardWeight(_ g: ConvGeometry, bias: Bool) -> String {
        let group = group(g)
        let a = group.images > 1 ? "rows" : "dy + (long)n * CO * P"
        return constants(g, group, window: phaseElements(g, group))
            + perGroupWeight({ target, accumulate, gemm in
                windows(g) + (group.images > 1 ? "        rdc_to_rows(dy + (long)n * CO * P, rows, G, CO, P);\n" : "")
                    + "        \(gemm)(CO, K, GP, \(a), GP, 1, rdc_windows(&win, 1), \(target), K, \(accumulate), NULL, pack);\n"
            }, split: split(g, .backwardWeight), shared: shared(g, .backwardWeight), size: "CO * K")
            + (bias ? biasGradient(plane: "P") : "")
    }

    static func biasGradient(plane: String) -> String {
        """
            #pragma omp parallel for schedule(static)
            for (int co = 0; co < CO; co++) {
                real s = 0;
                for (int n = 0; n < N; n++) {
                    const real *yp = dy + ((long)n * CO + co) * \(plane);
                    #pragma omp simd reduction(+:s)
                    for (long i = 0; i < \(plane); i++) s += yp[i];
                }
                db[co] = s;
            }

        """
    }

    // MARK: Transposed convolutions

    static func group(_ g: ConvTransposeGeometry) -> ImageGroup { ImageGroup(images: g.n, pixels: g.h * g.w) }

    static func constants(_ g: ConvTransposeGeometry, _ group: ImageGroup, window: Int) -> String {
        CText.constants([("N", g.n), ("CI", g.ci), ("H", g.h), ("W", g.w), ("CO", g.co), ("OH", g.oh), ("OW", g.ow),
                         ("KH", g.kh), ("KW", g.kw), ("SH", g.sh), ("SW", g.sw),
                         ("KC", g.co * g.kh * g.kw), ("P", g.h * g.w), ("Q", g.oh * g.ow), ("G", group.images),
                         ("GP", group.columns)]) + scratch(window: window, rows: group.images > 1 ? g.ci * group.columns : 0)
    }

    /// Elements of a pass's `col` scratch block: the forward's window matrix (scattered by
    /// col2im), the images as rows, the packing.
    static func columns(_ g: ConvTransposeGeometry, _ pass: ConvNode.Pass) -> Int { shared(g, pass) + split(g, pass).scratch }

    static func shared(_ g: ConvTransposeGeometry, _ pass: ConvNode.Pass) -> Int {
        let group = group(g)
        return (pass == .forward ? g.co * g.kh * g.kw * group.columns : 0)
            + (group.images > 1 ? g.ci * group.columns : 0) + packElements
    }

    /// The image split of a pass (a forward's slab holds a group's window matrix).
    static func split(_ g: ConvTransposeGeometry, _ pass: ConvNode.Pass) -> ImageSplit {
        let group = group(g)
        return ImageSplit(groups: g.n / group.images, window: pass == .forward ? g.co * g.kh * g.kw * group.columns : 0,
                          rows: group.images > 1 ? g.ci * group.columns : 0,
                          weights: pass == .backwardWeight ? g.ci * g.co * g.kh * g.kw : 0)
    }

    /// A transposed convolution is the data gradient of a convolution from y's grid (OH x OW)
    /// to x's (H x W), no padding: these are that convolution's windows over dy.
    static let transposedWindows = "        const rdc_window win = {.x = dy + (long)n * CO * Q, .C = CO, .H = OH, .W = OW, .KH = KH, .KW = KW, .SH = SH, .SW = SW, .PT = 0, .PL = 0, .OH = H, .OW = W};\n"

    /// y = epilogue(col2im(w^T . x)); args x, w, epilogue args, col, y.
    static func transposedForward(_ g: ConvTransposeGeometry, _ e: Epilogue) -> String {
        let group = group(g)
        // Images n..<n+G of x side by side: the windows of a 1x1 convolution.
        let disjoint = g.kh == g.sh && g.kw == g.sw && g.oh == g.h * g.kh && g.ow == g.w * g.kw
        let scatter = disjoint ? "rdc_unfold_disjoint(col + (long)g * P, GP, CO, H, W, KH, KW, y + (long)(n + g) * CO * Q)"
            : "rdc_col2im(col + (long)g * P, GP, CO, OH, OW, KH, KW, SH, SW, 0, 0, H, W, y + (long)(n + g) * CO * Q, 0)"
        return constants(g, group, window: g.co * g.kh * g.kw * group.columns) + perGroup({ """
                    const rdc_window xs = {.x = x + (long)n * CI * P, .C = CI, .H = H, .W = W, .KH = 1, .KW = 1, .SH = 1, .SW = 1, .PT = 0, .PL = 0, .OH = H, .OW = W};
                    \($0)(KC, GP, CI, w, 1, KC, rdc_windows(&xs, 0), col, GP, 0, NULL, pack);
                    for (int g = 0; g < G; g++)
                        \(scatter);

            """ }, split: split(g, .forward), shared: shared(g, .forward)) + epilogue(e, planeSize: "Q")
    }

    /// dx (=|+=) w . windows(dy); args dy, w, col, dx.
    static func transposedBackwardData(_ g: ConvTransposeGeometry, accumulate: Bool) -> String {
        let group = group(g), acc = accumulate ? "1" : "0"
        let product = { (gemm: Gemm) in group.images > 1
            ? "        \(gemm)(CI, GP, KC, w, KC, 1, rdc_windows(&win, 0), rows, GP, 0, NULL, pack);\n        rdc_from_rows(rows, dx + (long)n * CI * P, G, CI, P, \(acc));\n"
            : "        \(gemm)(CI, P, KC, w, KC, 1, rdc_windows(&win, 0), dx + (long)n * CI * P, P, \(acc), NULL, pack);\n"
        }
        return constants(g, group, window: 0) + perGroup({ transposedWindows + product($0) }, split: split(g, .backwardData), shared: shared(g, .backwardData))
    }

    /// dw = sum over images of x . windows(dy)^T, db = sum of dy; args dy, x, col, dw[, db].
    static func transposedBackwardWeight(_ g: ConvTransposeGeometry, bias: Bool) -> String {
        let group = group(g)
        let a = group.images > 1 ? "rows" : "x + (long)n * CI * P"
        return constants(g, group, window: 0)
            + perGroupWeight({ target, accumulate, gemm in
                transposedWindows + (group.images > 1 ? "        rdc_to_rows(x + (long)n * CI * P, rows, G, CI, P);\n" : "")
                    + "        \(gemm)(CI, KC, GP, \(a), GP, 1, rdc_windows(&win, 1), \(target), KC, \(accumulate), NULL, pack);\n"
            }, split: split(g, .backwardWeight), shared: shared(g, .backwardWeight), size: "CI * KC")
            + (bias ? biasGradient(plane: "Q") : "")
    }
}
