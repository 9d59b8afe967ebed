import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Training progress: on a terminal, one bar redrawn in place (epoch, batches, images/s,
/// loss, ETA) on stderr; otherwise (logs, CI, pipes) nothing but one plain line per epoch,
/// so a log file is not filled with carriage returns.
final class Progress {
    let epochs: Int
    let batchesPerEpoch: Int
    let batchSize: Int
    let interactive: Bool
    private var epochStart = Date()

    init(epochs: Int, batchesPerEpoch: Int, batchSize: Int, interactive: Bool = isTerminal) {
        self.epochs = epochs
        self.batchesPerEpoch = batchesPerEpoch
        self.batchSize = batchSize
        self.interactive = interactive
    }

    /// A bar is drawn only for a person watching stderr.
    static var isTerminal: Bool { isatty(STDERR_FILENO) != 0 }

    func startEpoch() { epochStart = Date() }

    /// After batch `batch` (0-based) of `epoch` (0-based) with the epoch's mean loss so far.
    func batchDone(epoch: Int, batch: Int, meanLoss: Double) {
        guard interactive else { return }
        let elapsed = Date().timeIntervalSince(epochStart)
        let done = batch + 1
        let width = 24, filled = width * done / batchesPerEpoch
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let rate = Double(done * batchSize) / max(elapsed, 1e-9)
        let left = Double((epochs - epoch) * batchesPerEpoch - done) * elapsed / Double(done)
        let line = "epoch \(epoch + 1)/\(epochs) [\(bar)] \(done)/\(batchesPerEpoch)  "
            + String(format: "%.1f img/s  loss %.5f  ETA %@", rate, meanLoss, Self.duration(left))
        FileHandle.standardError.write(Data(("\r" + line + "\u{1B}[K").utf8))
    }

    /// The epoch's summary line (replacing the bar); the time left assumes later epochs
    /// take as long as this one (the first is slower: it also runs the teacher).
    func epochDone(epoch: Int, meanLoss: Double, seconds: Double, note: String) {
        if interactive { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        let rate = Double(batchesPerEpoch * batchSize) / max(seconds, 1e-9)
        let left = Double(epochs - epoch - 1) * seconds
        print(String(format: "epoch %d/%d  loss %.6f  %.1f images/s  %.1f s  ETA %@", epoch + 1, epochs, meanLoss,
                     rate, seconds, Self.duration(left)) + note)
        fflush(nil)  // the line reaches a log file or pipe now, not when the buffer fills
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? "\(s / 3600)h\(String(format: "%02d", s % 3600 / 60))m"
            : s >= 60 ? "\(s / 60)m\(String(format: "%02d", s % 60))s" : "\(s)s"
    }
}
