/// The connected components of a mask with 8-connectivity (pixels touching at a corner
/// belong to the same region), as skimage.measure.label labels a 2-D mask by default.
struct ConnectedRegions {
    /// Per pixel, row-major: the region index (0..<count), or -1 outside the mask.
    let regionOfPixel: [Int]
    let count: Int

    init(mask: [Bool], width: Int, height: Int) {
        var regionOfPixel = [Int](repeating: -1, count: mask.count)
        var count = 0
        var pending = [Int]()  // an explicit stack: regions can be far larger than the call stack
        for seed in mask.indices where mask[seed] && regionOfPixel[seed] < 0 {
            regionOfPixel[seed] = count
            pending.append(seed)
            while let pixel = pending.popLast() {
                let x = pixel % width, y = pixel / width
                for ny in max(y - 1, 0)...min(y + 1, height - 1) {
                    for nx in max(x - 1, 0)...min(x + 1, width - 1) {
                        let neighbour = ny * width + nx
                        if mask[neighbour] && regionOfPixel[neighbour] < 0 {
                            regionOfPixel[neighbour] = count
                            pending.append(neighbour)
                        }
                    }
                }
            }
            count += 1
        }
        self.regionOfPixel = regionOfPixel
        self.count = count
    }
}
