import DSL

/// The plain Swift executor: runs any rdc graph forward on the host, op by op, with the
/// semantics of PyTorch (features) and numpy/scipy (anomaly maps). Every compiled kernel is
/// tested against it, and it is tested against PyTorch.
///
/// Numerics: tensors are stored as float32; every reduction (convolution sums, batch
/// statistics, cosine dot products and norms, means, sums of maps, bilinear and Gaussian
/// weights) is accumulated in Double and rounded once when stored.
///
///     let executor = try ReferenceExecutor(graph: graph, parameters: stateDict)
///     let result = try executor.run(input: images, studentBatchNorm: .eval)
///     let scores = result.output("image_scores")
public struct ReferenceExecutor: Sendable {
    public let graph: Graph
    public let parameters: [String: HostTensor]

    /// How the BatchNorms of the trainable parts (OCBE and decoder, `Role.isTrainable`) run.
    /// The teacher's (and any other role's) BatchNorms always use their running statistics.
    public enum BatchNormMode: Sendable {
        /// Normalize with the biased batch statistics over N, H, W and update the running
        /// statistics (PyTorch `model.train()`); see `ReferenceResult.updatedParameters`.
        case train
        /// Normalize with the running statistics (PyTorch `model.eval()`).
        case eval
    }

    /// Which node values the result keeps.
    public enum Retention: Sendable {
        /// Every node's value (the default; what tests and debugging want).
        case all
        /// Only the values of named outputs; intermediates are freed once their last reader
        /// has run (for large models and batches).
        case outputs
    }

    /// `parameters` are float tensors named as in the PyTorch state_dict
    /// (`Graph.parameters[i].name`); extra entries (num_batches_tracked, unused modules) are
    /// ignored. Checks the graph's structure and shapes and that every parameter a node reads
    /// is present with its declared shape; all problems are reported in one `ReferenceError`.
    public init(graph: Graph, parameters: [String: HostTensor]) throws {
        var problems: [String] = []
        var declared: [String: Parameter] = [:]
        for p in graph.parameters {
            if declared[p.name] != nil { problems.append("parameter '\(p.name)' is declared twice in the graph") }
            declared[p.name] = p
        }
        var checked = Set<String>()
        for (index, node) in graph.nodes.enumerated() {
            let label = "node \(index) '\(node.name)' (\(node.op.kind))"
            if node.id != index { problems.append("\(label): has id \(node.id), expected its index \(index)") }
            let badInputs = node.inputs.filter { !(0..<index).contains($0) }
            if !badInputs.isEmpty {
                problems.append("\(label): inputs \(badInputs) are not earlier nodes (graph must be topologically ordered)")
            }
            // Parameters: the kinds the op documents, in order, each present with its shape.
            let kinds = node.op.contract.parameters.map(\.kind)
            if node.params.count != kinds.count {
                problems.append("\(label): reads \(node.params.count) parameters \(node.params), the op needs \(kinds.count) (\(kinds.map(\.rawValue).joined(separator: ", ")))")
            }
            for (i, name) in node.params.enumerated() {
                guard let p = declared[name] else {
                    problems.append("\(label): reads '\(name)', which the graph does not declare")
                    continue
                }
                if i < kinds.count, p.kind != kinds[i] {
                    problems.append("\(label): parameter \(i) '\(name)' is a \(p.kind.rawValue), the op expects a \(kinds[i].rawValue)")
                }
                guard checked.insert(name).inserted else { continue }
                if let t = parameters[name] {
                    if t.shape != p.shape.dims {
                        problems.append("parameter '\(name)': shape \(Shape(t.shape)) given, \(p.shape) expected (read by '\(node.name)')")
                    }
                } else {
                    problems.append("parameter '\(name)' \(p.shape) is missing (read by '\(node.name)')")
                }
            }
            // Shapes: the node's declared shape must be what the op makes of its inputs.
            if badInputs.isEmpty {
                let inputShapes = node.inputs.map { graph.nodes[$0].shape.dims }
                do {
                    if let shape = try node.op.outputShape(inputShapes), shape != node.shape.dims {
                        problems.append("\(label): declared shape \(node.shape) but the op gives \(Shape(shape)) from inputs \(inputShapes.map { Shape($0).description }.joined(separator: ", "))")
                    }
                } catch {
                    problems.append("\(label): \(error.message)")
                }
            }
        }
        for output in graph.outputs where !graph.nodes.indices.contains(output.node) {
            problems.append("output '\(output.name)' refers to node \(output.node), which does not exist")
        }
        if !graph.nodes.contains(where: { $0.op == .input }) { problems.append("the graph has no input node") }
        if !problems.isEmpty { throw ReferenceError(problems: problems) }
        self.graph = graph
        self.parameters = parameters
    }

