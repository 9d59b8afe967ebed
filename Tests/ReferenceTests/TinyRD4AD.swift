import DSL
import Reference

/// A miniature RD4AD (32x32 input, a few channels) exercising every op the real models use:
/// strided convs, BN in all roles, max pool, a residual add, concat of branches, transposed
/// convs, taps, and the standard heads. `TinyRD4ADOracle` holds its outputs computed by an
/// independent numpy implementation of the same network.
enum TinyRD4AD {
    static let model = RD4AD("tiny", height: 32, width: 32, batch: 2, teacher: {
        Teacher {
            Conv("conv1", 4, 3, stride: 2); BatchNorm("bn1"); ReLU()                   // 16x16
            Residual { Conv("res", 4, 3); BatchNorm("resbn") }; ReLU6(); Tap("t1")
            Conv("conv2", 8, 3, stride: 2, padding: .tfSame); BatchNorm("bn2"); ReLU() // 8x8
            Tap("t2")
            MaxPool("pool", 3, stride: 2, padding: 1)                                   // 4x4
            Conv("conv3", 8, 3, groups: .depthwise, bias: true); BatchNorm("bn3", eps: 1e-3); ReLU(); Tap("t3")
        }
    }, ocbe: {
        OCBE {
            Concat {
                Branch(1) { Conv("down2", 8, 3, stride: 4) }                                // 8x8 -> 2x2
                Branch(2) { Conv("down3", 8, 3, stride: 2) }                                // 4x4 -> 2x2
            }
            BatchNorm("bn"); ReLU()
        }
    }, decoder: {
        Decoder {
            ConvTranspose("up3", 8); BatchNorm("bn3"); ReLU(); Tap("s3")                   // 4x4
            ConvTranspose("up2", 8, bias: true); BatchNorm("bn2"); ReLU(); Tap("s2")       // 8x8
            ConvTranspose("up1", 4); BatchNorm("bn1"); ReLU(); Tap("s1")                   // 16x16
        }
    })

    /// Deterministic parameters, a function of the name and element index only (reproduced
    /// in the Python oracle): s = sum of the name's UTF-8 bytes, then for element i
    ///   weight (rank 4): ((s + 31 i) % 17 - 8) / 16;  BN weight: 0.75 + ((s + i) % 3) / 4;
    ///   bias: ((s + 5 i) % 7 - 3) / 32;  running_mean: ((s + 11 i) % 9 - 4) / 16;
    ///   running_var: 0.5 + ((s + 7 i) % 5) / 4.
    static func parameters(of graph: Graph) -> [String: HostTensor] {
        var all: [String: HostTensor] = [:]
        for p in graph.parameters where p.kind != .batchCounter {
            let s = p.name.utf8.reduce(0) { $0 + Int($1) }
            let values: [Float] = (0..<p.shape.count).map { i in
                switch p.kind {
                case .weight where p.shape.rank == 4: return Float((s + 31 * i) % 17 - 8) / 16
                case .weight: return 0.75 + Float((s + i) % 3) / 4
                case .bias: return Float((s + 5 * i) % 7 - 3) / 32
                case .runningMean: return Float((s + 11 * i) % 9 - 4) / 16
                case .runningVar: return 0.5 + Float((s + 7 * i) % 5) / 4
                case .batchCounter: return 0
                }
            }
            all[p.name] = HostTensor(shape: p.shape.dims, values: values)
        }
        return all
    }

    /// The image batch: ramp([2, 3, 32, 32]).
    static var input: HostTensor { ramp([2, 3, 32, 32]) }
}
