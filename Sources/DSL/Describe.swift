import Foundation

extension Graph {
    /// The model table of `rdc describe`: one row per node (layer path, op, output shape,
    /// parameters, FLOPs), then totals per role. Parameters declared but unused are counted
    /// in their role's total too, marked separately.
    public func describeTable() -> String {
        var rows: [[String]] = [["layer", "op", "output", "params", "FLOPs"]]
        for node in nodes {
            let c = cost(of: node)
            rows.append([node.name, node.op.kind, node.shape.description,
                         c.parameters == 0 ? "" : String(c.parameters), c.flops == 0 ? "" : formatCount(c.flops)])
        }
        var text = renderTable(rows, rightAligned: [3, 4])
        text += "\n"
        var totals: [[String]] = [["role", "nodes", "params", "unused params", "GFLOPs"]]
        for role in Role.allCases where role != .input {
            let roleNodes = nodes.filter { $0.role == role }
            let learnable = parameters.filter { $0.role == role && ($0.kind == .weight || $0.kind == .bias) }
            let used = learnable.filter(\.used).map(\.shape.count).reduce(0, +)
            let unused = learnable.filter { !$0.used }.map(\.shape.count).reduce(0, +)
            let flops = roleNodes.map { cost(of: $0).flops }.reduce(0, +)
            totals.append([role.rawValue, String(roleNodes.count), String(used), String(unused),
                           String(format3(Double(flops) / 1e9))])
        }
        text += renderTable(totals, rightAligned: [1, 2, 3, 4])
        return text
    }
}

func formatCount(_ n: Int) -> String {
    switch n {
    case 1_000_000_000...: return format3(Double(n) / 1e9) + "G"
    case 1_000_000...: return format3(Double(n) / 1e6) + "M"
    case 1_000...: return format3(Double(n) / 1e3) + "K"
    default: return String(n)
    }
}

func format3(_ x: Double) -> String { String(format: "%.3f", x) }

/// Text columns with a rule under the header row; columns in `rightAligned` are flush right.
public func renderTable(_ rows: [[String]], rightAligned: Set<Int>) -> String {
    let widths = rows[0].indices.map { col in rows.map { $0[col].count }.max() ?? 0 }
    return rows.enumerated().map { i, row in
        let line = row.enumerated().map { col, cell in
            let pad = String(repeating: " ", count: widths[col] - cell.count)
            return rightAligned.contains(col) ? pad + cell : cell + pad
        }.joined(separator: "  ").trimmingTrailingSpaces()
        return i == 0 ? line + "\n" + String(repeating: "-", count: line.count) : line
    }.joined(separator: "\n") + "\n"
}

extension String {
    func trimmingTrailingSpaces() -> String {
        String(self[..<(lastIndex { $0 != " " }.map { index(after: $0) } ?? startIndex)])
    }
}
