import Checkpoints
import Datasets
import Foundation
import Imaging
import TorchFiles

/// The readers of files a user hands rdc, each fed arbitrary bytes: libFuzzer's targets
/// (`make fuzz`, Fuzz/) and the replay of their corpora in `make test` (FuzzReplayTests).
/// A thrown error is the right answer to a bad file; a trap, a hang or a memory error is a bug.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// A PyTorch .pth: zip or legacy container, pickle, storages.
    case pth
    case png
    /// MNIST's idx format.
    case idx
    /// ELPV's labels.csv (the data set read from a folder holding only it).
    case elpvLabels = "elpv-labels"
    /// An rdc checkpoint.
    case checkpoint

    public func run(_ data: Data) {
        switch self {
        case .png: _ = try? Image(pngData: data, name: "input.png")
        case .idx: _ = try? IDXArray(data: data, name: "input.idx")
        case .pth: asFile(data, "input.pth") { _ = try? TorchFile.load($0) }
        case .elpvLabels: asFile(data, "labels.csv") { _ = try? Dataset.elpv(root: URL(fileURLWithPath: $0).deletingLastPathComponent().path) }
        case .checkpoint: asFile(data, "input.ckpt") { _ = try? Checkpoint(contentsOf: $0) }
        }
    }

    /// `body` given `data` as a file called `name`, in a folder of this process's own that is
    /// removed afterwards (the readers take paths).
    private func asFile(_ data: Data, _ name: String, _ body: (String) -> Void) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rdc-fuzz-\(getpid())-\(rawValue)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent(name)
        guard (try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)) != nil,
              (try? data.write(to: file)) != nil else { return }
        body(file.path)
    }
}
