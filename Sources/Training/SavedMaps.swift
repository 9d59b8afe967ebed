import DSL
import Datasets
import Foundation
import Imaging

/// `eval --save-maps DIR`: what evaluation computed, in files other tools can read.
///
///     DIR/scores.csv                   path,label,score (path relative to the dataset root)
///     DIR/maps/shape.txt               "H W"
///     DIR/maps/<path>.f32              the smoothed map, raw little-endian float32, row-major
///     DIR/maps/<path>.png              the map as a heat map over the image
///
/// where <path> is the item's path without its extension (test/scratch/007).
/// Scores are written in Swift's shortest round-trip form: they read back to the same float.
public enum SavedMaps {
    /// The first line of DIR/scores.csv.
    static let header = "path,label,score"

    /// Whether `folder` holds maps eval saved (its scores.csv starts with the header), so
    /// writing them again loses nothing foreign.
    public static func isSavedMaps(_ folder: String) -> Bool { startsWith(header, folder + "/scores.csv") }

    /// Whether the file at `path` starts with the line `header`.
    static func startsWith(_ header: String, _ path: String) -> Bool {
        fileHead(path, count: header.utf8.count + 1) == Data((header + "\n").utf8)
    }

    public static func write(items: [DatasetItem], scored: ScoredImages, heatMaps: HeatMaps, to directory: String) throws {
        let root = URL(fileURLWithPath: directory)
        let maps = root.appendingPathComponent("maps")
        try FileManager.default.createDirectory(at: maps, withIntermediateDirectories: true)
        try Data("\(scored.height) \(scored.width)\n".utf8).write(to: maps.appendingPathComponent("shape.txt"))
        var csv = header + "\n"
        for (i, item) in items.enumerated() {
            csv += "\(csvField(item.name)),\(item.label),\(scored.scores[i])\n"
            let stem = maps.appendingPathComponent((item.name as NSString).deletingPathExtension)
            try FileManager.default.createDirectory(at: stem.deletingLastPathComponent(), withIntermediateDirectories: true)
            let map = scored.map(i)
            try map.map(\.bitPattern.littleEndian).withUnsafeBytes { Data($0) }
                .write(to: stem.appendingPathExtension("f32"))
            try heatMaps.write(map, over: item, to: stem.appendingPathExtension("png").path)
        }
        try Data(csv.utf8).write(to: root.appendingPathComponent("scores.csv"))
    }

    /// Quotes a field holding a comma or quote, as RFC 4180 says.
    static func csvField(_ s: String) -> String {
        s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
