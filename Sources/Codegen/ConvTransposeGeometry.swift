import DSL

/// Sizes of one transposed convolution (no padding: every input pixel scatters a full
/// KH x KW patch into the output at stride S).
struct ConvTransposeGeometry {
    var n, ci, h, w, co, oh, ow, kh, kw, sh, sw: Int

    init(_ a: ConvTransposeAttrs, input x: Shape, output y: Shape) {
        (n, ci, h, w) = (x.n, x.c, x.h, x.w)
        (co, oh, ow) = (y.c, y.h, y.w)
        (kh, kw, sh, sw) = (a.kernel[0], a.kernel[1], a.stride[0], a.stride[1])
    }

    var constants: String {
        CText.constants([("N", n), ("CI", ci), ("H", h), ("W", w), ("CO", co), ("OH", oh), ("OW", ow),
                         ("KH", kh), ("KW", kw), ("SH", sh), ("SW", sw)])
    }

    var flops: Int { 2 * n * ci * h * w * co * kh * kw }
    var description: String { "\(kh)x\(kw) s\(sh)" }
}
