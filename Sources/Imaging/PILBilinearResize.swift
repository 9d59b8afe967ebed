extension Image {
    /// Resizes an 8-bit image exactly as PIL's `Image.resize((width, height), BILINEAR)` does
    /// for modes L and RGB (what torchvision's Resize runs on PIL images), following Pillow's
    /// libImaging/Resample.c: a triangle filter whose support widens by the downscale factor
    /// (so shrinking antialiases), weights normalized and rounded to 22-bit fixed point,
    /// a horizontal pass rounded to uint8, then a vertical pass. A pass whose size does not
    /// change is skipped, as in PIL. 16-bit images are resized after `to8Bit()`.
    public func resizedBilinearLikePIL(width newWidth: Int, height newHeight: Int) -> Image {
        precondition(newWidth > 0 && newHeight > 0, "resize to empty size \(newWidth)x\(newHeight)")
        var image = to8Bit()
        if newWidth != image.width {
            let kernel = PILResampleKernel(inputSize: image.width, outputSize: newWidth)
            image = image.resampledHorizontally(with: kernel)
        }
        if newHeight != image.height {
            let kernel = PILResampleKernel(inputSize: image.height, outputSize: newHeight)
            image = image.resampledVertically(with: kernel)
        }
        return image
    }

    private func resampledHorizontally(with kernel: PILResampleKernel) -> Image {
        var out = [UInt16](repeating: 0, count: kernel.outputSize * height * channels)
        for y in 0..<height {
            let rowIn = y * width * channels, rowOut = y * kernel.outputSize * channels
            for x in 0..<kernel.outputSize {
                let (first, count) = kernel.window(x)
                for c in 0..<channels {
                    var sum = PILResampleKernel.roundingBias
                    for i in 0..<count {
                        sum += Int(samples[rowIn + (first + i) * channels + c]) * kernel.weight(x, i)
                    }
                    out[rowOut + x * channels + c] = PILResampleKernel.clipToUInt8(sum)
                }
            }
        }
        return Image(width: kernel.outputSize, height: height, channels: channels, bitDepth: 8, samples: out)
    }

    private func resampledVertically(with kernel: PILResampleKernel) -> Image {
        let rowLength = width * channels
        var out = [UInt16](repeating: 0, count: kernel.outputSize * rowLength)
        for y in 0..<kernel.outputSize {
            let (first, count) = kernel.window(y)
            for j in 0..<rowLength {
                var sum = PILResampleKernel.roundingBias
                for i in 0..<count {
                    sum += Int(samples[(first + i) * rowLength + j]) * kernel.weight(y, i)
                }
                out[y * rowLength + j] = PILResampleKernel.clipToUInt8(sum)
            }
        }
        return Image(width: width, height: kernel.outputSize, channels: channels, bitDepth: 8, samples: out)
    }
}