    /// From a weight file's tensors as read: the float ones are the parameters; int64 buffers
    /// (num_batches_tracked) are left out, as no op reads them.
    public init(graph: Graph, stateDict: [String: StoredTensor]) throws {
        try self.init(graph: graph, parameters: stateDict.compactMapValues {
            if case .float(let t) = $0 { return t } else { return nil }
        })
    }

    /// Runs the graph forward on `input`, the value of its one `.input` node (the image
    /// batch; its shape must be the node's).
    public func run(input: HostTensor, studentBatchNorm: BatchNormMode = .eval,
                    retain: Retention = .all) throws -> ReferenceResult {
        let inputNodes = graph.nodes.filter { $0.op == .input }
        guard inputNodes.count == 1 else {
            throw ReferenceError(problems: ["the graph has \(inputNodes.count) input nodes (\(inputNodes.map(\.name).joined(separator: ", "))); give them by name with run(inputs:)"])
        }
        return try run(inputs: [inputNodes[0].name: input], studentBatchNorm: studentBatchNorm, retain: retain)
    }

    /// Runs the graph forward with the value of every `.input` node given by node name.
    public func run(inputs: [String: HostTensor], studentBatchNorm: BatchNormMode = .eval,
                    retain: Retention = .all) throws -> ReferenceResult {
        var problems: [String] = []
        for node in graph.nodes where node.op == .input {
            if let given = inputs[node.name] {
                if given.shape != node.shape.dims {
                    problems.append("input '\(node.name)': shape \(Shape(given.shape)) given, \(node.shape) expected")
                }
            } else {
                problems.append("input '\(node.name)' \(node.shape) is not given")
            }
        }
        let names = Set(graph.nodes.filter { $0.op == .input }.map(\.name))
        for name in inputs.keys.sorted() where !names.contains(name) {
            problems.append("'\(name)' is given as an input but the graph has no input node of that name")
        }
        if !problems.isEmpty { throw ReferenceError(problems: problems) }

        var values = [HostTensor?](repeating: nil, count: graph.nodes.count)
        var updated: [String: HostTensor] = [:]
        var lastReader = [Int](repeating: -1, count: graph.nodes.count)
        for node in graph.nodes { for i in node.inputs { lastReader[i] = node.id } }
        let kept = Set(graph.outputs.map(\.node))

        for node in graph.nodes {
            let x = node.inputs.map { values[$0]! }
            let p = node.params.map { parameters[$0]! }
            let out: HostTensor
            switch node.op {
            case .input:
                out = inputs[node.name]!
            case .conv2d(let a):
                out = Kernels.conv2d(x[0], weight: p[0], bias: a.bias ? p[1] : nil, attrs: a)
            case .convTranspose2d(let a):
                out = Kernels.convTranspose2d(x[0], weight: p[0], bias: a.bias ? p[1] : nil, attrs: a)
            case .batchNorm(let a):
                let bn = BatchNormParameters(weight: p[0], bias: p[1], runningMean: p[2], runningVar: p[3],
                                             eps: Double(a.eps), momentum: Double(a.momentum))
                if node.role.isTrainable && studentBatchNorm == .train {
                    let count = x[0].shape[0] * x[0].shape[2] * x[0].shape[3]
                    guard count > 1 else {
                        throw ReferenceError(problems: ["'\(node.name)': training-mode batchnorm needs more than one value per channel, got \(Shape(x[0].shape))"])
                    }
                    let r = Kernels.batchNormTrain(x[0], bn)
                    out = r.output
                    updated[node.params[2]] = r.runningMean
                    updated[node.params[3]] = r.runningVar
                } else {
                    out = Kernels.batchNormEval(x[0], bn)
                }
            case .activation(let a): out = Kernels.map(x[0]) { a($0) }
            case .maxPool2d(let a): out = Kernels.maxPool2d(x[0], attrs: a)
            case .add: out = Kernels.add(x)
            case .concat: out = Kernels.concat(x)
            case .cosineDistance(let eps): out = Kernels.cosineDistance(x[0], x[1], eps: Double(eps))
            case .cosineDistanceFlat(let eps): out = Kernels.cosineDistanceFlat(x[0], x[1], eps: Double(eps))
            case .mean: out = Kernels.mean(x[0])
            case .upsampleBilinear(let height, let width):
                out = Kernels.upsampleBilinear(x[0], height: height, width: width)
            case .gaussianBlur(let sigma, let truncate):
                out = Kernels.gaussianBlur(x[0], sigma: sigma, truncate: truncate)
            case .maxPerSample: out = Kernels.maxPerSample(x[0])
            }
            precondition(out.shape == node.shape.dims, "reference: '\(node.name)' made \(out.shape), expected \(node.shape)")
            values[node.id] = out
            if retain == .outputs {
                for i in node.inputs where lastReader[i] == node.id && !kept.contains(i) { values[i] = nil }
                if lastReader[node.id] == -1 && !kept.contains(node.id) { values[node.id] = nil }
            }
        }
        return ReferenceResult(graph: graph, values: values, updatedParameters: updated)
    }

}

