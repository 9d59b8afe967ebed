/// nn.Sequential: children applied in order; a child without a name of its own is named by
/// its index among the modules, as PyTorch does (`downsample.0`, `layer1.1`).
public struct Sequential: Layer {
    public var name: String?
    public var layers: [any Layer]
    /// Index of the first child; > 0 where a module list is split (used vs. `Unused` blocks).
    public var firstIndex: Int

    public init(_ name: String? = nil, firstIndex: Int = 0, @LayerBuilder _ body: () -> [any Layer]) {
        self.name = name; self.firstIndex = firstIndex; layers = body()
    }

    public func build(_ inputs: [TensorRef], in g: GraphContext) throws -> [TensorRef] {
        try g.scoped(name) {
            var x = inputs
            var index = firstIndex
            for layer in layers {
                let own = layer.name == nil && layer.isModule ? String(index) : nil
                x = try g.scoped(own) { try layer.build(x, in: g) }
                if layer.isModule { index += 1 }
            }
            return x
        }
    }
}

/// A named module whose children carry their own names (a block: `conv1`, `bn1`, ...).
public struct Module: Layer {
    public var name: String?
    public var body: Chain

    public init(_ name: String? = nil, @LayerBuilder _ body: () -> [any Layer]) {
        self.name = name; self.body = Chain(body())
    }

    public func build(_ inputs: [TensorRef], in g: GraphContext) throws -> [TensorRef] {
        try g.scoped(name) { try body.build(inputs, in: g) }
    }
}

/// out = body(x) + shortcut(x); an empty shortcut is the identity. The two paths must agree
/// in shape: a mismatch names the block and both shapes.
public struct Residual: UnaryLayer {
    public var body: Chain
    public var shortcut: Chain

    public init(@LayerBuilder _ body: () -> [any Layer],
                @LayerBuilder shortcut: () -> [any Layer] = { [] }) {
        self.body = Chain(body()); self.shortcut = Chain(shortcut())
    }

    public func build(_ x: TensorRef, in g: GraphContext) throws -> TensorRef {
        let main = try body.build([x], in: g)
        let skip = try shortcut.build([x], in: g)
        guard main.count == 1, skip.count == 1 else { throw g.error("residual paths must give one tensor each") }
        guard main[0].shape == skip[0].shape else {
            throw g.error("residual add: body gives \(main[0].shape) but shortcut gives \(skip[0].shape)")
        }
        return try g.node(.add, [main[0], skip[0]], suffix: "add")
    }
}

/// Names the tensor flowing past as a graph output; passes it on unchanged.
public struct Tap: Layer {
    public var output: String
    public init(_ output: String) { self.output = output }
    public var isModule: Bool { false }

    public func build(_ inputs: [TensorRef], in g: GraphContext) throws -> [TensorRef] {
        guard inputs.count == 1 else { throw g.error("Tap('\(output)') needs one tensor, got \(inputs.count)") }
        try g.name(inputs[0], as: output)
        return inputs
    }
}

/// Takes the `index`-th of several incoming tensors through `body` (one path of a fusion).
public struct Branch: Layer {
    public var index: Int
    public var body: Chain
    public var isModule: Bool { false }

    public init(_ index: Int, @LayerBuilder _ body: () -> [any Layer] = { [] }) {
        self.index = index; self.body = Chain(body())
    }

    public func build(_ inputs: [TensorRef], in g: GraphContext) throws -> [TensorRef] {
        guard inputs.indices.contains(index) else {
            throw g.error("Branch(\(index)) but only \(inputs.count) tensors come in")
        }
        return try body.build([inputs[index]], in: g)
    }
}

/// Runs every child on the same incoming tensors and concatenates their results along channels.
public struct Concat: Layer {
    public var branches: [any Layer]
    public var isModule: Bool { false }

    public init(@LayerBuilder _ branches: () -> [any Layer]) { self.branches = branches() }

    public func build(_ inputs: [TensorRef], in g: GraphContext) throws -> [TensorRef] {
        let parts = try branches.flatMap { try $0.build(inputs, in: g) }
        guard let first = parts.first else { throw g.error("concat of nothing") }
        for p in parts where p.shape.rank != 4 || p.shape.n != first.shape.n
            || p.shape.h != first.shape.h || p.shape.w != first.shape.w {
            throw g.error("concat: \(p.shape) does not fit \(first.shape) (all but channels must agree)")
        }
        return [try g.node(.concat, parts, suffix: "concat")]
    }
}

/// Modules that exist in the checkpoints but not in the forward pass (OCBE's conv4/bn4, the
/// teacher's layer4 and classifier): their parameters are declared, with shapes inferred as
/// usual, so loading a checkpoint finds every key; no node is emitted.
public struct Unused: Layer {
    public var body: Chain
    public init(@LayerBuilder _ body: () -> [any Layer]) { self.body = Chain(body()) }

    public func build(_ inputs: [TensorRef], in g: GraphContext) throws -> [TensorRef] {
        _ = try g.declaringOnly { try body.build(inputs, in: g) }
        return inputs
    }
}

/// nn.Linear over channels, for classifier heads that are declared but unused.
public struct Linear: UnaryLayer {
    public var name: String?
    public var outFeatures: Int
    public init(_ name: String? = nil, _ outFeatures: Int) { self.name = name; self.outFeatures = outFeatures }

    public func build(_ x: TensorRef, in g: GraphContext) throws -> TensorRef {
        guard g.isDeclaringOnly else { throw g.error("Linear is only supported inside Unused") }
        try g.parameter(.weight, Shape(outFeatures, x.shape.c))
        try g.parameter(.bias, Shape(outFeatures))
        return TensorRef(node: -1, shape: Shape(x.shape.n, outFeatures, 1, 1))
    }
}
