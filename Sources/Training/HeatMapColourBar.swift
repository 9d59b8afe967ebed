import Foundation
import Imaging

/// The heat maps' colour scale as an inline SVG bar, low value at the left end, high at
/// the right, so that a colour on the page can be read back as a map value.
enum HeatMapColourBar {
    /// Where jet's linear pieces meet: a gradient through its colours at these points is jet exactly.
    private static let jetBreakpoints: [Float] = [0, 1.0 / 8, 3.0 / 8, 5.0 / 8, 7.0 / 8, 1]

    static func svg(low: Float, high: Float) -> String {
        let stops = jetBreakpoints.map { t in
            let rgb = Image.jet(t).map { Int(($0 * 255).rounded()) }
            return "<stop offset=\"\(t)\" stop-color=\"rgb(\(rgb[0]),\(rgb[1]),\(rgb[2]))\"/>"
        }
        return """
        <svg xmlns="http://www.w3.org/2000/svg" width="440" height="44" viewBox="0 0 440 44" role="img">
        <title>heat map colour scale</title>
        <defs><linearGradient id="jet">\(stops.joined())</linearGradient></defs>
        <rect x="20" y="4" width="400" height="18" fill="url(#jet)" stroke="#444"/>
        <text x="20" y="38" text-anchor="start">\(String(format: "%.4g", low))</text>
        <text x="420" y="38" text-anchor="end">\(String(format: "%.4g", high))</text>
        </svg>
        """
    }
}
