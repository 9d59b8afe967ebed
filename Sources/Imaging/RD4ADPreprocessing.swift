import DSL

/// RD4AD's test-time transforms, as in the official code (torchvision on PIL images):
/// images `convert("RGB")`, Resize((h, w)) bilinear, ToTensor (/255), CenterCrop,
/// Normalize(ImageNet mean, std); masks Resize, CenterCrop, ToTensor, then binarised at 0.5.
///
/// Differences from PIL: 16-bit files are scaled to 8 bits (PIL clips "I;16" values when
/// converting to RGB); 1-bit and palette masks are resized bilinearly after expansion to
/// 8-bit gray (PIL resizes modes "1" and "P" with nearest neighbour).
public struct RD4ADPreprocessing: Equatable, Sendable {
    public static let imageNetMean: [Float] = [0.485, 0.456, 0.406]
    public static let imageNetStd: [Float] = [0.229, 0.224, 0.225]

    public var resizeWidth: Int
    public var resizeHeight: Int
    public var cropWidth: Int
    public var cropHeight: Int

    public init(resizeWidth: Int, resizeHeight: Int, cropWidth: Int, cropHeight: Int) {
        self.resizeWidth = resizeWidth
        self.resizeHeight = resizeHeight
        self.cropWidth = cropWidth
        self.cropHeight = cropHeight
    }

    /// Resize to `width` x `height` and no crop (the crop equals the resized size).
    public init(width: Int, height: Int) {
        self.init(resizeWidth: width, resizeHeight: height, cropWidth: width, cropHeight: height)
    }

    /// The model input: [1, 3, cropHeight, cropWidth], normalized RGB planes (NCHW).
    public func imageTensor(_ image: Image) -> HostTensor {
        let prepared = image.toRGB()
            .resizedBilinearLikePIL(width: resizeWidth, height: resizeHeight)
            .centerCropped(width: cropWidth, height: cropHeight)
        let plane = cropWidth * cropHeight
        var values = [Float](repeating: 0, count: 3 * plane)
        for c in 0..<3 {
            // Float32 arithmetic in torch's order: x / 255, then (x - mean) / std.
            let mean = Self.imageNetMean[c], std = Self.imageNetStd[c]
            for p in 0..<plane {
                values[c * plane + p] = (Float(prepared.samples[p * 3 + c]) / 255 - mean) / std
            }
        }
        return HostTensor(shape: [1, 3, cropHeight, cropWidth], values: values)
    }

    /// The ground truth: [1, 1, cropHeight, cropWidth], 1 where the resized mask is > 0.5.
    /// RGB masks count a pixel as anomalous when its brightest channel is (RD4AD's masks are gray).
    public func maskTensor(_ mask: Image) -> HostTensor {
        let prepared = mask.brightestChannel()
            .resizedBilinearLikePIL(width: resizeWidth, height: resizeHeight)
            .centerCropped(width: cropWidth, height: cropHeight)
        let values = prepared.samples.map { Float($0) / 255 > 0.5 ? Float(1) : 0 }
        return HostTensor(shape: [1, 1, cropHeight, cropWidth], values: values)
    }
}

extension Image {
    /// Gray images unchanged; RGB reduced to the maximum of R, G and B per pixel.
    fileprivate func brightestChannel() -> Image {
        guard channels == 3 else { return self }
        let gray = stride(from: 0, to: samples.count, by: 3).map { max(samples[$0], samples[$0 + 1], samples[$0 + 2]) }
        return Image(width: width, height: height, channels: 1, bitDepth: bitDepth, samples: gray)
    }
}
