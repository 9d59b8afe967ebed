import Datasets
import Foundation
import Imaging

/// The HTML report's grid of test images, worst first: one row per image with the image as
/// the model saw it, its heat map, its ground-truth mask and the mask predicted at the
/// threshold, each written as a PNG under the report's images/ folder.
struct ReportGrid {
    var evaluation: Evaluation
    var heatMaps: HeatMaps
    var threshold: Double?

    static let imageFolder = "images"
    /// The PNGs of one grid row: images/<row index, at least 4 digits>-<kind>.png.
    private enum ImageKind: String, CaseIterable {
        case image, heat, mask, predicted
        var title: String {
            switch self {
            case .image: return "image"
            case .heat: return "heat map"
            case .mask: return "ground-truth mask"
            case .predicted: return "predicted mask"
            }
        }
    }

    /// The grid's column heads: no mask column without masks, no predicted one without a threshold.
    var header: String {
        let kinds = ImageKind.allCases.filter { kind in
            switch kind {
            case .image, .heat: return true
            case .mask: return evaluation.test.masks != nil
            case .predicted: return threshold != nil
            }
        }
        return "<tr>" + kinds.map { "<th>\($0.title)</th>" }.joined() + "<th>test image</th></tr>"
    }

    /// Test image indices in page order. With a threshold: missed anomalies (lowest score
    /// first), then false alarms (highest first), then the rest, closest to the threshold
    /// first (the nearest calls). Without one (no anomalous test images): highest score first.
    func order() -> [Int] {
        let scores = evaluation.scored.scores.map(Double.init), items = evaluation.test.items
        guard let threshold else { return scores.indices.sorted { scores[$0] > scores[$1] } }
        func rank(_ i: Int) -> (Int, Double) {
            switch (items[i].isAnomalous, scores[i] >= threshold) {
            case (true, false): return (0, scores[i])
            case (false, true): return (1, -scores[i])
            default: return (2, abs(scores[i] - threshold))
            }
        }
        return scores.indices.sorted { rank($0) < rank($1) }
    }

    /// Writes the PNGs of the first `limit` images in page order into `folder`/images and
    /// returns the grid's table rows. PNGs of an earlier report there that this one does not
    /// show are removed, so the folder holds what the page shows.
    func write(into folder: String, limit: Int) throws -> [String] {
        let images = URL(fileURLWithPath: folder).appendingPathComponent(Self.imageFolder)
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        var written = Set<String>()
        var rows = [String]()
        for (position, i) in order().prefix(limit).enumerated() {
            var cells = [String]()
            func add(_ image: Image, _ kind: ImageKind) throws {
                let name = String(format: "%04d", position) + "-\(kind.rawValue).png"
                try image.writePNG(to: images.appendingPathComponent(name).path)
                written.insert(name)
                cells.append("<td><img src=\"\(Self.imageFolder)/\(name)\" alt=\"\(kind.title)\" "
                             + "width=\"\(image.width)\" height=\"\(image.height)\"></td>")
            }
            let item = evaluation.test.items[i], map = evaluation.scored.map(i)
            let seen = try heatMaps.seenImage(item)
            try add(seen, .image)
            try add(heatMaps.overlay(map, on: seen), .heat)
            if let truth = groundTruth(i) { try add(truth, .mask) }
            if let threshold { try add(mask(map.map { Double($0) >= threshold }), .predicted) }
            rows.append("<tr class=\"\(outcome(i).cssClass)\">" + cells.joined() + "<td>\(caption(i))</td></tr>")
        }
        try removeStale(in: images, keeping: written)
        return rows
    }

    /// What a grid row says about its image: name, label, score and decision.
    private func caption(_ i: Int) -> String {
        let item = evaluation.test.items[i]
        let label = item.isAnomalous ? "anomalous (\(item.defectType))" : "normal"
        return "<b>\(HTMLText.escaped(item.name))</b><br>label: \(HTMLText.escaped(label))<br>"
            + "score: \(String(format: "%.4f", evaluation.scored.scores[i]))<br>\(outcome(i).text)"
    }

    private enum Outcome {
        case missed, falseAlarm, found, passed, undecided
        var text: String {
            switch self {
            case .missed: return "<b>false negative</b>: below the threshold"
            case .falseAlarm: return "<b>false positive</b>: at or above the threshold"
            case .found: return "true positive"
            case .passed: return "true negative"
            case .undecided: return "no threshold"
            }
        }
        var cssClass: String {
            switch self {
            case .missed, .falseAlarm: return "wrong"
            case .found, .passed, .undecided: return "right"
            }
        }
    }

    private func outcome(_ i: Int) -> Outcome {
        guard let threshold else { return .undecided }
        switch (evaluation.test.items[i].isAnomalous, Double(evaluation.scored.scores[i]) >= threshold) {
        case (true, false): return .missed
        case (false, true): return .falseAlarm
        case (true, true): return .found
        case (false, false): return .passed
        }
    }

    /// Image i's ground-truth mask; nil when the dataset has none.
    private func groundTruth(_ i: Int) -> Image? {
        guard let masks = evaluation.test.masks else { return nil }
        let plane = evaluation.scored.height * evaluation.scored.width
        return mask(masks.values[(i * plane)..<((i + 1) * plane)].map { $0 > 0.5 })
    }

    /// A mask as a black and white 8-bit image of the maps' size.
    private func mask(_ pixels: [Bool]) -> Image {
        Image(width: evaluation.scored.width, height: evaluation.scored.height, channels: 1, bitDepth: 8,
              samples: pixels.map { $0 ? 255 : 0 })
    }

    private func removeStale(in images: URL, keeping written: Set<String>) throws {
        let stale = try FileManager.default.contentsOfDirectory(atPath: images.path).filter { name in
            !written.contains(name) && Self.isGridImageName(name)
        }
        for name in stale { try FileManager.default.removeItem(at: images.appendingPathComponent(name)) }
    }

    /// Whether `name` is one this grid writes (digits-kind.png), so removing it loses nothing of the user's.
    private static func isGridImageName(_ name: String) -> Bool {
        let parts = name.split(separator: "-", maxSplits: 1)
        return parts.count == 2 && !parts[0].isEmpty && parts[0].allSatisfy { $0.isASCII && $0.isNumber }
            && ImageKind.allCases.map { $0.rawValue + ".png" }.contains(String(parts[1]))
    }
}
