import DSL
import Foundation

/// rdc's own checkpoint: named float32 tensors (parameters, BN running statistics, Adam
/// moments), the fingerprint of the model they belong to, and the training position.
///
/// File layout: the magic line `RDCCKPT2\n`, a little-endian UInt64 header length, the header
/// (JSON: fingerprint, epoch, metadata, tensor index), the tensors' raw little-endian float32
/// values in index order, then the little-endian CRC-32 of all bytes before it.
public struct Checkpoint: Equatable, Sendable {
    public var fingerprint: ModelFingerprint
    public var epoch: Int
    /// Optimizer steps taken (Adam's bias correction needs it).
    public var step: Int
    /// Free-form settings that travel with the weights (e.g. a proposed score threshold).
    public var metadata: [String: String]
    public var tensors: [String: HostTensor]

    public init(fingerprint: ModelFingerprint, epoch: Int, step: Int, metadata: [String: String] = [:],
                tensors: [String: HostTensor]) {
        self.fingerprint = fingerprint; self.epoch = epoch; self.step = step
        self.metadata = metadata; self.tensors = tensors
    }

    /// Version 2 ends with a CRC-32 of everything before it; version 1 files (no checksum)
    /// are still read.
    static let magic = Data("RDCCKPT2\n".utf8)
    static let uncheckedMagic = Data("RDCCKPT1\n".utf8)

    /// Whether the file at `path` starts like an rdc checkpoint (of either version).
    public static func isCheckpoint(_ path: String) -> Bool {
        let head = fileHead(path, count: magic.count)
        return head == magic || head == uncheckedMagic
    }

    struct Header: Codable {
        var fingerprint: ModelFingerprint
        var epoch: Int
        var step: Int
        var metadata: [String: String]
        var tensors: [Entry]
    }

    struct Entry: Codable {
        var name: String
        var shape: [Int]
    }

    /// Writes to a temporary file beside `path`, flushes it to disk and renames it over
    /// `path`, so a crash at any moment leaves either the old file or the new one.
    public func write(to path: String) throws {
        let names = tensors.keys.sorted()
        let header = Header(fingerprint: fingerprint, epoch: epoch, step: step, metadata: metadata,
                            tensors: names.map { Entry(name: $0, shape: tensors[$0]!.shape) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let headerData = try encoder.encode(header)
        var data = Checkpoint.magic
        withUnsafeBytes(of: UInt64(headerData.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(headerData)
        for name in names {
            tensors[name]!.values.withUnsafeBytes { data.append(contentsOf: $0) }
        }
        let checksum = data.withUnsafeBytes(CRC32.checksum)
        withUnsafeBytes(of: checksum.littleEndian) { data.append(contentsOf: $0) }
        try AtomicFile.write(data, to: path)
    }

    public init(contentsOf path: String) throws {
        var data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw CheckpointError(path: path, "cannot be read: \(FileProblem.reason(error))")
        }
        if data.starts(with: Checkpoint.magic) {
            data = try Checkpoint.verifiedContents(of: data, path: path)
        } else if !data.starts(with: Checkpoint.uncheckedMagic) {
            throw CheckpointError(path: path, "is not an rdc checkpoint (no RDCCKPT2 or RDCCKPT1 header)")
        }
        var offset = Checkpoint.magic.count
        guard data.count >= offset + 8 else { throw CheckpointError(path: path, "is truncated in its header") }
        let headerLength = data[offset..<offset + 8].enumerated()
            .reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        offset += 8
        guard headerLength <= UInt64(data.count - offset) else {
            throw CheckpointError(path: path, "is truncated in its header")
        }
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: data[offset..<offset + Int(headerLength)])
        } catch {
            throw CheckpointError(path: path, "has a corrupt header (\(error))")
        }
        offset += Int(headerLength)
        var tensors: [String: HostTensor] = [:]
        for entry in header.tensors {
            let remaining = data.count - offset
            // The shape comes from the file: its byte count is computed with checked arithmetic.
            guard let count = Shape(entry.shape).checkedCount else {
                throw CheckpointError(path: path, "gives '\(entry.name)' the impossible shape \(Shape(entry.shape))")
            }
            guard count <= remaining / 4 else {
                throw CheckpointError(path: path, "is truncated: '\(entry.name)' \(Shape(entry.shape)) needs \(count) float32 "
                                      + "values, \(remaining) bytes remain")
            }
            var values = [Float](repeating: 0, count: count)
            values.withUnsafeMutableBytes { _ = data.copyBytes(to: $0, from: offset..<offset + 4 * count) }
            if let bad = values.first(where: { !$0.isFinite }) {
                throw CheckpointError(path: path, "is damaged: '\(entry.name)' holds \(bad); weights must be finite numbers")
            }
            tensors[entry.name] = HostTensor(shape: entry.shape, values: values)
            offset += 4 * count
        }
        guard offset == data.count else {
            throw CheckpointError(path: path, "has \(data.count - offset) unexpected bytes after its tensors")
        }
        self.init(fingerprint: header.fingerprint, epoch: header.epoch, step: header.step,
                  metadata: header.metadata, tensors: tensors)
    }

    /// A version-2 file without its trailing checksum, once the checksum matches.
    private static func verifiedContents(of data: Data, path: String) throws -> Data {
        guard data.count >= magic.count + 4 else { throw CheckpointError(path: path, "is truncated in its header") }
        let body = data.prefix(data.count - 4)
        let stored = data.suffix(4).enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
        let computed = body.withUnsafeBytes(CRC32.checksum)
        guard stored == computed else {
            throw CheckpointError(path: path, "is damaged: its CRC-32 checksum does not match its contents "
                                  + "(the file was changed or corrupted after rdc wrote it)")
        }
        return body
    }

    /// Loads a checkpoint and checks it belongs to `graph`; a checkpoint of another model
    /// says which model it is for and how the two differ.
    public init(contentsOf path: String, for graph: Graph) throws {
        try self.init(contentsOf: path)
        let expected = ModelFingerprint(graph)
        guard fingerprint == expected else {
            throw CheckpointError(path: path, "is for model '\(fingerprint.model)' (\(fingerprint.digest)), not for "
                                  + "'\(expected.model)' (\(expected.digest)): " + fingerprint.differences(from: expected))
        }
    }
}

public struct CheckpointError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var problem: String
    public init(path: String, _ problem: String) { self.path = path; self.problem = problem }
    public var description: String { "\(path): \(problem)" }
}
