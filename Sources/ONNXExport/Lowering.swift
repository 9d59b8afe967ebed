import DSL

/// Walks an rdc graph in its (topological) order and writes each node as ONNX nodes whose
/// result is the node's value, named after the layer (`decoder.layer1.0.conv1`); the image
/// input is `image`. Parameters become float32 initializers under their state_dict names.
struct Lowering {
    let graph: Graph
    /// The value of every parameter, by state_dict name.
    let weight: (String) throws -> HostTensor
    var builder = ONNXGraphBuilder()
    /// The ONNX value holding each lowered node's result, by node id.
    private(set) var values: [Int: String] = [:]

    static let imageInput = "image"

    init(graph: Graph, weight: @escaping (String) throws -> HostTensor) {
        self.graph = graph
        self.weight = weight
    }

    mutating func lower(_ node: Node) throws {
        let name = node.name
        switch node.op {
        case .input:
            _ = try operands(node, inputs: 0...0, parameters: 0)
            values[node.id] = Self.imageInput
            return
        case .conv2d(let a):
            let (x, p) = try operands(node, inputs: 1...1, parameters: a.bias ? 2 : 1)
            let pads = [a.padding.top, a.padding.left, a.padding.bottom, a.padding.right]
            builder.add("Conv", x + p, name, [
                ONNXGraphBuilder.ints("kernel_shape", a.kernel), ONNXGraphBuilder.ints("strides", a.stride),
                ONNXGraphBuilder.ints("pads", pads), ONNXGraphBuilder.int("group", a.groups)])
        case .convTranspose2d(let a):
            let (x, p) = try operands(node, inputs: 1...1, parameters: a.bias ? 2 : 1)
            builder.add("ConvTranspose", x + p, name, [
                ONNXGraphBuilder.ints("kernel_shape", a.kernel), ONNXGraphBuilder.ints("strides", a.stride)])
        case .batchNorm(let a):
            // Inference mode: the running statistics, as rdc's forward_eval.
            let (x, p) = try operands(node, inputs: 1...1, parameters: 4)
            builder.add("BatchNormalization", x + p, name, [ONNXGraphBuilder.float("epsilon", a.eps)])
        case .activation(let a):
            // The family (DSL Activation) in ONNX's ops: Relu, or LeakyRelu where the slope below
            // 0 is not 0, then Clip at the ceiling where there is one (ReLU6: one Clip from 0 to 6).
            let (x, _) = try operands(node, inputs: 1...1, parameters: 0)
            switch (a.negativeSlope, a.ceiling) {
            case (0, nil): builder.add("Relu", x, name)
            case (0, let c?): builder.add("Clip", x + [constant(0), constant(c)], name)
            case (let s, nil): builder.add("LeakyRelu", x, name, [ONNXGraphBuilder.float("alpha", s)])
            case (let s, let c?):
                let leaky = builder.add("LeakyRelu", x, name + ".leaky", [ONNXGraphBuilder.float("alpha", s)])
                builder.add("Clip", [leaky, constant(-Float.infinity), constant(c)], name)
            }
        case .maxPool2d(let a):
            let (x, _) = try operands(node, inputs: 1...1, parameters: 0)
            let pads = [a.padding.top, a.padding.left, a.padding.bottom, a.padding.right]
            builder.add("MaxPool", x, name, [
                ONNXGraphBuilder.ints("kernel_shape", a.kernel), ONNXGraphBuilder.ints("strides", a.stride),
                ONNXGraphBuilder.ints("pads", pads)])
        case .add:
            let (x, _) = try operands(node, inputs: 1...Int.max, parameters: 0)
            builder.add("Sum", x, name)
        case .concat:
            let (x, _) = try operands(node, inputs: 1...Int.max, parameters: 0)
            builder.add("Concat", x, name, [ONNXGraphBuilder.int("axis", 1)])
        case .cosineDistance(let eps):
            let (x, _) = try operands(node, inputs: 2...2, parameters: 0)
            cosineDistance(x[0], x[1], eps: eps, name)
        case .cosineDistanceFlat(let eps):
            let (x, _) = try operands(node, inputs: 2...2, parameters: 0)
            let a = builder.add("Flatten", [x[0]], name + "/a_flat", [ONNXGraphBuilder.int("axis", 1)])
            let b = builder.add("Flatten", [x[1]], name + "/b_flat", [ONNXGraphBuilder.int("axis", 1)])
            cosineDistance(a, b, eps: eps, name)
        case .mean:
            let (x, _) = try operands(node, inputs: 1...1, parameters: 0)
            builder.add("ReduceMean", x, name, [ONNXGraphBuilder.int("keepdims", 0)])
        case .upsampleBilinear(let height, let width):
            let (x, _) = try operands(node, inputs: 1...1, parameters: 0)
            upsampleBilinear(x[0], height: height, width: width, name)
        case .gaussianBlur(let sigma, let truncate):
            let (x, _) = try operands(node, inputs: 1...1, parameters: 0)
            guard node.shape.rank == 3 else { throw problem(node, "smooths [N,H,W] maps, its shape is \(node.shape)") }
            gaussianBlur(x[0], sigma: sigma, truncate: truncate, height: node.shape[1], width: node.shape[2], name)
        case .maxPerSample:
            let (x, _) = try operands(node, inputs: 1...1, parameters: 0)
            maxPerSample(x[0], name)
        }
        values[node.id] = name
    }

    /// The ONNX values of the node's inputs and the initializers of its parameters, after
    /// checking the counts the op takes: graph.json is a file, and a damaged one must give
    /// an error naming the layer, not a crash.
    private mutating func operands(_ node: Node, inputs: ClosedRange<Int>, parameters: Int) throws
        -> (inputs: [String], parameters: [String]) {
        guard inputs.contains(node.inputs.count) else {
            throw problem(node, "has \(node.inputs.count) inputs, \(node.op.kind) takes "
                          + (inputs.count == 1 ? "\(inputs.lowerBound)" : "at least \(inputs.lowerBound)"))
        }
        guard node.params.count == parameters else {
            throw problem(node, "reads \(node.params.count) parameters, \(node.op.kind) takes \(parameters)")
        }
        let x = try node.inputs.map { try value(of: $0, readBy: "layer '\(node.name)'") }
        return (x, try node.params.map { try initializer($0, readBy: node) })
    }

    /// The ONNX value of a node lowered before `reader`.
    func value(of id: Int, readBy reader: String) throws -> String {
        guard let value = values[id] else { throw ONNXExportError("\(reader) reads node \(id), which does not come before it") }
        return value
    }

    /// The parameter as a float32 initializer, its shape checked against the graph's.
    private mutating func initializer(_ name: String, readBy node: Node) throws -> String {
        guard let declared = graph.parameter(name) else { throw problem(node, "reads '\(name)', which the graph does not declare") }
        let tensor = try weight(name)
        guard tensor.shape == declared.shape.dims else {
            throw ONNXExportError("parameter '\(name)' has shape \(Shape(tensor.shape)), the graph declares \(declared.shape)")
        }
        return builder.floats(name, tensor.shape, tensor.values)
    }

    /// A float scalar shared by every node that needs it.
    mutating func constant(_ value: Float) -> String {
        builder.floats("const/\(value)", [], [value])
    }

    /// A 1-D int64 constant (axes, shapes) shared by every node that needs it.
    mutating func constant(_ values: [Int]) -> String {
        builder.int64s("const/" + values.map(String.init).joined(separator: ","), [values.count], values)
    }

    func problem(_ node: Node, _ what: String) -> ONNXExportError {
        ONNXExportError("layer '\(node.name)' (\(node.op.kind)) \(what)")
    }
}
