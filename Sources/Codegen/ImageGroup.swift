/// How many images one GEMM of a convolution takes side by side: enough that its product
/// has about `target` columns (a deep layer's 8x8 pixels alone would reread the weights for
/// every image and leave the threads few tiles), never more than the batch, and a divisor of
/// it so every group is full.
struct ImageGroup {
    /// Columns (pixels) of an implicit-GEMM convolution's product.
    static let gemmColumns = 1024
    /// Columns (4x4 tiles) of a Winograd weight gradient's 36 products: fewer, so that its
    /// transformed tiles stay in cache between the transforms and the products.
    static let winogradColumns = 256

    let images: Int
    let pixels: Int

    init(images batch: Int, pixels: Int, target: Int = gemmColumns) {
        self.pixels = pixels
        images = (1...max(batch, 1)).last { batch % $0 == 0 && $0 * pixels <= target } ?? 1
    }

    /// Columns of the product: the group's pixels.
    var columns: Int { images * pixels }
}
