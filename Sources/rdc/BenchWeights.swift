import Codegen
import ModelRuntime
import DSL
import Datasets
import Training

/// Stand-in weights and images for `rdc bench`: the speed of the compiled kernels does not
/// depend on the values, so no weight file is needed. The values still matter a little:
/// they must keep activations finite and away from denormals (both slow down or break a
/// step), so the student starts as training starts it and the teacher gets He-scaled
/// random weights with BatchNorm as identity. Seeded: every run computes the same.
enum BenchWeights {
    static func parameters(of model: GeneratedModel) throws -> [String: HostTensor] {
        var values = try StudentInitialization.parameters(of: model.graph, seed: 0)
        var generator = SplitMix64(seed: 1)
        for info in model.library.tensors where (info.kind == .parameter || info.kind == .buffer) && values[info.name] == nil {
            values[info.name] = teacherTensor(info, &generator)
        }
        return values
    }

    private static func teacherTensor(_ info: CompiledModel.TensorInfo, _ generator: inout SplitMix64) -> HostTensor {
        if info.shape.count > 1 {
            // U(-b, b) with variance 2 / fan_in (He): activations keep their scale through ReLUs.
            let bound = Float((6.0 / Double(info.count / info.shape[0])).squareRoot())
            return HostTensor(shape: info.shape, values: uniform(info.count, bound, &generator))
        }
        let one = info.name.hasSuffix("running_var") || (info.kind == .parameter && info.name.hasSuffix(".weight"))
        return HostTensor(shape: info.shape, values: [Float](repeating: one ? 1 : 0, count: info.count))
    }

    /// A batch of images in [-2, 2], about the range of ImageNet-normalized pixels.
    static func images(shape: [Int]) -> HostTensor {
        var generator = SplitMix64(seed: 2)
        return HostTensor(shape: shape, values: uniform(shape.reduce(1, *), 2, &generator))
    }

    private static func uniform(_ count: Int, _ bound: Float, _ generator: inout SplitMix64) -> [Float] {
        (0..<count).map { _ in bound * (2 * Float(generator.next() >> 40) / Float(1 << 24) - 1) }
    }
}
