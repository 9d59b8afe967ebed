import Foundation

/// The C templates of the rdc package (templates/): the ABI header every library is built
/// against and the runtime pasted into every generated file.
enum Templates {
    /// `RDC_TEMPLATES`, else templates/ at the package root, two levels above this file.
    static var directory: URL {
        if let env = ProcessInfo.processInfo.environment["RDC_TEMPLATES"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("templates")
    }

    static func text(_ name: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw CodegenError("template \(url.path) not found (set RDC_TEMPLATES to the rdc package's templates/ folder)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
