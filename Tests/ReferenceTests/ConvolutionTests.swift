import DSL
import Reference
import XCTest

final class ConvolutionTests: XCTestCase {
    /// A conv2d node with explicit attributes (any padding), its parameters named `conv.*`.
    private func convGraph(input: [Int], _ attrs: ConvAttrs) throws -> Graph {
        try graph(input: input) { g, x in
            try g.scoped("conv") {
                var params = [try g.parameter(.weight, Shape(attrs.weightShape))]
                if attrs.bias { params.append(try g.parameter(.bias, Shape(attrs.outChannels))) }
                return try g.node(.conv2d(attrs), [x], params: params)
            }
        }
    }

    func testBoxFilterByHand() throws {
        // 1..9 in a 3x3 image, an all-ones 3x3 kernel, zero padding 1: neighbourhood sums.
        let g = try layerGraph(Conv("conv", 1, 3), input: [1, 1, 3, 3])
        let y = try runY(g, tensor([1, 1, 3, 3], (1...9).map(Float.init)),
                         ["conv.weight": tensor([1, 1, 3, 3], Array(repeating: 1, count: 9))])
        assertClose(y, shape: [1, 1, 3, 3], [12, 21, 16, 27, 45, 33, 24, 39, 28])
    }

    func testStrideAndBiasByHand() throws {
        // 4x4 input 0..15, 2x2 kernel [[1, 0], [0, -1]], stride 2, no padding, bias 10:
        // x[2i][2j] - x[2i+1][2j+1] + 10 = -5 + 10 everywhere.
        let g = try layerGraph(Conv("conv", 1, 2, stride: 2, padding: .explicit(0), bias: true), input: [1, 1, 4, 4])
        let y = try runY(g, tensor([1, 1, 4, 4], (0..<16).map(Float.init)),
                         ["conv.weight": tensor([1, 1, 2, 2], [1, 0, 0, -1]), "conv.bias": tensor([1], [10])])
        assertClose(y, shape: [1, 1, 2, 2], [5, 5, 5, 5])
    }

    func testAsymmetricPaddingStride2() throws {
        let attrs = ConvAttrs(outChannels: 3, inChannels: 2, kernel: [3, 3], stride: [2, 2],
                              padding: Padding2D(top: 0, left: 1, bottom: 2, right: 1), groups: 1, bias: true)
        let g = try convGraph(input: [2, 2, 5, 6], attrs)
        let y = try runY(g, ramp([2, 2, 5, 6]), ["conv.weight": weightRamp([3, 2, 3, 3]),
                                                 "conv.bias": tensor([3], [0.5, -0.25, 0.125])])
        assertClose(y, shape: Oracle.convAsymmetric.shape, Oracle.convAsymmetric.values)
    }

    func testTFSamePaddingIsAsymmetric() throws {
        // EfficientNet-Lite's stride-2 3x3 on an even side pads 0 before and 1 after: the
        // first output sees rows/columns 0...2, not -1...1. With an all-ones kernel on a 4x4
        // image 0..15 the top-left output is the sum of the 3x3 block at (0, 0).
        let g = try layerGraph(Conv("conv", 1, 3, stride: 2, padding: .tfSame), input: [1, 1, 4, 4])
        let y = try runY(g, tensor([1, 1, 4, 4], (0..<16).map(Float.init)),
                         ["conv.weight": tensor([1, 1, 3, 3], Array(repeating: 1, count: 9))])
        // [0+1+2+4+5+6+8+9+10, 2+3+6+7+10+11, 8+9+10+12+13+14, 10+11+14+15]
        assertClose(y, shape: [1, 1, 2, 2], [45, 39, 66, 50])
    }

    func testGroupedConvolution() throws {
        let g = try layerGraph(Conv("conv", 6, 3, groups: .count(2)), input: [1, 4, 4, 5])
        let y = try runY(g, ramp([1, 4, 4, 5]), ["conv.weight": weightRamp([6, 2, 3, 3])])
        assertClose(y, shape: Oracle.convGrouped.shape, Oracle.convGrouped.values)
    }

    func testDepthwiseConvolution() throws {
        let attrs = ConvAttrs(outChannels: 3, inChannels: 3, kernel: [3, 3], stride: [2, 2],
                              padding: Padding2D(top: 1, left: 0, bottom: 1, right: 1), groups: 3, bias: true)
        let g = try convGraph(input: [2, 3, 5, 6], attrs)
        let y = try runY(g, ramp([2, 3, 5, 6]), ["conv.weight": weightRamp([3, 1, 3, 3]),
                                                 "conv.bias": tensor([3], [1, 0, -1])])
        assertClose(y, shape: Oracle.convDepthwise.shape, Oracle.convDepthwise.values)
    }

    func testDepthwiseByHand() throws {
        // Two channels, 1x1 depthwise kernels 2 and -3: per-channel scaling.
        let g = try layerGraph(Conv("conv", 2, 1, groups: .depthwise), input: [1, 2, 1, 2])
        let y = try runY(g, tensor([1, 2, 1, 2], [1, 2, 3, 4]), ["conv.weight": tensor([2, 1, 1, 1], [2, -3])])
        assertClose(y, shape: [1, 2, 1, 2], [2, 4, -9, -12])
    }

    func testTransposedConvolutionByHand() throws {
        // 2x2 stride 2: each input pixel becomes a 2x2 block x * w; two input channels summed.
        let g = try layerGraph(ConvTranspose("up", 1), input: [1, 2, 1, 2])
        let y = try runY(g, tensor([1, 2, 1, 2], [1, 2, 10, 20]),
                         ["up.weight": tensor([2, 1, 2, 2], [1, 2, 3, 4, 0, 1, 0, -1])])
        // channel 0: [[1,2],[3,4]] * 1 and * 2; channel 1: [[0,1],[0,-1]] * 10 and * 20
        assertClose(y, shape: [1, 1, 2, 4], [1, 2 + 10, 2, 4 + 20,
                                             3, 4 - 10, 6, 8 - 20])
    }

    func testTransposedConvolutionWithBias() throws {
        let g = try layerGraph(ConvTranspose("up", 2, bias: true), input: [2, 3, 2, 3])
        let y = try runY(g, ramp([2, 3, 2, 3]), ["up.weight": weightRamp([3, 2, 2, 2]),
                                                 "up.bias": tensor([2], [0.25, -0.5])])
        assertClose(y, shape: Oracle.convTransposeK2S2.shape, Oracle.convTransposeK2S2.values)
    }

    func testOverlappingTransposedConvolution() throws {
        let g = try layerGraph(ConvTranspose("up", 2, 3, stride: 2), input: [1, 2, 3, 2])
        let y = try runY(g, ramp([1, 2, 3, 2]), ["up.weight": weightRamp([2, 2, 3, 3])])
        assertClose(y, shape: Oracle.convTransposeK3S2.shape, Oracle.convTransposeK3S2.values)
    }
}
