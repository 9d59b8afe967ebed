/// Dense (ungrouped) convolutions and transposed convolutions lowered, image by image, to
/// the matrix kernels of templates/rdc_gemm.c: im2col/im2row, a register-tiled GEMM, and
/// col2im. `col` is a scratch matrix in the arena, live only during its kernel.
enum DenseConvKernels {
    static func constants(_ g: ConvGeometry) -> String {
        CText.constants([("N", g.n), ("CI", g.ci), ("H", g.h), ("W", g.w), ("CO", g.co), ("OH", g.oh), ("OW", g.ow),
                         ("KH", g.kh), ("KW", g.kw), ("SH", g.sh), ("SW", g.sw), ("PT", g.pt), ("PL", g.pl),
                         ("K", g.ci * g.kh * g.kw), ("P", g.oh * g.ow), ("HW", g.h * g.w)])
    }

    /// A 1x1 stride-1 unpadded convolution is a plain product: no window matrix needed.
    static func isPointwise(_ g: ConvGeometry) -> Bool {
        g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.pt == 0 && g.pl == 0 && g.oh == g.h && g.ow == g.w
    }

    /// Elements of the window matrix a pass needs (nil: none).
    static func columns(_ g: ConvGeometry, weightPass: Bool) -> Int? {
        isPointwise(g) && !weightPass ? nil : g.ci * g.kh * g.kw * g.oh * g.ow
    }

    static let convWindow = "CI, H, W, KH, KW, SH, SW, PT, PL, OH, OW"

    /// The epilogue over every output plane of `planeSize` values.
    static func epilogue(_ e: Epilogue, planeSize: String) -> String {
        guard !e.isEmpty else { return "" }
        return """
            #pragma omp parallel for collapse(2) schedule(static)
            for (int n = 0; n < N; n++)
                for (int co = 0; co < CO; co++) {
                    real *yp = y + ((long)n * CO + co) * \(planeSize);
        \(e.code(plane: "yp", count: planeSize, channel: "co", indent: "            "))        }

        """
    }

    /// y = epilogue(w . im2col(x)); args x, w, epilogue args, [col,] y.
    static func convForward(_ g: ConvGeometry, _ e: Epilogue) -> String {
        let pointwise = isPointwise(g)
        return constants(g) + """
            for (int n = 0; n < N; n++) {
        \(pointwise ? "" : "        rdc_im2col(x + (long)n * CI * HW, \(convWindow), col, P, 1);\n")        rdc_gemm(CO, P, K, w, K, 1, \(pointwise ? "x + (long)n * CI * HW" : "col"), P, y + (long)n * CO * P, P, 0);
            }

        """ + epilogue(e, planeSize: "P")
    }

    /// dx (=|+=) col2im(w^T . dy); args dy, w, [col,] dx.
    static func convBackwardData(_ g: ConvGeometry, accumulate: Bool) -> String {
        let acc = accumulate ? "1" : "0"
        if isPointwise(g) {
            return constants(g) + """
                for (int n = 0; n < N; n++)
                    rdc_gemm(CI, HW, CO, w, 1, CI, dy + (long)n * CO * P, P, dx + (long)n * CI * HW, HW, \(acc));

            """
        }
        return constants(g) + """
            for (int n = 0; n < N; n++) {
                rdc_gemm(K, P, CO, w, 1, K, dy + (long)n * CO * P, P, col, P, 0);
                rdc_col2im(col, \(convWindow), dx + (long)n * CI * HW, \(acc));
            }

        """
    }

    /// dw = sum over images of dy . im2row(x), db = sum of dy; args dy, x, col, dw[, db].
    static func convBackwardWeight(_ g: ConvGeometry, bias: Bool) -> String {
        constants(g) + """
            for (int n = 0; n < N; n++) {
                rdc_im2col(x + (long)n * CI * HW, \(convWindow), col, 1, K);
                rdc_gemm(CO, K, P, dy + (long)n * CO * P, P, 1, col, K, dw, K, n > 0);
            }

        """ + (bias ? biasGradient(plane: "P") : "")
    }

    static func biasGradient(plane: String) -> String {
        """
            #pragma omp parallel for schedule(static)
            for (int co = 0; co < CO; co++) {
                real s = 0;
                for (int n = 0; n < N; n++) {
                    const real *yp = dy + ((long)n * CO + co) * \(plane);
                    #pragma omp simd reduction(+:s)
                    for (long i = 0; i < \(plane); i++) s += yp[i];
                }
                db[co] = s;
            }

        """
    }

    static func constants(_ g: ConvTransposeGeometry) -> String {
        CText.constants([("N", g.n), ("CI", g.ci), ("H", g.h), ("W", g.w), ("CO", g.co), ("OH", g.oh), ("OW", g.ow),
                         ("KH", g.kh), ("KW", g.kw), ("SH", g.sh), ("SW", g.sw),
                         ("KC", g.co * g.kh * g.kw), ("P", g.h * g.w), ("Q", g.oh * g.ow)])
    }

    /// A transposed convolution is the data gradient of a convolution from y's grid (OH x OW)
    /// to x's (H x W), no padding: these are that convolution's windows.
    static let transposedWindow = "CO, OH, OW, KH, KW, SH, SW, 0, 0, H, W"

    static func columns(_ g: ConvTransposeGeometry) -> Int { g.co * g.kh * g.kw * g.h * g.w }

    /// y = epilogue(col2im(w^T . x)); args x, w, epilogue args, col, y.
    static func transposedForward(_ g: ConvTransposeGeometry, _ e: Epilogue) -> String {
        constants(g) + """
            for (int n = 0; n < N; n++) {
                rdc_gemm(KC, P, CI, w, 1, KC, x + (long)n * CI * P, P, col, P, 0);
                rdc_col2im(col, \(transposedWindow), y + (long)n * CO * Q, 0);
            }

        """ + epilogue(e, planeSize: "Q")
    }

    /// dx (=|+=) w . im2col(dy); args dy, w, col, dx.
    static func transposedBackwardData(_ g: ConvTransposeGeometry, accumulate: Bool) -> String {
        constants(g) + """
            for (int n = 0; n < N; n++) {
                rdc_im2col(dy + (long)n * CO * Q, \(transposedWindow), col, P, 1);
                rdc_gemm(CI, P, KC, w, KC, 1, col, P, dx + (long)n * CI * P, P, \(accumulate ? "1" : "0"));
            }

        """
    }

    /// dw = sum over images of x . im2row(dy), db = sum of dy; args dy, x, col, dw[, db].
    static func transposedBackwardWeight(_ g: ConvTransposeGeometry, bias: Bool) -> String {
        constants(g) + """
            for (int n = 0; n < N; n++) {
                rdc_im2col(dy + (long)n * CO * Q, \(transposedWindow), col, 1, KC);
                rdc_gemm(CI, KC, P, x + (long)n * CI * P, P, 1, col, KC, dw, KC, n > 0);
            }

        """ + (bias ? biasGradient(plane: "Q") : "")
    }
}
