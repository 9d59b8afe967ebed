import Datasets
import Foundation
import Imaging

/// Heat maps drawn over the image the model saw (resized and cropped as preprocessed).
public struct HeatMaps: Sendable {
    public var preprocessing: RD4ADPreprocessing
    /// Map values drawn at the two ends of the colour map. One range for a whole set of
    /// images, so equal colours mean equal anomaly everywhere.
    public var low: Float
    public var high: Float

    public init(preprocessing: RD4ADPreprocessing, low: Float, high: Float) {
        self.preprocessing = preprocessing
        self.low = low
        self.high = high
    }

    /// The range of the maps themselves.
    public init(preprocessing: RD4ADPreprocessing, spanning maps: [Float]) {
        self.init(preprocessing: preprocessing, low: maps.min() ?? 0, high: maps.max() ?? 1)
    }

    /// Writes `map` over `item`'s image as an 8-bit RGB PNG at `path`.
    public func write(_ map: [Float], over item: DatasetItem, to path: String) throws {
        let image: Image
        switch item.source {
        case .file(let file): image = try Image(pngFile: file)
        case .memory(let pixels): image = pixels
        }
        let seen = image.toRGB()
            .resizedBilinearLikePIL(width: preprocessing.resizeWidth, height: preprocessing.resizeHeight)
            .centerCropped(width: preprocessing.cropWidth, height: preprocessing.cropHeight)
        try seen.heatMapOverlay(map: map, low: low, high: high).writePNG(to: path)
    }
}
