import DSL
import Reference
import XCTest

final class HeadTests: XCTestCase {
    // a and b [N=1, C=2, H=1, W=4]; per position (a; b):
    // (1,0; 0,1) orthogonal, (3,4; 6,8) parallel, (0,0; 1,1) zero vector, (1,1; -1,-1) opposite.
    private let a = tensor([1, 2, 1, 4], [1, 3, 0, 1, 0, 4, 0, 1])
    private let b = tensor([1, 2, 1, 4], [0, 6, 1, -1, 1, 8, 1, -1])

    private func binary(_ op: Op, shape: [Int]) throws -> ReferenceResult {
        let g = try graph(inputs: [[1, 2, 1, 4], [1, 2, 1, 4]], role: .head) { g, xs in try g.node(op, xs) }
        return try ReferenceExecutor(graph: g, parameters: [:]).run(inputs: ["x0": a, "x1": b])
    }

    func testCosineDistancePerPosition() throws {
        assertClose(try binary(.cosineDistance(eps: 1e-8), shape: [1, 1, 4]).output("y"), shape: [1, 1, 4], [1, 0, 1, 2])
        // eps clamps each norm from below: (3,4; 6,8) -> 50 / (max(5,10) * max(10,10)).
        assertClose(try binary(.cosineDistance(eps: 10), shape: [1, 1, 4]).output("y"), shape: [1, 1, 4],
                    [1, 0.5, 1, 1.02])
    }

    func testCosineDistanceOfFlattenedSamples() throws {
        // <a,b> = 18 - 1 + 32 - 1 = 48, |a|^2 = 28, |b|^2 = 105.
        assertClose(try binary(.cosineDistanceFlat(eps: 1e-8), shape: [1]).output("y"), shape: [1],
                    [1 - 48 / (28.0 * 105).squareRoot()])
        // Two samples of [1, 2]: parallel and orthogonal.
        let g = try graph(inputs: [[2, 2], [2, 2]], role: .head) { g, xs in
            try g.node(.cosineDistanceFlat(eps: 1e-8), xs)
        }
        let r = try ReferenceExecutor(graph: g, parameters: [:])
            .run(inputs: ["x0": tensor([2, 2], [1, 2, 1, 0]), "x1": tensor([2, 2], [2, 4, 0, 5])])
        assertClose(r.output("y"), shape: [2], [0, 1])
    }

    func testMeanAndMaxPerSample() throws {
        let x = tensor([2, 3], [1, 5, -2, -7, -3, -4])
        assertClose(try runY(try graph(input: [2, 3]) { g, x in try g.node(.mean, [x]) }, x),
                    shape: [], [-10.0 / 6])
        assertClose(try runY(try graph(input: [2, 3]) { g, x in try g.node(.maxPerSample, [x]) }, x),
                    shape: [2], [5, -3])
    }

    func testBilinearAlignCorners() throws {
        let g = try graph(input: [2, 3, 4]) { g, x in try g.node(.upsampleBilinear(height: 7, width: 9), [x]) }
        assertClose(try runY(g, ramp([2, 3, 4])), shape: Oracle.upsample.shape, Oracle.upsample.values)
    }

    func testBilinearByHand() throws {
        // [0, 3] to 4 columns with align_corners: the corners stay, the inside is linear.
        let g = try graph(input: [1, 1, 2]) { g, x in try g.node(.upsampleBilinear(height: 3, width: 4), [x]) }
        assertClose(try runY(g, tensor([1, 1, 2], [0, 3])), shape: [1, 3, 4], [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3])
        // To a single pixel: the top-left input.
        let one = try graph(input: [1, 2, 2]) { g, x in try g.node(.upsampleBilinear(height: 1, width: 1), [x]) }
        assertClose(try runY(one, tensor([1, 2, 2], [4, 5, 6, 7])), shape: [1, 1, 1], [4])
    }

    private func gaussian(_ x: HostTensor, sigma: Double, truncate: Double) throws -> HostTensor? {
        let g = try graph(input: x.shape, role: .head) { g, t in
            try g.node(.gaussianBlur(sigma: sigma, truncate: truncate), [t])
        }
        return try runY(g, x)
    }

    func testGaussianKernelWiderThanTheMap() throws {
        // sigma 4, truncate 4: radius 16 on a 3x5 map, so 'reflect' wraps several times.
        assertClose(try gaussian(quadRamp([2, 3, 5]), sigma: 4, truncate: 4),
                    shape: Oracle.gaussSmall.shape, Oracle.gaussSmall.values, tolerance: 1e-6)
        assertClose(try gaussian(quadRamp([1, 1, 1]), sigma: 4, truncate: 4),
                    shape: Oracle.gauss1x1.shape, Oracle.gauss1x1.values, tolerance: 1e-6)
    }

    func testGaussianOtherSigmaAndTruncate() throws {
        // radius Int(2 * 1.5 + 0.5) = 3
        assertClose(try gaussian(quadRamp([1, 6, 7]), sigma: 1.5, truncate: 2),
                    shape: Oracle.gaussSigma15.shape, Oracle.gaussSigma15.values, tolerance: 1e-6)
        // radius Int(3 * 1.5 + 0.5) = 5, not 4
        assertClose(try gaussian(quadRamp([1, 5, 6]), sigma: 1.5, truncate: 3),
                    shape: Oracle.gaussRadiusRounding.shape, Oracle.gaussRadiusRounding.values, tolerance: 1e-6)
    }

    func testGaussianLargerMap() throws {
        assertClose(try gaussian(quadRamp([1, 40, 33]), sigma: 4, truncate: 4),
                    shape: Oracle.gaussBig.shape, Oracle.gaussBig.values, tolerance: 1e-6)
    }

    func testGaussianKeepsConstantsAndSum() throws {
        // A normalized kernel with a reflecting boundary maps a constant to itself.
        let y = try gaussian(tensor([1, 4, 4], Array(repeating: 2.5, count: 16)), sigma: 4, truncate: 4)
        assertClose(y, shape: [1, 4, 4], Array(repeating: 2.5, count: 16), tolerance: 1e-6)
    }
}
