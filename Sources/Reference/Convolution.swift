import DSL
import Dispatch

/// The op implementations. Each takes and gives whole NCHW (or [N,H,W], [N], []) tensors.
public enum Kernels {}

extension Kernels {
    /// torch.nn.functional.conv2d: out[n, co, oy, ox] = bias[co] +
    ///   sum over ci in co's group, ky, kx of w[co, ci', ky, kx] * x[n, ci, oy*sh + ky - top, ox*sw + kx - left],
    /// positions outside the input being zero. One task per (sample, output channel); its
    /// output plane is accumulated in Double, input rows read contiguously.
    static func conv2d(_ x: HostTensor, weight: HostTensor, bias: HostTensor?, attrs a: ConvAttrs) -> HostTensor {
        let (n, cin, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let cout = a.outChannels
        let (kh, kw) = (a.kernel[0], a.kernel[1])
        let (sh, sw) = (a.stride[0], a.stride[1])
        let (top, left) = (a.padding.top, a.padding.left)
        let oh = (h + a.padding.top + a.padding.bottom - kh) / sh + 1
        let ow = (w + a.padding.left + a.padding.right - kw) / sw + 1
        let cinPerGroup = cin / a.groups, coutPerGroup = cout / a.groups

        // For each kx, the output columns whose input column ox*sw + kx - left lies inside [0, w).
        let columns: [Range<Int>] = (0..<kw).map { kx in
            let first = max(0, ceilDiv(left - kx, sw))
            let last = min(ow - 1, floorDiv(w - 1 + left - kx, sw))
            return first <= last ? first..<(last + 1) : 0..<0
        }

        var out = [Float](repeating: 0, count: n * cout * oh * ow)
        x.values.withUnsafeBufferPointer { xs in
            weight.values.withUnsafeBufferPointer { ws in
                out.withUnsafeMutableBufferPointer { os in
                    let (xBase, wBase, oBase) = (Shared(xs.baseAddress!), Shared(ws.baseAddress!), Shared(os.baseAddress!))
                    DispatchQueue.concurrentPerform(iterations: n * cout) { task in
                        let (b, co) = (task / cout, task % cout)
                        let firstIn = (co / coutPerGroup) * cinPerGroup
                        var acc = [Double](repeating: bias.map { Double($0.values[co]) } ?? 0, count: oh * ow)
                        acc.withUnsafeMutableBufferPointer { accs in
                            let acc = accs.baseAddress!
                            for cg in 0..<cinPerGroup {
                                let plane = xBase.pointer + (b * cin + firstIn + cg) * h * w
                                let kernel = wBase.pointer + (co * cinPerGroup + cg) * kh * kw
                                for ky in 0..<kh {
                                    for kx in 0..<kw {
                                        let wv = Double(kernel[ky * kw + kx])
                                        let cols = columns[kx]
                                        if cols.isEmpty { continue }
                                        for oy in 0..<oh {
                                            let iy = oy * sh + ky - top
                                            if iy < 0 || iy >= h { continue }
                                            let row = plane + iy * w + kx - left
                                            let outRow = acc + oy * ow
                                            if sw == 1 {
                                                for ox in cols { outRow[ox] += wv * Double(row[ox]) }
                                            } else {
                                                for ox in cols { outRow[ox] += wv * Double(row[ox * sw]) }
                                            }
                                        }
                                    }
                                }
                            }
                            let dst = oBase.pointer + task * oh * ow
                            for i in 0..<(oh * ow) { dst[i] = Float(acc[i]) }
                        }
                    }
                }
            }
        }
        return HostTensor(shape: [n, cout, oh, ow], values: out)
    }

    /// torch.nn.functional.conv_transpose2d without padding, weight [Cin, Cout, kh, kw]:
    /// each input position scatters out[n, co, iy*sh + ky, ix*sw + kx] += x[n, ci, iy, ix] * w[ci, co, ky, kx].
    static func convTranspose2d(_ x: HostTensor, weight: HostTensor, bias: HostTensor?,
                                attrs a: ConvTransposeAttrs) -> HostTensor {
        let (n, cin, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let cout = a.outChannels
        let (kh, kw) = (a.kernel[0], a.kernel[1])
        let (sh, sw) = (a.stride[0], a.stride[1])
        let oh = (h - 1) * sh + kh, ow = (w - 1) * sw + kw

        var out = [Float](repeating: 0, count: n * cout * oh * ow)
        x.values.withUnsafeBufferPointer { xs in
            weight.values.withUnsafeBufferPointer { ws in
                out.withUnsafeMutableBufferPointer { os in
                    let (xBase, wBase, oBase) = (Shared(xs.baseAddress!), Shared(ws.baseAddress!), Shared(os.baseAddress!))
                    DispatchQueue.concurrentPerform(iterations: n * cout) { task in
                        let (b, co) = (task / cout, task % cout)
                        var acc = [Double](repeating: bias.map { Double($0.values[co]) } ?? 0, count: oh * ow)
                        acc.withUnsafeMutableBufferPointer { accs in
                            let acc = accs.baseAddress!
                            for ci in 0..<cin {
                                let plane = xBase.pointer + (b * cin + ci) * h * w
                                let kernel = wBase.pointer + (ci * cout + co) * kh * kw
                                for ky in 0..<kh {
                                    for kx in 0..<kw {
                                        let wv = Double(kernel[ky * kw + kx])
                                        for iy in 0..<h {
                                            let row = plane + iy * w
                                            let outRow = acc + (iy * sh + ky) * ow + kx
                                            for ix in 0..<w { outRow[ix * sw] += wv * Double(row[ix]) }
                                        }
                                    }
                                }
                            }
                            let dst = oBase.pointer + task * oh * ow
                            for i in 0..<(oh * ow) { dst[i] = Float(acc[i]) }
                        }
                    }
                }
            }
        }
        return HostTensor(shape: [n, cout, oh, ow], values: out)
    }
}

/// Integer division rounding toward -infinity / +infinity (b > 0).
func floorDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }
func ceilDiv(_ a: Int, _ b: Int) -> Int { -floorDiv(-a, b) }

/// A pointer handed to the tasks of `DispatchQueue.concurrentPerform`: they read shared
/// inputs and each writes only its own output plane.
struct Shared<Pointer>: @unchecked Sendable {
    let pointer: Pointer
    init(_ pointer: Pointer) { self.pointer = pointer }
}
