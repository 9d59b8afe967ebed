import DSL

/// 1 - cosine, per pixel over channels (the anomaly maps, loss_pixel) or per flattened
/// sample (loss_flat); the backward to either side that needs it.
extension ProgramBuilder {
    func cosineForward(_ s: ForwardStep) throws -> Int {
        let node = s.node
        let xs = graph.nodes[node.inputs[0]].shape
        switch node.op {
        case .cosineDistance(let eps):
            return kernel(node.id, s.suffix, "1 - cosine over channels \(shapes(node))",
                          code: CosineKernels.pixel(xs, eps: eps, a: s.x[0], b: s.x[1], y: s.y), flops: s.flops)
        case .cosineDistanceFlat(let eps):
            return kernel(node.id, s.suffix, "1 - cosine per flattened sample \(shapes(node))",
                          code: CosineKernels.flat(xs, eps: eps, a: s.x[0], b: s.x[1], y: s.y), flops: s.flops)
        default: throw CodegenError("internal: '\(node.name)' is not a cosine distance")
        }
    }

    func cosineBackward(_ s: BackwardStep, _ g: inout Gradients) throws -> [Int] {
        let node = s.node
        guard node.inputs[0] != node.inputs[1] else { throw s.unsupported("it compares a tensor with itself") }
        let (a, b) = (value(node.inputs[0]), value(node.inputs[1]))
        var targets: [(side: String, buffer: Int, accumulate: Bool)] = []
        for (k, side) in ["a", "b"].enumerated() where s.needs[k] {
            let t = target(node.inputs[k], &g.buffers)
            targets.append((side, t.buffer, t.accumulate))
        }
        let xs = graph.nodes[node.inputs[0]].shape
        let code: KernelCode
        switch node.op {
        case .cosineDistance(let eps): code = CosineKernels.pixelBackward(xs, eps: eps, a: a, b: b, dy: s.dy, targets: targets)
        case .cosineDistanceFlat(let eps): code = CosineKernels.flatBackward(xs, eps: eps, a: a, b: b, dy: s.dy, targets: targets)
        default: throw CodegenError("internal: '\(node.name)' is not a cosine distance")
        }
        return [kernel(node.id, "bwd", "d \(node.op.kind) \(shapes(node))", code: code,
                       flops: (6 + 4 * targets.count) * xs.count)]
    }
}
