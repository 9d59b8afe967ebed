import DSL
import Reference
import XCTest

final class BatchNormTests: XCTestCase {
    // x [N=2, C=2, H=1, W=2]: channel 0 holds 1, 2 | 3, 6 (mean 3, biased variance 3.5,
    // unbiased 14/3); channel 1 is constant 1 (variance 0). eps 0.5, momentum 0.5,
    // weight [2, 3], bias [1, -1], running mean [0, 2], running var [3.5, 0.5].
    private let x = tensor([2, 2, 1, 2], [1, 2, 1, 1, 3, 6, 1, 1])
    private let parameters = [
        "bn.weight": tensor([2], [2, 3]), "bn.bias": tensor([2], [1, -1]),
        "bn.running_mean": tensor([2], [0, 2]), "bn.running_var": tensor([2], [3.5, 0.5]),
    ]
    private func bnGraph(_ role: Role) throws -> Graph {
        try layerGraph(BatchNorm("bn", eps: 0.5, momentum: 0.5), input: [2, 2, 1, 2], role: role)
    }
    // Train: channel 0 (x - 3) / sqrt(3.5 + 0.5) * 2 + 1 = x - 2; channel 1 is all bias.
    private let trainOutput: [Double] = [-1, 0, -1, -1, 1, 4, -1, -1]
    // Eval: channel 0 (x - 0) / sqrt(3.5 + 0.5) * 2 + 1 = x + 1; channel 1 (1 - 2) / 1 * 3 - 1 = -4.
    private let evalOutput: [Double] = [2, 3, -4, -4, 4, 7, -4, -4]

    func testEvalUsesRunningStatistics() throws {
        let result = try ReferenceExecutor(graph: bnGraph(.decoder), parameters: parameters)
            .run(input: x, studentBatchNorm: .eval)
        assertClose(result.output("y"), shape: [2, 2, 1, 2], evalOutput)
        XCTAssertTrue(result.updatedParameters.isEmpty)
    }

    func testTrainUsesBatchStatisticsAndUpdatesRunningOnes() throws {
        for role in [Role.decoder, .ocbe] {
            let result = try ReferenceExecutor(graph: bnGraph(role), parameters: parameters)
                .run(input: x, studentBatchNorm: .train)
            assertClose(result.output("y"), shape: [2, 2, 1, 2], trainOutput, "\(role)")
            // running_mean = 0.5 * [0, 2] + 0.5 * [3, 1]; running_var = 0.5 * [3.5, 0.5] + 0.5 * [14/3, 0]
            XCTAssertEqual(Set(result.updatedParameters.keys), ["bn.running_mean", "bn.running_var"])
            assertClose(result.updatedParameters["bn.running_mean"], shape: [2], [1.5, 1.5])
            assertClose(result.updatedParameters["bn.running_var"], shape: [2], [1.75 + 7.0 / 3, 0.25])
            let next = result.parameters(updating: parameters)
            XCTAssertEqual(next["bn.weight"], parameters["bn.weight"])
            XCTAssertEqual(next["bn.running_mean"], result.updatedParameters["bn.running_mean"])
        }
    }

    func testTeacherBatchNormStaysFrozenInTrainMode() throws {
        let result = try ReferenceExecutor(graph: bnGraph(.teacher), parameters: parameters)
            .run(input: x, studentBatchNorm: .train)
        assertClose(result.output("y"), shape: [2, 2, 1, 2], evalOutput)
        XCTAssertTrue(result.updatedParameters.isEmpty)
    }

    func testTrainModeNeedsMoreThanOneValuePerChannel() throws {
        let g = try layerGraph(BatchNorm("bn"), input: [1, 1, 1, 1])
        let p = ["bn.weight": tensor([1], [1]), "bn.bias": tensor([1], [0]),
                 "bn.running_mean": tensor([1], [0]), "bn.running_var": tensor([1], [1])]
        let executor = try ReferenceExecutor(graph: g, parameters: p)
        XCTAssertThrowsError(try executor.run(input: tensor([1, 1, 1, 1], [3]), studentBatchNorm: .train))
        assertClose(try executor.run(input: tensor([1, 1, 1, 1], [3])).output("y"), shape: [1, 1, 1, 1],
                    [3 / (1 + 1e-5).squareRoot()])
    }
}

