import DSL
import Foundation

/// An idx file (the format of MNIST and Fashion-MNIST): magic 0x00 0x00 <type> <rank>, the
/// dimensions as big-endian UInt32, then the elements row-major. Only unsigned bytes
/// (type 0x08, what MNIST uses) are supported, and only uncompressed files: rdc links no
/// zlib, so `*.gz` downloads must be gunzipped first (the error says so).
public struct IDXArray: Equatable, Sendable {
    public let dimensions: [Int]
    public let bytes: [UInt8]

    public init(dimensions: [Int], bytes: [UInt8]) {
        precondition(dimensions.reduce(1, *) == bytes.count, "IDXArray: \(dimensions) needs \(dimensions.reduce(1, *)) bytes")
        self.dimensions = dimensions
        self.bytes = bytes
    }

    public init(path: String) throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw DatasetError.badIDX(path: path, problem: "cannot read the file: \(FileProblem.reason(error))")
        }
        try self.init(data: data, name: path)
    }

    /// Parses idx bytes; `name` is what errors call them.
    public init(data: Data, name: String) throws {
        let bytes = [UInt8](data)
        func fail(_ problem: String) -> DatasetError { .badIDX(path: name, problem: problem) }
        if bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B {
            throw fail("gzip-compressed; rdc reads uncompressed idx files only (it has no zlib): run gunzip on it first")
        }
        guard bytes.count >= 4, bytes[0] == 0, bytes[1] == 0 else {
            throw fail("not an idx file (the first two bytes must be zero)")
        }
        guard bytes[2] == 0x08 else {
            throw fail(String(format: "element type 0x%02X is not supported (only unsigned bytes, 0x08)", bytes[2]))
        }
        let rank = Int(bytes[3])
        guard rank >= 1 else { throw fail("rank 0") }
        let headerSize = 4 + 4 * rank
        guard bytes.count >= headerSize else {
            throw fail("truncated header (\(bytes.count) bytes, a rank-\(rank) header needs \(headerSize))")
        }
        var dimensions = [Int]()
        for d in 0..<rank {
            let o = 4 + 4 * d
            dimensions.append(Int(bytes[o]) << 24 | Int(bytes[o + 1]) << 16 | Int(bytes[o + 2]) << 8 | Int(bytes[o + 3]))
        }
        let (count, overflow) = dimensions.reduce((1, false)) { acc, d in
            let (m, o) = acc.0.multipliedReportingOverflow(by: d)
            return (m, acc.1 || o)
        }
        guard !overflow, bytes.count - headerSize == count else {
            throw fail("dimensions \(dimensions) need \(count) bytes of data, the file has \(bytes.count - headerSize)"
                       + (bytes.count - headerSize < count ? " (truncated)" : ""))
        }
        self.dimensions = dimensions
        self.bytes = Array(bytes[headerSize...])
    }

    /// The idx encoding of this array (unsigned bytes), e.g. to write test fixtures.
    public func encoded() -> Data {
        var out = Data([0, 0, 0x08, UInt8(dimensions.count)])
        for d in dimensions {
            out.append(contentsOf: [UInt8(truncatingIfNeeded: d >> 24), UInt8(truncatingIfNeeded: d >> 16),
                                    UInt8(truncatingIfNeeded: d >> 8), UInt8(truncatingIfNeeded: d)])
        }
        out.append(contentsOf: bytes)
        return out
    }
}
