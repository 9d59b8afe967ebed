import DSL
import Datasets
import Foundation

/// Seeded initial values of the trainable parts (OCBE and decoder) the way the official
/// RD4AD constructors leave them, so a run starts where PyTorch's would (in distribution):
/// - Conv2d weight: kaiming_normal_(mode='fan_out', nonlinearity='relu'), N(0, sqrt(2 / (out*kh*kw)));
/// - ConvTranspose2d weight: PyTorch's default reset_parameters, kaiming_uniform_(a=sqrt(5)),
///   i.e. U(-b, b) with b = 1/sqrt(fan_in), fan_in = weight.size(1)*kh*kw; a bias (of either
///   conv) keeps PyTorch's default U(-b, b) with the layer's own fan_in;
/// - BatchNorm: weight 1, bias 0, running mean 0, running variance 1.
/// Each parameter draws from its own SplitMix64 stream (its index in the graph), so one
/// layer's values do not depend on the others'.
public enum StudentInitialization {
    public static func parameters(of graph: Graph, seed: UInt64) throws -> [String: HostTensor] {
        let streamOf = Dictionary(graph.parameters.enumerated().map { ($1.name, UInt64($0)) }, uniquingKeysWith: { a, _ in a })
        var values: [String: HostTensor] = [:]
        func draw(_ name: String, _ sample: (inout SplitMix64) -> Double) {
            guard let p = graph.parameter(name) else { return }
            var generator = SplitMix64.stream(seed: seed, streamOf[name]!)
            values[name] = HostTensor(shape: p.shape.dims, values: (0..<p.shape.count).map { _ in Float(sample(&generator)) })
        }
        func constant(_ name: String, _ value: Float) {
            guard let p = graph.parameter(name) else { return }
            values[name] = HostTensor(shape: p.shape.dims, values: [Float](repeating: value, count: p.shape.count))
        }
        for node in graph.nodes where node.role.isTrainable {
            switch node.op {
            case .conv2d(let a):
                let std = (2.0 / Double(a.outChannels * a.kernel[0] * a.kernel[1])).squareRoot()
                draw(node.params[0]) { std * $0.gaussian() }
                if a.bias {
                    let bound = 1 / Double(a.inChannels / a.groups * a.kernel[0] * a.kernel[1]).squareRoot()
                    draw(node.params[1]) { bound * (2 * $0.unit() - 1) }
                }
            case .convTranspose2d(let a):
                // weight [in, out, kh, kw]: torch's fan_in is size(1) * kh * kw for both weight and bias.
                let bound = 1 / Double(a.outChannels * a.kernel[0] * a.kernel[1]).squareRoot()
                for name in node.params { draw(name) { bound * (2 * $0.unit() - 1) } }
            case .batchNorm:
                for (name, value) in zip(node.params, [Float(1), 0, 0, 1]) { constant(name, value) }
            default:
                guard node.params.isEmpty else {
                    throw TrainingError("\(node.name): no initializer for a trainable \(node.op.kind) layer; "
                                        + "start from weights instead (--student-init)")
                }
            }
        }
        return values
    }
}

extension SplitMix64 {
    /// Uniform in [0, 1), 53 random bits.
    mutating func unit() -> Double { Double(next() >> 11) / Double(UInt64(1) << 53) }

    /// Standard normal (Box-Muller; 1 - unit() is in (0, 1], so the log is finite).
    mutating func gaussian() -> Double {
        let u = 1 - unit(), v = unit()
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }
}
