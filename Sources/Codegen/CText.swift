import Foundation

/// Small helpers for writing C text.
enum CText {
    /// A C identifier from a dotted layer path: every other character becomes `_`.
    static func identifier(_ s: String) -> String {
        String(s.unicodeScalars.map { c -> Character in
            (c.isASCII && (CharacterSet.alphanumerics.contains(c) || c == "_")) ? Character(c) : "_"
        })
    }

    /// A C string literal (names are ASCII; quotes and backslashes escaped).
    static func string(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// Sizes as compile-time constants, so the C compiler sees every trip count. C enum
    /// constants are ints; ShapeCheck refuses tensors too large for them.
    static func constants(_ pairs: [(String, Int)]) -> String {
        "    enum { " + pairs.map { "\($0.0) = \($0.1)" }.joined(separator: ", ") + " };\n"
    }

    /// A float attribute (BatchNorm eps, momentum) as the shortest decimal that reads back
    /// as the same Float: PyTorch gets these as Python floats of the same spelling.
    /// `s` inside a C comment: a name from a model file cannot end the comment early.
    static func comment(_ s: String) -> String { s.replacingOccurrences(of: "*/", with: "* /") }

    /// A C number of `x`: an integral value as an integer ("6"), else a float literal.
    static func number(_ x: Float) -> String {
        x == x.rounded() && abs(x) < 1e9 ? String(Int(x)) : literal(x) + "f"
    }

    static func literal(_ x: Float) -> String {
        let s = "\(x)"
        return s.contains(".") || s.contains("e") ? s : s + ".0"
    }

    /// "1.234 GFLOP"-style amounts for comments and reports.
    static func amount(_ n: Int, _ unit: String) -> String {
        let x = Double(n)
        switch x {
        case 1e9...: return String(format: "%.3f G%@", x / 1e9, unit)
        case 1e6...: return String(format: "%.3f M%@", x / 1e6, unit)
        case 1e3...: return String(format: "%.3f K%@", x / 1e3, unit)
        default: return "\(n) \(unit)"
        }
    }

    /// `text` with every non-empty line moved right by `indent`.
    static func indented(_ text: String, by indent: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "" : indent + $0 }.joined(separator: "\n")
    }

    static func shape(_ dims: [Int]) -> String { "[" + dims.map(String.init).joined(separator: ",") + "]" }
}