final class ElementwiseTests: XCTestCase {
    func testActivationsByHand() throws {
        // nn.ReLU, nn.ReLU6, nn.LeakyReLU(0.1) around both kinks; then -inf and NaN, as PyTorch.
        let x: [Float] = [-7, -1, 0, 0.5, 6, 7.5, -.infinity, .nan]
        let cases: [(any UnaryLayer, [Double], Float)] = [
            (ReLU(), [0, 0, 0, 0.5, 6, 7.5], 0),
            (ReLU6(), [0, 0, 0, 0.5, 6, 6], 0),
            (LeakyReLU(0.1), [-0.7, -0.1, 0, 0.5, 6, 7.5], -.infinity),
        ]
        for (layer, want, atMinusInfinity) in cases {
            let y = try XCTUnwrap(try runY(try layerGraph(layer, input: [1, 1, 1, 8]), tensor([1, 1, 1, 8], x)))
            assertClose(HostTensor(shape: [1, 1, 1, 6], values: Array(y.values.prefix(6))), shape: [1, 1, 1, 6], want, "\(layer)")
            XCTAssertEqual(y.values[6], atMinusInfinity, "\(layer) of -inf")
            XCTAssert(y.values[7].isNaN, "\(layer) turns NaN into \(y.values[7])")
        }
    }

    func testMaxPoolPaddingIsMinusInfinity() throws {
        // All-negative input: zero padding would win every window; -inf padding never does.
        let g = try layerGraph(MaxPool("pool", 3, stride: 2, padding: 1), input: [1, 1, 3, 3])
        let y = try runY(g, tensor([1, 1, 3, 3], (1...9).map { -Float($0) }))
        assertClose(y, shape: [1, 1, 2, 2], [-1, -2, -4, -5])
    }

    func testMaxPoolAsymmetricPadding() throws {
        // [[-1,-2,-3],[-4,-5,-6]], 2x2 windows, stride 1, padding top 0, left 1, bottom 1, right 0.
        let attrs = PoolAttrs(kernel: [2, 2], stride: [1, 1], padding: Padding2D(top: 0, left: 1, bottom: 1, right: 0))
        let g = try graph(input: [1, 1, 2, 3]) { g, x in try g.node(.maxPool2d(attrs), [x]) }
        let y = try runY(g, tensor([1, 1, 2, 3], [-1, -2, -3, -4, -5, -6]))
        assertClose(y, shape: [1, 1, 2, 3], [-1, -1, -2, -4, -4, -5])
    }

    func testMaxPoolStride2OnRamp() throws {
        // ResNet's stem pool on 2 channels: 4x4 0..15 and its negation.
        let g = try layerGraph(MaxPool("pool", 3, stride: 2, padding: 1), input: [1, 2, 4, 4])
        let values = (0..<16).map(Float.init) + (0..<16).map { -Float($0) }
        let y = try runY(g, tensor([1, 2, 4, 4], values))
        assertClose(y, shape: [1, 2, 2, 2], [5, 7, 13, 15, 0, -1, -4, -5])
    }

    func testAddOfThreeInputs() throws {
        let g = try graph(inputs: [[2], [2], [2]]) { g, xs in try g.node(.add, xs) }
        let r = try ReferenceExecutor(graph: g, parameters: [:]).run(inputs: [
            "x0": tensor([2], [1, 2]), "x1": tensor([2], [10, 20]), "x2": tensor([2], [100, -200]),
        ])
        assertClose(r.output("y"), shape: [2], [111, -178])
    }

    func testAddOfScalars() throws {
        let g = try graph(inputs: [[], []]) { g, xs in try g.node(.add, xs) }
        let r = try ReferenceExecutor(graph: g, parameters: [:])
            .run(inputs: ["x0": tensor([], [1.5]), "x1": tensor([], [-0.25])])
        assertClose(r.output("y"), shape: [], [1.25])
    }

    func testResidualAdd() throws {
        // Residual { ReLU } shortcut identity: relu(x) + x.
        let g = try graph(input: [1, 1, 1, 3]) { g, x in try Residual { ReLU() }.build(x, in: g) }
        assertClose(try runY(g, tensor([1, 1, 1, 3], [-2, 0, 3])), shape: [1, 1, 1, 3], [-2, 0, 6])
    }

    func testConcatAlongChannelsPerSample() throws {
        let g = try graph(inputs: [[2, 1, 1, 2], [2, 2, 1, 2]]) { g, xs in
            try g.node(.concat, xs)
        }
        let r = try ReferenceExecutor(graph: g, parameters: [:]).run(inputs: [
            "x0": tensor([2, 1, 1, 2], [1, 2, 3, 4]),
            "x1": tensor([2, 2, 1, 2], [10, 20, 30, 40, 50, 60, 70, 80]),
        ])
        assertClose(r.output("y"), shape: [2, 3, 1, 2], [1, 2, 10, 20, 30, 40, 3, 4, 50, 60, 70, 80])
    }
}
