/// How many images one GEMM of a convolution takes side by side: enough that its product
/// has about `targetColumns` columns (a deep layer's 8x8 pixels alone would reread the
/// weights for every image and leave the threads few tiles), never more than the batch,
/// and a divisor of it so every group is full.
struct ImageGroup {
    static let targetColumns = 1024

    let images: Int
    let pixels: Int

    init(images batch: Int, pixels: Int) {
        self.pixels = pixels
        images = (1...max(batch, 1)).last { batch % $0 == 0 && $0 * pixels <= Self.targetColumns } ?? 1
    }

    /// Columns of the product: the group's pixels.
    var columns: Int { images * pixels }
}
