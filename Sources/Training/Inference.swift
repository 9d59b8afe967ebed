import Datasets
import Foundation

/// `rdc infer`: scores for PNG files given one by one or as folders (searched recursively).
public enum Inference {
    public struct Result: Sendable {
        public var item: DatasetItem
        public var score: Float
        /// With a threshold: score >= threshold.
        public var anomalous: Bool?
    }

    /// The first line of OUT/scores.csv.
    static let outputHeader = "path,score,verdict"

    /// Whether `folder` holds what infer wrote (its scores.csv starts with the header), so
    /// writing again loses nothing foreign.
    public static func isOutput(_ folder: String) -> Bool { SavedMaps.startsWith(outputHeader, folder + "/scores.csv") }

    /// Scores `items`; with `out`, writes OUT/scores.csv (path,score,verdict) and a heat map
    /// per image (OUT/<name>.png), coloured over `heatMapRange` (eval's, stored with the
    /// checkpoint) or else over the range of these images' maps. Returns the results and
    /// a warning per image skipped (`skipBad`).
    public static func run(model: GeneratedModel, items: [DatasetItem], skipBad: Bool, threshold: Double?,
                           heatMapRange: (low: Float, high: Float)?, out: String?) throws -> ([Result], [String]) {
        let loader = DatasetLoader(width: model.width, height: model.height, skipBad: skipBad)
        let loaded = try loader.load(items)
        let scored = try model.score(loaded.images)
        let results = loaded.items.enumerated().map { i, item in
            Result(item: item, score: scored.scores[i], anomalous: threshold.map { Double(scored.scores[i]) >= $0 })
        }
        guard let out else { return (results, loaded.warnings) }
        let heatMaps = heatMapRange.map { HeatMaps(preprocessing: loader.preprocessing, low: $0.low, high: $0.high) }
            ?? HeatMaps(preprocessing: loader.preprocessing, spanning: scored.maps)
        var csv = outputHeader + "\n"
        for (i, result) in results.enumerated() {
            let png = URL(fileURLWithPath: out).appendingPathComponent(result.item.name).deletingPathExtension()
                .appendingPathExtension("png")
            try FileManager.default.createDirectory(at: png.deletingLastPathComponent(), withIntermediateDirectories: true)
            try heatMaps.write(scored.map(i), over: result.item, to: png.path)
            csv += "\(SavedMaps.csvField(result.item.path)),\(result.score),\(result.verdict)\n"
        }
        try Data(csv.utf8).write(to: URL(fileURLWithPath: out).appendingPathComponent("scores.csv"))
        return (results, loaded.warnings)
    }

    /// The PNG files of `paths` in command-line order, each folder's sorted by path. An
    /// item's name (where its heat map goes under the output folder) is the folder's own name
    /// and the path inside it, or a file's name; a name taken before gets "-2", "-3", ...
    public static func items(_ paths: [String]) throws -> [DatasetItem] {
        var items = [DatasetItem]()
        var taken = Set<String>()
        func item(name: String, path: String) -> DatasetItem {
            var unique = name, n = 1
            while taken.contains(unique) {
                n += 1
                unique = (name as NSString).deletingPathExtension + "-\(n)." + (name as NSString).pathExtension
            }
            taken.insert(unique)
            // Unlabelled: label and defect type are not used by inference.
            return DatasetItem(name: unique, source: .file(path), label: 0, defectType: "")
        }
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw TrainingError("\(path): no such file or folder")
            }
            guard isDirectory.boolValue else {
                items.append(item(name: (path as NSString).lastPathComponent, path: path))
                continue
            }
            let found = (FileManager.default.enumerator(atPath: path)?.allObjects as? [String] ?? [])
                .filter { $0.lowercased().hasSuffix(".png") }.sorted()
            guard !found.isEmpty else { throw TrainingError("\(path) holds no PNG images") }
            let folderName = (path as NSString).standardizingPath.split(separator: "/").last.map(String.init) ?? "images"
            items += found.map { item(name: folderName + "/" + $0, path: (path as NSString).appendingPathComponent($0)) }
        }
        return items
    }
}

extension Inference.Result {
    /// "anomalous", "normal", or "" without a threshold.
    public var verdict: String { anomalous.map { $0 ? "anomalous" : "normal" } ?? "" }
}
