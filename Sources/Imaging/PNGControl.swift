import CLibPNG

/// Shared by reading and writing: a fresh png_image control structure and its error text.
extension png_image {
    /// A zeroed control structure with the version libpng's simplified API requires.
    static func fresh() -> png_image {
        var control = png_image()
        control.version = UInt32(PNG_IMAGE_VERSION)
        return control
    }

    /// libpng's simplified API reports failures here (NUL-terminated) instead of longjmp-ing out.
    var messageText: String {
        withUnsafeBytes(of: message) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
