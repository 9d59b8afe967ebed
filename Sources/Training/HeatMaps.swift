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
        try overlay(map, on: try seenImage(item)).writePNG(to: path)
    }

    /// `map` drawn over `image` (one the model saw) on this range.
    public func overlay(_ map: [Float], on image: Image) -> Image {
        image.heatMapOverlay(map: map, low: low, high: high)
    }

    /// `item`'s image as the model saw it: RGB, resized and cropped as preprocessed.
    public func seenImage(_ item: DatasetItem) throws -> Image {
        let image: Image
        switch item.source {
        case .file(let file): image = try Image(pngFile: file)
        case .memory(let pixels): image = pixels
        }
        return image.toRGB()
            .resizedBilinearLikePIL(width: preprocessing.resizeWidth, height: preprocessing.resizeHeight)
            .centerCropped(width: preprocessing.cropWidth, height: preprocessing.cropHeight)
    }
}
