import DSL
import Foundation

/// rdc's own checkpoint: named float32 tensors (parameters, BN running statistics, Adam
/// moments), the fingerprint of the model they belong to, and the training position.
///
/// File layout: the magic line `RDCCKPT1\n`, a little-endian UInt64 header length, the header
/// (JSON: fingerprint, epoch, metadata, tensor index), then the tensors' raw little-endian
/// float32 values in index order.
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

    static let magic = Data("RDCCKPT1\n".utf8)

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
        try AtomicFile.write(data, to: path)
    }

    public init(contentsOf path: String) throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw CheckpointError(path: path, "cannot be read (\(error.localizedDescription))")
        }
        guard data.starts(with: Checkpoint.magic) else {
            throw CheckpointError(path: path, "is not an rdc checkpoint (no RDCCKPT1 header)")
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
            guard entry.shape.allSatisfy({ $0 >= 0 }) else {
                throw CheckpointError(path: path, "has a negative dimension in '\(entry.name)'")
            }
            let bytes = 4 * entry.shape.reduce(1, *)
            guard data.count - offset >= bytes else {
                throw CheckpointError(path: path, "is truncated: '\(entry.name)' needs \(bytes) bytes, \(data.count - offset) remain")
            }
            var values = [Float](repeating: 0, count: bytes / 4)
            values.withUnsafeMutableBytes { _ = data.copyBytes(to: $0, from: offset..<offset + bytes) }
            tensors[entry.name] = HostTensor(shape: entry.shape, values: values)
            offset += bytes
        }
        guard offset == data.count else {
            throw CheckpointError(path: path, "has \(data.count - offset) unexpected bytes after its tensors")
        }
        self.init(fingerprint: header.fingerprint, epoch: header.epoch, step: header.step,
                  metadata: header.metadata, tensors: tensors)
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
