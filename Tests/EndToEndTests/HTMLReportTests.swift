import Foundation
import Imaging
import XCTest

/// `rdc eval --html`: the page, opened in headless Chromium as a reader opens it, shows
/// every image and plot and eval.json's numbers; foreign folders are left alone.
final class HTMLReportTests: XCTestCase {
    private func eval(_ checkpoint: String, _ extra: [String]) throws -> E2E.Output {
        try E2E.run(["eval", "--generated", try E2E.generated(), "--checkpoint", checkpoint, "--data", try E2E.data()] + extra)
    }

    func testPageLoadsEveryImageAndPlotAndShowsEvalJSONNumbers() throws {
        let folder = try E2E.folder("html"), out = folder + "/report", report = folder + "/eval.json"
        let run = try eval(try E2E.trainedRun() + "/last.ckpt", ["--html", out, "--report", report]).check()
        let page = out + "/index.html"
        XCTAssertTrue(run.stdout.contains("wrote \(page) (16 of 16 test images shown)"), run.stdout)
        let html = try String(contentsOfFile: page, encoding: .utf8)
        XCTAssertFalse(html.lowercased().contains("<script"), "the report must work without JavaScript")

        // Every reference is a relative path inside the folder, and the file is there.
        let sources = html.matches(of: /src="([^"]*)"/).map { String($0.output.1) }
        XCTAssertEqual(sources.count, 16 * 4, "image, heat map, mask and predicted mask per test image")
        for source in sources {
            XCTAssertFalse(source.hasPrefix("/") || source.contains("..") || source.contains(":"), source)
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/" + source), "\(source) is missing")
        }

