/// A static tensor shape. Activations are NCHW; per-position maps are [N, H, W]; per-sample
/// values [N]; scalars [].
public struct Shape: Codable, Hashable, Sendable, CustomStringConvertible {
    public var dims: [Int]

    public init(_ dims: [Int]) { self.dims = dims }
    public init(_ dims: Int...) { self.dims = dims }

    public var rank: Int { dims.count }
    public var count: Int { dims.reduce(1, *) }
    /// The element count, or nil where it does not fit an Int (sizes that come from input
    /// are checked with this before `count` is used).
    public var checkedCount: Int? {
        dims.reduce(Int?.some(1)) { total, d in
            guard let total, d >= 0 else { return nil }
            let (product, overflow) = total.multipliedReportingOverflow(by: d)
            return overflow ? nil : product
        }
    }
    /// The most elements a tensor may have: the generated kernels index with C int.
    public static let maxElements = Int(Int32.max)
    public subscript(i: Int) -> Int { dims[i] }

    // NCHW accessors; only meaningful for rank-4 activations.
    public var n: Int { dims[0] }
    public var c: Int { dims[1] }
    public var h: Int { dims[2] }
    public var w: Int { dims[3] }

    public var description: String { "[" + dims.map(String.init).joined(separator: ",") + "]" }

    public init(from decoder: Decoder) throws { dims = try [Int](from: decoder) }
    public func encode(to encoder: Encoder) throws { try dims.encode(to: encoder) }
}
