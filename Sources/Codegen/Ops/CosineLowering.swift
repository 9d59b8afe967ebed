import DSL

/// 1 - cosine, per pixel over channels (the anomaly maps, loss_pixel) or per flattened
/// sample (loss_flat); the backward to either side that needs it.
extension ProgramBuilder {
    func cosineForward(_ s: ForwardStep) throws -> Int {
        let node = s.node
        let xs = graph.nodes[node.inputs[0]].shape
        let args = [("a", s.x[0], false), ("b", s.x[1], false), ("y", s.y, true)]
        switch node.op {
        case .cosineDistance(let eps):
            return kernel(node.id, s.suffix, "1 - cosine over channels \(shapes(node))", args: args,
                          body: CosineKernels.pixel(xs, eps: eps), flops: s.flops)
        case .cosineDistanceFlat(let eps):
            return kernel(node.id, s.suffix, "1 - cosine per flattened sample \(shapes(node))", args: args,
                          body: CosineKernels.flat(xs, eps: eps), flops: s.flops)
        default: throw CodegenError("internal: '\(node.name)' is not a cosine distance")
        }
    }

    func cosineBackward(_ s: BackwardStep, _ g: inout Gradients) throws -> [Int] {
        let node = s.node
        guard node.inputs[0] != node.inputs[1] else { throw s.unsupported("it compares a tensor with itself") }
        var args = [("a", value(node.inputs[0]), false), ("b", value(node.inputs[1]), false), ("dy", s.dy, false)]
        var targets: [(String, Bool)] = []
        for (k, side) in ["a", "b"].enumerated() where s.needs[k] {
            let t = target(node.inputs[k], &g.buffers)
            args.append(("d" + side, t.buffer, true))
            targets.append((side, t.accumulate))
        }
        let xs = graph.nodes[node.inputs[0]].shape
        let body: String
        switch node.op {
        case .cosineDistance(let eps): body = CosineKernels.pixelBackward(xs, eps: eps, targets: targets)
        case .cosineDistanceFlat(let eps): body = CosineKernels.flatBackward(xs, eps: eps, targets: targets)
        default: throw CodegenError("internal: '\(node.name)' is not a cosine distance")
        }
        return [kernel(node.id, "bwd", "d \(node.op.kind) \(shapes(node))", args: args, body: body,
                       flops: (6 + 4 * targets.count) * xs.count)]
    }
}
