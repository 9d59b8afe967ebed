/// An RD4AD model: teacher -> OCBE -> decoder, plus the heads every RD4AD graph has
/// (both losses, the per-scale and smoothed anomaly maps, the image scores).
/// `graph(batch:height:width:)` specializes it to one input shape.
public struct RD4AD: Sendable {
    public var name: String
    public var height: Int
    public var width: Int
    public var batch: Int
    public var heads: Heads
    private let teacher: @Sendable () -> [any Layer]
    private let ocbe: @Sendable () -> [any Layer]
    private let decoder: @Sendable () -> [any Layer]

    public struct Heads: Sendable {
        /// Cosine eps of torch.nn.functional.cosine_similarity.
        public var cosineEps: Float = 1e-8
        public var sigma: Double = 4
        public var truncate: Double = 4
        public init() {}
    }

    public init(_ name: String, height: Int = 256, width: Int = 256, batch: Int = 16, heads: Heads = Heads(),
                @LayerBuilder teacher: @escaping @Sendable () -> [any Layer],
                @LayerBuilder ocbe: @escaping @Sendable () -> [any Layer],
                @LayerBuilder decoder: @escaping @Sendable () -> [any Layer]) {
        self.name = name; self.height = height; self.width = width; self.batch = batch; self.heads = heads
        self.teacher = teacher; self.ocbe = ocbe; self.decoder = decoder
    }

    /// The graph for the model's own sizes.
    public func graph() throws -> Graph { try graph(batch: batch, height: height, width: width) }

    public func graph(batch: Int, height: Int, width: Int) throws -> Graph {
        guard batch >= 1 else { throw GraphError(path: name, "batch must be >= 1, got \(batch)") }
        guard height % 32 == 0, width % 32 == 0, height > 0, width > 0 else {
            throw GraphError(path: name, "image size \(height)x\(width): both sides must be positive multiples of 32")
        }
        try checkSize(Shape(batch, 3, height, width), of: "input", batch: batch, height: height, width: width)
        let g = GraphContext()
        let image = g.inRole(.input) { g.input(Shape(batch, 3, height, width)) }
        try g.name(image, as: "input")
        let t = try Chain(teacher()).build([image], in: g)
        let e = try Chain(ocbe()).build(t, in: g)
        guard e.count == 1 else { throw g.error("the OCBE must give one embedding, got \(e.count) tensors") }
        try g.name(e[0], as: "ocbe")
        let s = try Chain(decoder()).build(e, in: g)
        try g.inRole(.head) { try addHeads(teacher: t, student: s, height: height, width: width, in: g) }
        for node in g.nodes { try checkSize(node.shape, of: node.name, batch: batch, height: height, width: width) }
        for p in g.parameters { try checkSize(p.shape, of: p.name, batch: batch, height: height, width: width) }
        return g.graph(name: name)
    }

    /// Sizes come from the command line and model files: every tensor's element count is
    /// computed with checked arithmetic and kept within what the generated kernels index.
    private func checkSize(_ shape: Shape, of tensor: String, batch: Int, height: Int, width: Int) throws {
        guard let count = shape.checkedCount, count <= Shape.maxElements else {
            throw GraphError(path: tensor, "\(shape) has over 2^31 elements, more than the generated kernels index "
                             + "(batch \(batch), image size \(height)x\(width)): use a smaller batch or image size")
        }
    }

    private func addHeads(teacher t: [TensorRef], student s: [TensorRef], height: Int, width: Int,
                          in g: GraphContext) throws {
        guard t.count == s.count, !t.isEmpty else {
            throw g.error("teacher gives \(t.count) features but the decoder \(s.count)")
        }
        var flat: [TensorRef] = [], pixel: [TensorRef] = [], maps: [TensorRef] = []
        for (i, (ti, si)) in zip(t, s).enumerated() {
            let scale = i + 1
            guard ti.shape == si.shape else {
                throw g.error("scale \(scale): teacher feature \(ti.shape) and decoder feature \(si.shape) differ")
            }
            try g.scoped("scale\(scale)") {
                let perSample = try g.node(.cosineDistanceFlat(eps: heads.cosineEps), [ti, si], suffix: "cosdist_flat")
                let lf = try g.node(.mean, [perSample], suffix: "loss_flat")
                try g.name(lf, as: "loss_flat.scale\(scale)")
                let amap = try g.node(.cosineDistance(eps: heads.cosineEps), [ti, si], suffix: "amap")
                try g.name(amap, as: "amap\(scale)")
                let lp = try g.node(.mean, [amap], suffix: "loss_pixel")
                try g.name(lp, as: "loss_pixel.scale\(scale)")
                let up = try g.node(.upsampleBilinear(height: height, width: width), [amap], suffix: "upsample")
                flat.append(lf); pixel.append(lp); maps.append(up)
            }
        }
        try g.name(g.node(.add, flat, suffix: "loss_flat"), as: "loss_flat")
        try g.name(g.node(.add, pixel, suffix: "loss_pixel"), as: "loss_pixel")
        let sum = try g.node(.add, maps, suffix: "amap_sum")
        try g.name(sum, as: "amap_sum")
        let smooth = try g.node(.gaussianBlur(sigma: heads.sigma, truncate: heads.truncate), [sum], suffix: "amap_smooth")
        try g.name(smooth, as: "amap_smooth")
        try g.name(g.node(.maxPerSample, [smooth], suffix: "image_scores"), as: "image_scores")
    }
}
