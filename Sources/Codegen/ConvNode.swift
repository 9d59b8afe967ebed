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

    init?(_ node: Node, _ graph: Graph) {
        let x = graph.nodes[node.inputs[0]].shape
        switch node.op {
        case .conv2d(let a):
            geometry = .conv(ConvGeometry(a, input: x, output: node.shape)); bias = a.bias
        case .convTranspose2d(let a):
            geometry = .transposed(ConvTransposeGeometry(a, input: x, output: node.shape)); bias = a.bias
        default:
            return nil
        }
    }

    var description: String {
        switch geometry {
        case .conv(let g): return g.description
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
        case .conv(let g): return g.groups > 1 ? nil : DenseConvKernels.columns(g, pass)
        case .transposed(let g): return DenseConvKernels.columns(g, pass)
        }
    }

    func forward(_ e: Epilogue) -> String {
        switch geometry {
        case .conv(let g): return g.groups > 1 ? ConvKernels.forward(g, e) : DenseConvKernels.convForward(g, e)
        case .transposed(let g): return DenseConvKernels.transposedForward(g, e)
        }
    }

    func backwardData(accumulate: Bool) -> String {
        switch geometry {
        case .conv(let g):
            return g.groups > 1 ? ConvKernels.backwardData(g, accumulate: accumulate)
                                : DenseConvKernels.convBackwardData(g, accumulate: accumulate)
        case .transposed(let g): return DenseConvKernels.transposedBackwardData(g, accumulate: accumulate)
        }
    }

    func backwardWeight() -> String {
        switch geometry {
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
