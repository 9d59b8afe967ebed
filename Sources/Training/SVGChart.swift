import Foundation

/// A chart drawn as inline SVG from data coordinates: a frame with ticked, labelled axes,
/// then lines, bars and vertical markers in the order added, and a legend. No script: the
/// page stays static.
struct SVGChart {
    var title: String
    var xLabel: String
    var yLabel: String
    var x: ClosedRange<Double>
    var y: ClosedRange<Double>
    /// The legend's corner: top right unless the data are drawn there (a ROC curve's top).
    var legendAtBottom = false
    /// Whether x counts something (epochs): then its ticks are whole numbers.
    var xIsWhole = false
    private var marks = [String]()
    private var legend = [(colour: String, label: String)]()

    static let width = 440.0, height = 300.0
    private static let left = 56.0, right = 12.0, top = 28.0, bottom = 44.0

    /// Ranges of zero width (every score equal) are widened so that points still have a place.
    init(title: String, xLabel: String, yLabel: String, x: ClosedRange<Double>, y: ClosedRange<Double>) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.x = Self.widened(x)
        self.y = Self.widened(y)
    }

    mutating func line(_ points: [(x: Double, y: Double)], colour: String, label: String?, dashed: Bool = false,
                       dots: Bool = false) {
        let coordinates = points.map { "\(format(px($0.x))),\(format(py($0.y)))" }
        marks.append("<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\"\(dashed ? " stroke-dasharray=\"5,4\"" : "") "
                     + "points=\"\(coordinates.joined(separator: " "))\"/>")
        if dots {
            marks += points.map { "<circle cx=\"\(format(px($0.x)))\" cy=\"\(format(py($0.y)))\" r=\"3\" fill=\"\(colour)\"/>" }
        }
        if let label { legend.append((colour, label)) }
    }

    /// Bars from `low` to `high` on x, `count` high; semi-transparent so that overlapping
    /// series both show.
    mutating func bars(_ bins: [(low: Double, high: Double, count: Double)], colour: String, label: String) {
        for bin in bins where bin.count > 0 {
            let x0 = px(bin.low), x1 = px(bin.high), y1 = py(bin.count)
            marks.append("<rect x=\"\(format(x0))\" y=\"\(format(y1))\" width=\"\(format(max(x1 - x0, 0.5)))\" "
                         + "height=\"\(format(py(y.lowerBound) - y1))\" fill=\"\(colour)\" fill-opacity=\"0.55\"/>")
        }
        legend.append((colour, label))
    }

    mutating func verticalLine(at value: Double, colour: String, label: String) {
        let xp = format(px(value))
        marks.append("<line x1=\"\(xp)\" y1=\"\(format(Self.top))\" x2=\"\(xp)\" y2=\"\(format(Self.height - Self.bottom))\" "
                     + "stroke=\"\(colour)\" stroke-width=\"2\" stroke-dasharray=\"6,3\"/>")
        legend.append((colour, label))
    }

    var svg: String {
        let plotBottom = Self.height - Self.bottom, plotRight = Self.width - Self.right
        var parts = ["<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(format(Self.width))\" height=\"\(format(Self.height))\" "
                     + "viewBox=\"0 0 \(format(Self.width)) \(format(Self.height))\" role=\"img\">",
                     "<title>\(HTMLText.escaped(title))</title>",
                     "<text x=\"\(format(Self.width / 2))\" y=\"16\" text-anchor=\"middle\" font-weight=\"bold\">\(HTMLText.escaped(title))</text>",
                     "<rect x=\"\(format(Self.left))\" y=\"\(format(Self.top))\" width=\"\(format(plotRight - Self.left))\" "
                     + "height=\"\(format(plotBottom - Self.top))\" fill=\"white\" stroke=\"#444\"/>"]
        for tick in Self.ticks(x, whole: xIsWhole) {
            let xp = format(px(tick))
            parts.append("<line x1=\"\(xp)\" y1=\"\(format(plotBottom))\" x2=\"\(xp)\" y2=\"\(format(plotBottom + 4))\" stroke=\"#444\"/>"
                         + "<text x=\"\(xp)\" y=\"\(format(plotBottom + 16))\" text-anchor=\"middle\">\(Self.label(tick))</text>")
        }
        for tick in Self.ticks(y) {
            let yp = format(py(tick))
            parts.append("<line x1=\"\(format(Self.left - 4))\" y1=\"\(yp)\" x2=\"\(format(Self.left))\" y2=\"\(yp)\" stroke=\"#444\"/>"
                         + "<text x=\"\(format(Self.left - 6))\" y=\"\(yp)\" dy=\"4\" text-anchor=\"end\">\(Self.label(tick))</text>")
        }
        parts.append("<text x=\"\(format((Self.left + plotRight) / 2))\" y=\"\(format(Self.height - 8))\" text-anchor=\"middle\">"
                     + "\(HTMLText.escaped(xLabel))</text>")
        parts.append("<text transform=\"translate(14 \(format((Self.top + plotBottom) / 2))) rotate(-90)\" text-anchor=\"middle\">"
                     + "\(HTMLText.escaped(yLabel))</text>")
        parts += marks
        if !legend.isEmpty {  // on a white box: bars and lines may run under it
            let firstY = legendAtBottom ? plotBottom - 8 - Double(legend.count - 1) * 16 : Self.top + 14
            parts.append("<rect x=\"\(format(plotRight - 156))\" y=\"\(format(firstY - 13))\" width=\"150\" "
                         + "height=\"\(format(Double(legend.count) * 16 + 2))\" fill=\"white\" fill-opacity=\"0.85\"/>")
        }
        for (i, entry) in legend.enumerated() {
            let yp = legendAtBottom ? plotBottom - 8 - Double(legend.count - 1 - i) * 16 : Self.top + 14 + Double(i) * 16
            parts.append("<rect x=\"\(format(plotRight - 150))\" y=\"\(format(yp - 9))\" width=\"10\" height=\"10\" fill=\"\(entry.colour)\"/>"
                         + "<text x=\"\(format(plotRight - 136))\" y=\"\(format(yp))\">\(HTMLText.escaped(entry.label))</text>")
        }
        parts.append("</svg>")
        return parts.joined(separator: "\n")
    }

    private func px(_ value: Double) -> Double {
        Self.left + (value - x.lowerBound) / (x.upperBound - x.lowerBound) * (Self.width - Self.right - Self.left)
    }

    private func py(_ value: Double) -> Double {
        Self.height - Self.bottom - (value - y.lowerBound) / (y.upperBound - y.lowerBound) * (Self.height - Self.bottom - Self.top)
    }

    private func format(_ value: Double) -> String { String(format: "%.1f", value) }

    private static func widened(_ range: ClosedRange<Double>) -> ClosedRange<Double> {
        guard range.upperBound <= range.lowerBound else { return range }
        let half = max(abs(range.lowerBound) * 0.05, 0.5)
        return (range.lowerBound - half)...(range.upperBound + half)
    }

    /// About five round values (steps of 1, 2 or 5 times a power of ten; at least 1 when
    /// `whole`) inside `range`.
    private static func ticks(_ range: ClosedRange<Double>, whole: Bool = false) -> [Double] {
        let rough = max((range.upperBound - range.lowerBound) / 5, whole ? 1 : 0)
        let power = pow(10, floor(log10(rough)))
        let step = [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= rough } ?? 10 * power
        let first = ceil(range.lowerBound / step)
        return (0...10).map { (first + Double($0)) * step }.filter { $0 <= range.upperBound + step * 1e-9 }
    }

    private static func label(_ value: Double) -> String {
        let text = String(format: "%.4g", value)
        return text == "-0" ? "0" : text
    }
}