/// What one forward pass computed.
public struct ReferenceResult: Sendable {
    public let graph: Graph
    /// The value of every node, indexed by node id (nil for intermediates dropped under
    /// `Retention.outputs`).
    public let values: [HostTensor?]
    /// After a forward with `studentBatchNorm: .train`: the new `running_mean` and
    /// `running_var` of every trainable BatchNorm, by state_dict name
    /// (new = (1 - momentum) * old + momentum * batch statistic, the variance unbiased,
    /// n/(n-1) with n = N*H*W). Empty in eval mode. num_batches_tracked (int64) is not
    /// tracked here: PyTorch adds 1 to it per training forward.
    public let updatedParameters: [String: HostTensor]

    /// The value of a named graph output (`t1`, `s3`, `loss_flat`, `amap_smooth`, ...).
    public func output(_ name: String) -> HostTensor? {
        graph.outputs.first { $0.name == name }.flatMap { values[$0.node] }
    }

    /// Every named output that was kept, by name.
    public var outputs: [String: HostTensor] {
        var all: [String: HostTensor] = [:]
        for o in graph.outputs { if let v = values[o.node] { all[o.name] = v } }
        return all
    }

    /// The value of the node with this name (`decoder.layer1.0.conv1`), if kept.
    public func value(ofNode name: String) -> HostTensor? {
        graph.nodes.first { $0.name == name }.flatMap { values[$0.id] }
    }

    /// `parameters` with the updated running statistics substituted: the state after the pass.
    public func parameters(updating parameters: [String: HostTensor]) -> [String: HostTensor] {
        parameters.merging(updatedParameters) { _, new in new }
    }
}

/// Problems found in a graph, its parameters or its input; `problems` names each one.
public struct ReferenceError: Error, CustomStringConvertible, Sendable {
    public var problems: [String]
    public init(problems: [String]) { self.problems = problems }
    public var description: String {
        problems.count == 1 ? problems[0]
            : "\(problems.count) problems:\n" + problems.map { "  - " + $0 }.joined(separator: "\n")
    }
}
