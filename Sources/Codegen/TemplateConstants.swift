/// Sizes that templates/ defines and the compiler plans scratch or checks shapes by. Every
/// generated file asserts each against its template (`staticAsserts`), so a template edited
/// alone no longer compiles instead of overrunning a buffer.
enum TemplateConstants {
    /// RDC_KC (rdc_gemm.c): rows of B per packed panel, the depth a GEMM sums in blocks.
    static let gemmDepth = 256
    /// RDC_NR at its widest (AVX-512, rdc_gemm.c): columns of a packed panel.
    static let widestPanel = 32
    /// RDC_GEMM_PACK (rdc_gemm.c): elements of rdc_gemm's packing scratch.
    static let gemmPack = 256 * 2048
    /// RDC_GEMM_OWN (rdc_gemm.c) at the widest RDC_NR: elements of rdc_gemm_own's packing scratch.
    static let gemmOwnPack = 4 * gemmDepth * widestPanel
    /// RDC_WINO_PAD (rdc_winograd.c): padding elements after each transformed block.
    static let winogradPad = 16
    /// RDC_MAX_KW (rdc_gemm.c): the most taps a convolution's window row may have.
    static let maxKernelWidth = 16

    /// C that fails to compile where a template disagrees with these values.
    static var staticAsserts: String {
        [("RDC_KC == \(gemmDepth)", "RDC_KC"),
         ("RDC_NR <= \(widestPanel)", "RDC_NR"),
         ("RDC_GEMM_PACK == \(gemmPack)", "RDC_GEMM_PACK"),
         ("RDC_GEMM_OWN <= \(gemmOwnPack)", "RDC_GEMM_OWN"),
         ("RDC_WINO_PAD == \(winogradPad)", "RDC_WINO_PAD"),
         ("RDC_MAX_KW == \(maxKernelWidth)", "RDC_MAX_KW")]
            .map { "_Static_assert(\($0.0), \"\($0.1) of templates/ differs from Sources/Codegen/TemplateConstants.swift\");\n" }
            .joined()
    }
}
