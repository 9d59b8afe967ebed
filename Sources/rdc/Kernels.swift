import ArgumentParser
import DSL
import Foundation

struct Kernels: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List a compiled model's kernels (shapes, FLOPs, bytes, share), or print one's source.")

    @Argument(help: "A folder written by `rdc compile` (generated/NAME).")
    var generated: String

    @Option(help: "Print the C source of this kernel (a name from the list).")
    var show: String?

    @Flag(help: "Run training steps (forward_train + backward + adam, seeded stand-in weights) and print each kernel's time and GFLOP/s, slowest first.")
    var profile = false

    @Option(help: "Timed steps of --profile (after one untimed step).")
    var steps: Int = 3

    struct Manifest: Decodable {
        var model: String
        var kernels: [Kernel]
        struct Kernel: Decodable {
            var name: String
            var summary: String
            var flops: Int
            var bytes: Int
        }
    }

    func run() throws {
        let dir = URL(fileURLWithPath: generated)
        let manifestURL = dir.appendingPathComponent("manifest.json")
        guard let data = FileManager.default.contents(atPath: manifestURL.path) else {
            throw ValidationError("\(manifestURL.path) not found: is \(generated) a folder written by `rdc compile`?")
        }
        let manifest = try JSONDecoder().decode(Manifest.self, from: data)
        if profile {
            print(try KernelsProfile(generated: generated, steps: steps).render(), terminator: "")
            return
        }
        if let show {
            print(try kernelSource(show, in: dir.appendingPathComponent("\(manifest.model).c")))
            return
        }
        let total = max(manifest.kernels.map(\.flops).reduce(0, +), 1)
        var rows = [["kernel", "FLOPs", "bytes", "share", "what"]]
        for k in manifest.kernels {
            rows.append([k.name, String(format: "%.3fG", Double(k.flops) / 1e9), String(k.bytes),
                         String(format: "%.1f%%", 100 * Double(k.flops) / Double(total)), k.summary])
        }
        rows.append(["total (\(manifest.kernels.count) kernels)", String(format: "%.3fG", Double(total) / 1e9), "", "", ""])
        print(renderTable(rows, rightAligned: [1, 2, 3]), terminator: "")
    }

    /// The kernel's comment and function, cut from the emitted C: from the comment that
    /// opens the definition to the closing brace in column 0.
    private func kernelSource(_ name: String, in file: URL) throws -> String {
        let lines = try String(contentsOf: file, encoding: .utf8).components(separatedBy: "\n")
        guard let start = lines.firstIndex(where: { $0.hasPrefix("static void \(name)(") }) else {
            throw ValidationError("no kernel '\(name)' in \(file.path); `rdc kernels \(generated)` lists them")
        }
        var first = start
        if first > 0, lines[first - 1].hasSuffix("*/") {
            while first > 0, !lines[first].hasPrefix("/*") { first -= 1 }
        }
        guard let end = lines[start...].firstIndex(of: "}") else { return lines[first...].joined(separator: "\n") }
        return lines[first...end].joined(separator: "\n")
    }
}
