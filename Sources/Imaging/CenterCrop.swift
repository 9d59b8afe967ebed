extension Image {
    /// torchvision's CenterCrop for a crop no larger than the image: the offsets are
    /// round((size - crop) / 2) with Python's round-half-to-even, so odd margins put the
    /// extra pixel where torchvision does. A crop equal to the image size is a no-op.
    public func centerCropped(width cropWidth: Int, height cropHeight: Int) -> Image {
        precondition(cropWidth > 0 && cropWidth <= width && cropHeight > 0 && cropHeight <= height,
                     "center crop \(cropWidth)x\(cropHeight) does not fit in \(width)x\(height)")
        if cropWidth == width && cropHeight == height { return self }
        let left = Int((Double(width - cropWidth) / 2).rounded(.toNearestOrEven))
        let top = Int((Double(height - cropHeight) / 2).rounded(.toNearestOrEven))
        var cropped = [UInt16]()
        cropped.reserveCapacity(cropWidth * cropHeight * channels)
        for y in top..<(top + cropHeight) {
            let start = (y * width + left) * channels
            cropped.append(contentsOf: samples[start..<(start + cropWidth * channels)])
        }
        return Image(width: cropWidth, height: cropHeight, channels: channels, bitDepth: bitDepth, samples: cropped)
    }
}
