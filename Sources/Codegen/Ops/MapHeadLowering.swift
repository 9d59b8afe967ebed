import DSL

/// The anomaly map's heads, forward only (nothing trains through them): bilinear
/// upsampling, the Gaussian smoothing, the image score as the map's maximum.
extension ProgramBuilder {
    func upsampleForward(_ s: ForwardStep) throws -> Int {
        kernel(s.node.id, s.suffix, "bilinear upsample (align_corners) \(shapes(s.node))",
               code: HeadKernels.upsample(graph.nodes[s.node.inputs[0]].shape, s.node.shape, x: s.x[0], y: s.y), flops: s.flops)
    }

    func gaussianForward(_ s: ForwardStep) throws -> Int {
        let node = s.node
        guard case .gaussianBlur(let sigma, let truncate) = node.op else { throw CodegenError("internal: '\(node.name)' is not a Gaussian") }
        let tmp = scratch("tmp." + node.name, node.shape.dims, isDouble: true)
        let radius = Op.gaussianRadius(sigma: sigma, truncate: truncate)
        return kernel(node.id, s.suffix, "gaussian sigma \(sigma) radius \(radius) reflect \(shapes(node))",
                      code: HeadKernels.gaussian(node.shape, sigma: sigma, truncate: truncate, x: s.x[0], tmp: tmp, y: s.y),
                      flops: s.flops)
    }

    func maxPerSampleForward(_ s: ForwardStep) throws -> Int {
        let xs = graph.nodes[s.node.inputs[0]].shape
        return kernel(s.node.id, s.suffix, "max per sample \(shapes(s.node))",
                      code: HeadKernels.maxPerSample(xs, x: s.x[0], y: s.y), flops: s.flops)
    }
}
