import DSL
import Reference

/// The anomaly-map heads as ONNX nodes, each computing what `Reference.Kernels` does.
extension Lowering {
    /// 1 - <a,b> / (max(|a|, eps) * max(|b|, eps)) over dim 1, which is dropped.
    mutating func cosineDistance(_ a: String, _ b: String, eps: Float, _ out: String) {
        let channels = constant([1])
        let keepdims = [ONNXGraphBuilder.int("keepdims", 0)]
        func sum(_ x: String, _ y: String, _ tag: String) -> String {
            builder.add("ReduceSum", [builder.add("Mul", [x, y], "\(out)/\(tag)_products"), channels], "\(out)/\(tag)", keepdims)
        }
        func clampedNorm(_ x: String, _ tag: String) -> String {
            let norm = builder.add("Sqrt", [sum(x, x, tag + "_squares")], "\(out)/\(tag)_norm")
            return builder.add("Max", [norm, constant(eps)], "\(out)/\(tag)_norm_clamped")
        }
        let denominator = builder.add("Mul", [clampedNorm(a, "a"), clampedNorm(b, "b")], "\(out)/denominator")
        let cosine = builder.add("Div", [sum(a, b, "dot"), denominator], "\(out)/cosine")
        builder.add("Sub", [constant(1), cosine], out)
    }

    /// [N, h, w] -> [N, height, width], bilinear with align_corners=True. Resize needs the
    /// full output size, batch included: taken from the input's shape, so any batch runs.
    mutating func upsampleBilinear(_ x: String, height: Int, width: Int, _ out: String) {
        let planes = builder.add("Unsqueeze", [x, constant([1])], "\(out)/planes")
        let batchAndChannel = builder.add("Shape", [planes], "\(out)/batch_and_channel",
                                          [ONNXGraphBuilder.int("start", 0), ONNXGraphBuilder.int("end", 2)])
        let sizes = builder.add("Concat", [batchAndChannel, constant([height, width])], "\(out)/sizes",
                                [ONNXGraphBuilder.int("axis", 0)])
        // No roi, no scales: the sizes say it all.
        let resized = builder.add("Resize", [planes, "", "", sizes], "\(out)/resized", [
            ONNXGraphBuilder.string("mode", "linear"),
            ONNXGraphBuilder.string("coordinate_transformation_mode", "align_corners")])
        builder.add("Squeeze", [resized, constant([1])], out)
    }

    /// scipy.ndimage.gaussian_filter with mode 'reflect' (d c b a | a b c d) on [N, H, W]:
    /// ONNX's Pad has no such mode, so each axis is padded by gathering the reflected rows
    /// (or columns), then convolved with the 1-D kernel, rows first as rdc does.
    mutating func gaussianBlur(_ x: String, sigma: Double, truncate: Double, height: Int, width: Int, _ out: String) {
        let weights = Op.gaussianWeights(sigma: sigma, truncate: truncate).map { Float($0) }
        let radius = weights.count / 2
        var value = builder.add("Unsqueeze", [x, constant([1])], "\(out)/planes")
        for (axis, size, tag) in [(2, height, "rows"), (3, width, "columns")] {
            let reflected = (0..<(size + 2 * radius)).map { Kernels.reflect($0 - radius, size) }
            let indices = builder.int64s("\(out)/\(tag)_reflected", [reflected.count], reflected)
            let padded = builder.add("Gather", [value, indices], "\(out)/\(tag)_padded", [ONNXGraphBuilder.int("axis", axis)])
            let kernelShape = axis == 2 ? [weights.count, 1] : [1, weights.count]
            let kernel = builder.floats("\(out)/\(tag)_kernel", [1, 1] + kernelShape, weights)
            value = builder.add("Conv", [padded, kernel], "\(out)/\(tag)_smoothed",
                                [ONNXGraphBuilder.ints("kernel_shape", kernelShape)])
        }
        builder.add("Squeeze", [value, constant([1])], out)
    }

    /// [N, ...] -> [N]: the largest value of each sample.
    mutating func maxPerSample(_ x: String, _ out: String) {
        let flat = builder.add("Flatten", [x], "\(out)/flat", [ONNXGraphBuilder.int("axis", 1)])
        // Opset 17's ReduceMax takes its axes as an attribute (an input only from opset 18).
        builder.add("ReduceMax", [flat], out, [ONNXGraphBuilder.ints("axes", [1]), ONNXGraphBuilder.int("keepdims", 0)])
    }
}
