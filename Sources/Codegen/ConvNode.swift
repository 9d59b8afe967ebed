import DSL

/// A convolution or transposed-convolution node: what the lowering, the fold and the
/// autodiff need from either, whichever it is and however its kernels are made.
struct ConvNode {
    enum Geometry {
        case conv(ConvGeometry)
        case transposed(ConvTransposeGeometry)
    }

    let geometry: Geometry
    let bias: Bool
    /// Its kernels are Winograd's (WinogradKernels), as the policy has it for its shape.
    let winograd: Bool
    /// Its weight gradient is Winograd's too (a narrower choice: WinogradKernels.winsWeightGradient).
    let winogradWeightGradient: Bool
    /// Its weight gradient goes by dot products along the image (DotWeightGradient).
    let dotWeightGradient: Bool

    init?(_ node: Node, _ graph: Graph, winograd policy: Codegen.Winograd = .never, dotWeightGradients: Bool = false) {
        let x = graph.nodes[node.inputs[0]].shape
        switch node.op {
        case .conv2d(let a):
            let g = ConvGeometry(a, input: x, output: node.shape)
            geometry = .conv(g); bias = a.bias
            switch policy {
            case .never: winograd = false; winogradWeightGradient = false
            case .whereItWins:
                winograd = WinogradKernels.fits(g) && WinogradKernels.wins(g)
                winogradWeightGradient = winograd && WinogradKernels.winsWeightGradient(g)
            case .wherever: winograd = WinogradKernels.fits(g); winogradWeightGradient = winograd
            }
            dotWeightGradient = dotWeightGradients && !winogradWeightGradient && DotWeightGradient.fits(g)
        case .convTranspose2d(let a):
            geometry = .transposed(ConvTransposeGeometry(a, input: x, output: node.shape)); bias = a.bias
            winograd = false; winogradWeightGradient = false; dotWeightGradient = false
        default:
            return nil
        }
    }

    var description: String { description(of: .forward) }

    /// Whether the pass goes through Winograd.
    func isWinograd(_ pass: Pass) -> Bool { pass == .backwardWeight ? winogradWeightGradient : winograd }

    /// Its geometry, and Winograd's name where the pass takes that path.
    func description(of pass: Pass) -> String {
        switch geometry {
        case .conv(let g):
            return g.description + (isWinograd(pass) ? " winograd F(4x4,3x3)" : pass == .backwardWeight && dotWeightGradient ? " by dot products" : "")
        case .transposed(let g): return g.description
        }
    }

    var flops: Int {
        switch geometry {
        case .conv(let g): return g.flops
        case .transposed(let g): return g.flops
        }
    }

    enum Pass { case forward, backwardData, backwardWeight }

    /// Elements of the `col` scratch block a pass needs (window matrix, image rows, GEMM
    /// packing); nil when it needs none.
    func columns(_ pass: Pass) -> Int? {
        switch geometry {
        case .conv(let g) where isWinograd(pass): return WinogradKernels.columns(g, pass)
        case .conv(let g) where pass == .backwardWeight && dotWeightGradient: return DotWeightGradient.columns(g)
        case .conv(let g): return g.groups > 1 ? nil : DenseConvKernels.columns(g, pass)
        case .transposed(let g): return DenseConvKernels.columns(g, pass)
        }
    }

    /// y = epilogue(conv(x, w)); `col`: the scratch block of `columns(.forward)`.
    func forward(_ e: Epilogue, x: Int, w: Int, epilogueInputs: EpilogueInputs, col: Int?, y: Int) -> KernelCode {
        KernelCode([.reads("x", x), .reads("w", w)] + epilogueInputs.args() + (col.map { [.writes("col", $0)] } ?? []) + [.writes("y", y)],
                   forwardBody(e))
    }

    private func forwardBody(_ e: Epilogue) -> String {
        switch geometry {
        case .conv(let g) where winograd: return WinogradKernels.forward(g, e)
        case .conv(let g): return g.groups > 1 ? ConvKernels.forward(g, e) : DenseConvKernels.convForward(g, e)
        case .transposed(let g): return DenseConvKernels.transposedForward(g, e)
        }
    }

    /// Whether the data gradient can be limited to a span of input channels (the col2im path
    /// of a dense convolution); the other paths write them all.
    func limitsDataGradient(to channels: Range<Int>?) -> Range<Int>? {
        guard let channels, !winograd, case .conv(let g) = geometry, g.groups == 1,
              !DenseConvKernels.dataGradientIsConv(g), !DenseConvKernels.isPointwise(g) else { return nil }
        return channels
    }

    /// The data gradient; `channels`: only those of dx (limitsDataGradient), nil all.
    func backwardData(accumulate: Bool, channels: Range<Int>?, dy: Int, w: Int, col: Int?, dx: Int) -> KernelCode {
        KernelCode([.reads("dy", dy), .reads("w", w)] + (col.map { [.writes("col", $0)] } ?? []) + [.writes("dx", dx)],
                   backwardDataBody(accumulate: accumulate, channels: channels))
    }

    private func backwardDataBody(accumulate: Bool, channels: Range<Int>?) -> String {
        switch geometry {
        case .conv(let g) where winograd: return WinogradKernels.backwardData(g, accumulate: accumulate)
        case .conv(let g):
            return g.groups > 1 ? ConvKernels.backwardData(g, accumulate: accumulate)
                                : DenseConvKernels.convBackwardData(g, accumulate: accumulate, channels: channels)
        case .transposed(let g): return DenseConvKernels.transposedBackwardData(g, accumulate: accumulate)
        }
    }

    /// The weight gradient, and the bias's where the convolution has one.
    func backwardWeight(dy: Int, x: Int, col: Int?, dw: Int, db: Int?) -> KernelCode {
        KernelCode([.reads("dy", dy), .reads("x", x)] + (col.map { [.writes("col", $0)] } ?? []) + [.writes("dw", dw)]
                    + (db.map { [.writes("db", $0)] } ?? []), backwardWeightBody())
    }

    private func backwardWeightBody() -> String {
        switch geometry {
        case .conv(let g) where winogradWeightGradient: return WinogradKernels.backwardWeight(g, bias: bias)
        case .conv(let g) where dotWeightGradient: return DotWeightGradient.backwardWeight(g, bias: bias)
        case .conv(let g):
            return g.groups > 1 ? ConvKernels.backwardWeight(g, bias: bias) : DenseConvKernels.convBackwardWeight(g, bias: bias)
        case .transposed(let g): return DenseConvKernels.transposedBackwardWeight(g, bias: bias)
        }
    }

    /// The weight seen as [OUTER, CO, INNER], output channel in the middle: conv weights are
    /// [CO, CI/g, KH, KW], transposed ones [CI, CO, KH, KW].
    var weightByOutputChannel: (outer: Int, channels: Int, inner: Int) {
        switch geometry {
        case .conv(let g): return (1, g.co, g.ci / g.groups * g.kh * g.kw)
        case .transposed(let g): return (g.ci, g.co, g.kh * g.kw)
        }
    }
}
