/// A tensor while the graph is being built: the node that computes it and its shape.
public struct TensorRef: Sendable {
    public let node: Int
    public let shape: Shape
}

/// The mutable state of one graph under construction: nodes and parameters so far, the
/// current layer path and role, and the named outputs. Layers append to it in `build`.
public final class GraphContext {
    public private(set) var nodes: [Node] = []
    public private(set) var parameters: [Parameter] = []
    public private(set) var outputs: [Graph.NamedOutput] = []
    private var scope: [String] = []
    private var nodeNames: Set<String> = []
    private var parameterIndex: [String: Int] = [:]
    /// Inside `Unused` layers declare parameters but emit no nodes.
    private var declareOnlyDepth = 0
    public private(set) var role: Role = .input

    public init() {}

    /// The dotted path of the layer being built, e.g. `decoder.layer1.0`.
    public var path: String { scope.joined(separator: ".") }
    public var isDeclaringOnly: Bool { declareOnlyDepth > 0 }

    public func error(_ message: String) -> GraphError { GraphError(path: path, message) }

    public func scoped<T>(_ name: String?, _ body: () throws -> T) rethrows -> T {
        guard let name, !name.isEmpty else { return try body() }
        scope.append(name)
        defer { scope.removeLast() }
        return try body()
    }

    public func inRole<T>(_ role: Role, _ body: () throws -> T) rethrows -> T {
        let outer = self.role
        self.role = role
        defer { self.role = outer }
        return try body()
    }

    public func declaringOnly<T>(_ body: () throws -> T) rethrows -> T {
        declareOnlyDepth += 1
        defer { declareOnlyDepth -= 1 }
        return try body()
    }

    /// Registers a parameter `<path>.<kind>` of the current role.
    @discardableResult
    public func parameter(_ kind: ParameterKind, _ shape: Shape) throws -> String {
        let name = path.isEmpty ? kind.rawValue : "\(path).\(kind.rawValue)"
        if parameterIndex[name] != nil { throw error("parameter '\(name)' is declared twice") }
        parameterIndex[name] = parameters.count
        parameters.append(Parameter(name: name, shape: shape, kind: kind, role: role,
                                    used: !isDeclaringOnly))
        return name
    }

    /// Appends a node named after the current path (plus `suffix` for parameterless ops,
    /// made unique with `_1`, `_2`...), its shape given by the op's contract (`OpContract`).
    /// In declare-only mode nothing is appended.
    public func node(_ op: Op, _ inputs: [TensorRef], params: [String] = [], suffix: String? = nil) throws -> TensorRef {
        let shape: Shape
        do throws(ShapeRuleError) {
            guard let dims = try op.outputShape(inputs.map(\.shape.dims)) else { throw ShapeRuleError("has no input shapes") }
            shape = Shape(dims)
        } catch {
            throw self.error("\(op.kind) \(error.message)")
        }
        return append(op, inputs, shape: shape, params: params, suffix: suffix)
    }

    /// Appends an input node (the image batch).
    public func input(_ shape: Shape, suffix: String = "input") -> TensorRef {
        append(.input, [], shape: shape, params: [], suffix: suffix)
    }

    private func append(_ op: Op, _ inputs: [TensorRef], shape: Shape, params: [String], suffix: String?) -> TensorRef {
        if isDeclaringOnly { return TensorRef(node: -1, shape: shape) }
        var name = [path, suffix].compactMap { $0?.isEmpty == false ? $0 : nil }.joined(separator: ".")
        if name.isEmpty { name = op.kind }
        if nodeNames.contains(name) {
            var k = 1
            while nodeNames.contains("\(name)_\(k)") { k += 1 }
            name = "\(name)_\(k)"
        }
        nodeNames.insert(name)
        let id = nodes.count
        nodes.append(Node(id: id, name: name, op: op, inputs: inputs.map(\.node), shape: shape,
                          role: role, params: params))
        return TensorRef(node: id, shape: shape)
    }

    /// Names a tensor as a graph output (a feature tap, a loss, a map).
    public func name(_ t: TensorRef, as name: String) throws {
        if isDeclaringOnly { return }
        if outputs.contains(where: { $0.name == name }) { throw error("output '\(name)' is named twice") }
        outputs.append(Graph.NamedOutput(name: name, node: t.node))
    }

    public func output(named name: String) -> TensorRef? {
        outputs.first { $0.name == name }.map { TensorRef(node: $0.node, shape: nodes[$0.node].shape) }
    }

    public func graph(name: String) -> Graph {
        Graph(name: name, nodes: nodes, parameters: parameters, outputs: outputs)
    }
}
