import DSL
import Foundation

/// Reads PyTorch checkpoints (`torch.save` of a state dict) without Python.
public enum TorchFile {
    /// Loads every tensor of the `.pth` file at `path`, in either format torch.save has written
    /// (zip since PyTorch 1.6, the legacy pickle sequence before). Nested dicts are flattened
    /// with "."; float16/bfloat16/float64 tensors become float32, integer and bool tensors int64.
    /// The pickle is interpreted, never executed: any Python global outside the state-dict
    /// allowlist is refused. Throws `TorchFileError` naming `path`.
    public static func load(_ path: String) throws -> StateDict {
        let data: Data
        do {
            // Mapped, so a large checkpoint is paged in once rather than copied.
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
        } catch {
            throw TorchFileError(file: path, kind: .unreadable, message: FileProblem.reason(error))
        }
        do {
            let entries = try data.withUnsafeBytes(read)
            return StateDict(file: path, entries: entries)
        } catch let problem as Problem {
            throw TorchFileError(file: path, kind: problem.kind, message: problem.message)
        }
    }

    /// "PK\3\4": a zip archive (torch.save since PyTorch 1.6).
    private static let zipMagic: [UInt8] = [0x50, 0x4B, 0x03, 0x04]
    /// PROTO: a pickle (the legacy format).
    private static let pickleProtocol: UInt8 = 0x80

    /// Whether the file at `path` starts the way torch.save's files do (zip or pickle).
    public static func isPyTorchFile(_ path: String) -> Bool {
        let head = [UInt8](fileHead(path, count: zipMagic.count))
        return head.starts(with: zipMagic) || head.first == pickleProtocol
    }

    private static func read(_ bytes: UnsafeRawBufferPointer) throws -> [(name: String, tensor: StoredTensor)] {
        if bytes.starts(with: zipMagic) {
            return try readZipCheckpoint(bytes)
        }
        if bytes.first == pickleProtocol {
            return try readLegacyCheckpoint(bytes)
        }
        guard !bytes.isEmpty else { throw Problem(.truncated, "the file is empty") }
        let head = bytes.prefix(8).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: " ")
        throw Problem(.corrupt, "not a PyTorch checkpoint: starts with bytes \(head), neither a zip archive nor a pickle")
    }
}
