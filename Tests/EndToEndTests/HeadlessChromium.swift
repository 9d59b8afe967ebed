import Foundation
import XCTest

/// Debian's chromium run headless, as the HTML report's tests look at a page: a screenshot,
/// and what the browser itself loaded (read by a test-only harness page with a script; the
/// report has none).
enum HeadlessChromium {
    /// `chromium` on the PATH (make test installs it: scripts/install-test-deps.sh).
    static func binary() throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            for name in ["chromium", "chromium-browser"] {
                let candidate = "\(folder)/\(name)"
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
        }
        throw XCTSkip("chromium is not installed (bash scripts/install-test-deps.sh installs it): the HTML report is not rendered")
    }

    /// Renders `page` at `width` x `height` to a PNG at `png`.
    static func screenshot(_ page: String, to png: String, width: Int, height: Int) throws {
        try run(["--screenshot=\(png)", "--window-size=\(width),\(height)", "--hide-scrollbars", URL(fileURLWithPath: page).absoluteString])
    }

    /// What the browser loaded of `page`, as the report's reader sees it.
    struct Loaded: Decodable {
        struct LoadedImage: Decodable { var src: String; var loaded: Bool }
        struct Drawing: Decodable { var title: String; var width: Double; var height: Double; var marks: Int }
        var images: [LoadedImage]
        var svgs: [Drawing]
        /// The metrics table's rows (head first), each cell's text.
        var table: [[String]]
        var scripts: Int
    }

    /// Opens `page` in an iframe of a harness page written into `scratch`; the harness's
    /// script (run after the page and its images have loaded) writes into its own DOM whether
    /// each image decoded, each SVG's size and the metrics table, and --dump-dom prints that.
    static func load(_ page: String, scratch: String) throws -> Loaded {
        let harness = scratch + "/harness.html"
        try Data("""
        <!DOCTYPE html><html><body>
        <iframe id="report" src="\(URL(fileURLWithPath: page).absoluteString)" style="width:1400px;height:2000px"></iframe>
        <pre id="result">not run</pre>
        <script>
        window.addEventListener('load', () => {
          const out = document.getElementById('result');
          const doc = document.getElementById('report').contentDocument;
          if (!doc) { out.textContent = 'no access to the report'; return; }
          const images = [...doc.images].map(i => ({src: i.getAttribute('src'), loaded: i.complete && i.naturalWidth > 0}));
          const svgs = [...doc.querySelectorAll('svg')].map(s => {
            const box = s.getBoundingClientRect(), title = s.querySelector('title');
            return {title: title ? title.textContent : '', width: box.width, height: box.height,
                    marks: s.querySelectorAll('polyline, rect, circle, line').length};
          });
          const table = [...doc.querySelectorAll('#metrics tr')].map(tr => [...tr.cells].map(c => c.textContent.trim()));
          out.textContent = 'RESULT' + JSON.stringify({images, svgs, table, scripts: doc.querySelectorAll('script').length}) + 'END';
        });
        </script></body></html>
        """.utf8).write(to: URL(fileURLWithPath: harness))
        let dom = try run(["--allow-file-access-from-files", "--virtual-time-budget=20000", "--dump-dom",
                           URL(fileURLWithPath: harness).absoluteString])
        guard let start = dom.range(of: "RESULT"), let end = dom.range(of: "END", range: start.upperBound..<dom.endIndex) else {
            throw E2E.Failure("the harness reported nothing; chromium's DOM:\n\(dom.prefix(2000))")
        }
        let json = dom[start.upperBound..<end.lowerBound].replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
        return try JSONDecoder().decode(Loaded.self, from: Data(json.utf8))
    }

    /// Runs chromium headless (no sandbox: tests may run as root) and returns its stdout.
    @discardableResult
    private static func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try binary())
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=\(E2E.work.path)/chromium-profile"] + arguments
        let out = E2E.work.appendingPathComponent("chromium-\(UUID().uuidString).out")
        let err = E2E.work.appendingPathComponent("chromium-\(UUID().uuidString).err")
        try Data().write(to: out)
        try Data().write(to: err)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        process.waitUntilExit()
        let stdout = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0 else {
            throw E2E.Failure("chromium \(arguments.joined(separator: " ")) exited \(process.terminationStatus):\n"
                              + ((try? String(contentsOf: err, encoding: .utf8)) ?? ""))
        }
        return stdout
    }
}
