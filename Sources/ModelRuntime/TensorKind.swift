import CRDCABI

/// What an entry of a compiled library's tensor table is. The values are rdc_abi.h's
/// (RDC_PARAMETER ... RDC_INPUT), the one place they are defined.
public enum TensorKind: CaseIterable, Sendable {
    case parameter, buffer, gradient, adamM, adamV, output, input

    /// The value the library's table holds.
    public var abiValue: Int32 {
        switch self {
        case .parameter: return Int32(RDC_PARAMETER)
        case .buffer: return Int32(RDC_BUFFER)
        case .gradient: return Int32(RDC_GRADIENT)
        case .adamM: return Int32(RDC_ADAM_M)
        case .adamV: return Int32(RDC_ADAM_V)
        case .output: return Int32(RDC_OUTPUT)
        case .input: return Int32(RDC_INPUT)
        }
    }

    public init?(abiValue: Int32) {
        guard let kind = TensorKind.allCases.first(where: { $0.abiValue == abiValue }) else { return nil }
        self = kind
    }

    /// The constant's name in rdc_abi.h, as the generated table spells it.
    public var abiName: String { "RDC_" + label.uppercased() }

    /// The kind as manifest.json and `rdc describe` print it.
    public var label: String {
        switch self {
        case .parameter: return "parameter"
        case .buffer: return "buffer"
        case .gradient: return "gradient"
        case .adamM: return "adam_m"
        case .adamV: return "adam_v"
        case .output: return "output"
        case .input: return "input"
        }
    }
}