        // Worst first: false negatives, then false positives, then the nearest calls.
        let threshold = try XCTUnwrap(html.firstMatch(of: /Threshold <b>([^<]+)<\/b>/).flatMap { Double($0.output.1) })
        let shown = html.matches(of: /label: (\w+)[^<]*<br>score: ([0-9.]+)/).map { ($0.output.1 == "anomalous", Double($0.output.2)!) }
        XCTAssertEqual(shown.count, 16)
        // (The page rounds scores to 4 decimals: the image scoring the threshold may show just below it.)
        let ranks = shown.map { anomalous, score -> (Int, Double) in
            switch (anomalous, score >= threshold - 1e-4) {
            case (true, false): return (0, score)
            case (false, true): return (1, -score)
            default: return (2, abs(score - threshold))
            }
        }
        XCTAssertTrue(zip(ranks, ranks.dropFirst()).allSatisfy { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 <= $1.1 + 1e-4) }, "\(shown)")

        // The browser decoded every image and drew every plot.
        let loaded = try HeadlessChromium.load(page, scratch: folder)
        XCTAssertEqual(loaded.scripts, 0)
        XCTAssertEqual(loaded.images.map(\.src), sources)
        XCTAssertEqual(loaded.images.filter { !$0.loaded }.map(\.src), [], "images the browser could not show")
        let titles = loaded.svgs.map(\.title)
        for expected in ["ROC, image level", "PRO curve, pixel level", "Image scores", "Training loss", "heat map colour scale"] {
            XCTAssertTrue(titles.contains { $0.hasPrefix(expected) }, "no \(expected) plot among \(titles)")
        }
        for svg in loaded.svgs {
            XCTAssertTrue(svg.width > 100 && svg.height > 20 && svg.marks > 0, "\(svg.title) drawn \(svg.width)x\(svg.height) with \(svg.marks) marks")
        }

        // The table the browser shows holds eval.json's numbers, as rdc eval prints them.
        let json = try XCTUnwrap(try E2E.json(report)["rows"] as? [[String: Any]])
        XCTAssertEqual(loaded.table.first, ["defect type", "normal", "anomalous", "image AUROC", "pixel AUROC", "PRO", "F1 at threshold"])
        XCTAssertEqual(loaded.table.count, json.count + 1)
        for (cells, row) in zip(loaded.table.dropFirst(), json) {
            XCTAssertEqual(cells[0], row["defectType"] as? String)
            XCTAssertEqual(Int(cells[1]), row["normal"] as? Int)
            XCTAssertEqual(Int(cells[2]), row["anomalous"] as? Int)
            for (cell, key) in zip(cells[3...5], ["imageAUROC", "pixelAUROC", "pro"]) {
                let value = try XCTUnwrap(row[key] as? Double, "\(key) of \(cells[0])")
                XCTAssertEqual(cell, String(format: "%.4f", value), "\(key) of \(cells[0])")
            }
        }
        // The ROC curve drawn is the one whose area eval reports.
        let overall = try XCTUnwrap(json.last?["imageAUROC"] as? Double)
        XCTAssertTrue(titles.contains("ROC, image level: area \(String(format: "%.4f", overall))"), "\(titles)")
        // The trained model finds the blobs, so with the best-F1 threshold the overall F1 is high.
        XCTAssertGreaterThan(try XCTUnwrap(Double(loaded.table.last?.last ?? "")), 0.8, "\(loaded.table)")

        // What a reader sees: a screenshot that is not blank and shows the jet-coloured heat maps.
        let shot = folder + "/screenshot.png"
        try HeadlessChromium.screenshot(page, to: shot, width: 1280, height: 3200)
        let image = try Image(pngFile: shot).toRGB().to8Bit()
        XCTAssertEqual(image.width, 1280)
        var colours = Set<UInt32>(), colourful = 0
        for p in 0..<(image.width * image.height) {
            let rgb = image.samples[(3 * p)..<(3 * p + 3)]
            colours.insert(rgb.reduce(0) { $0 << 8 | UInt32($1) })
            if rgb.max()! - rgb.min()! > 80 { colourful += 1 }
        }
        XCTAssertGreaterThan(colours.count, 1000, "the screenshot looks blank")
        XCTAssertGreaterThan(colourful, 50_000, "few coloured pixels: are the heat maps and plots drawn?")
    }

    /// Training with evaluations puts their metrics on the page; writing again replaces the
    /// report's own files only; a foreign folder, a file and a bad count are refused by name.
    func testRewritesItsOwnFolderOnlyAndPlotsTrainingEvaluations() throws {
        let runDir = try E2E.folder("evaluated-run")
        try E2E.run(["train", "--generated", try E2E.generated(), "--data", try E2E.data(), "--teacher-weights", try E2E.teacherWeights(),
                     "--epochs", "2", "--train-limit", "16", "--eval-every", "1", "--out", runDir]).check()
        let folder = try E2E.folder("html"), out = folder + "/report", checkpoint = runDir + "/last.ckpt"
        let report = ["--report", folder + "/eval.json"]
        try eval(checkpoint, ["--html", out, "--html-images", "5"] + report).check()
        let userFile = out + "/images/notes.txt"
        try Data("mine".utf8).write(to: URL(fileURLWithPath: userFile))
        let again = try eval(checkpoint, ["--html", out, "--html-images", "2"] + report).check()
        XCTAssertTrue(again.stdout.contains("(2 of 16 test images shown)"), again.stdout)
        let images = try FileManager.default.contentsOfDirectory(atPath: out + "/images").sorted()
        XCTAssertEqual(images, ["0000-heat.png", "0000-image.png", "0000-mask.png", "0000-predicted.png",
                                "0001-heat.png", "0001-image.png", "0001-mask.png", "0001-predicted.png", "notes.txt"])
        let html = try String(contentsOfFile: out + "/index.html", encoding: .utf8)
        XCTAssertTrue(html.contains("Showing 2 of 16 test images"), "the page says how many it shows")
        let titles = try HeadlessChromium.load(out + "/index.html", scratch: folder).svgs.map(\.title)
        XCTAssertTrue(titles.contains("Evaluations during training"), "\(titles)")

        let foreign = try E2E.folder("photos")
        try Data("holiday".utf8).write(to: URL(fileURLWithPath: foreign + "/index.html"))
        let file = folder + "/eval.json"
        for (arguments, expected) in [(["--html", foreign], "holds other files"), (["--html", file], "is a file"),
                                      (["--html", out, "--html-images", "0"], "--html-images 0")] {
            let refused = try eval(checkpoint, arguments + report)
            XCTAssertNotEqual(refused.status, 0, "\(arguments)")
            XCTAssertTrue(refused.stderr.contains(expected) && refused.stderr.contains(arguments[0]), refused.stderr)
            XCTAssertFalse(refused.stdout.contains("wrote"), "it worked before refusing:\n\(refused.stdout)")
        }
        XCTAssertEqual(try String(contentsOfFile: foreign + "/index.html", encoding: .utf8), "holiday")
        XCTAssertEqual(try String(contentsOfFile: userFile, encoding: .utf8), "mine")

        // A threshold stored in the checkpoint is the page's threshold, and the page says so.
        let stored = try eval(checkpoint, ["--save-threshold"] + report).check()
        let threshold = try XCTUnwrap(stored.stdout.firstMatch(of: /stored threshold (\S+) in/).flatMap { Double($0.output.1) })
        try eval(checkpoint, ["--html", out] + report).check()
        let page = try String(contentsOfFile: out + "/index.html", encoding: .utf8)
        let shown = try XCTUnwrap(page.firstMatch(of: /Threshold <b>([^<]+)<\/b> \(stored in the checkpoint\)/), page)
        XCTAssertEqual(try XCTUnwrap(Double(shown.output.1)), threshold, accuracy: 1e-5 * abs(threshold))
    }
}
