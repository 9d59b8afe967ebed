/// A piece of a model. `build` appends its nodes to the context and maps the incoming
/// tensors to the outgoing ones (most layers take and give exactly one).
public protocol Layer {
    func build(_ inputs: [TensorRef], in g: GraphContext) throws -> [TensorRef]
    /// The PyTorch module name; nil for layers that take their name from their place in a
    /// `Sequential` (its index) or need none.
    var name: String? { get }
    /// False for layers that are not modules in PyTorch (taps): `Sequential` does not number them.
    var isModule: Bool { get }
}

extension Layer {
    public var name: String? { nil }
    public var isModule: Bool { true }
}

/// Layers that map one tensor to one tensor implement this instead of `build`.
public protocol UnaryLayer: Layer {
    func build(_ x: TensorRef, in g: GraphContext) throws -> TensorRef
}

extension UnaryLayer {
    public func build(_ inputs: [TensorRef], in g: GraphContext) throws -> [TensorRef] {
        guard inputs.count == 1 else {
            throw g.error("\(type(of: self)) takes one tensor, got \(inputs.count)")
        }
        return [try g.scoped(name) { try build(inputs[0], in: g) }]
    }
}

@resultBuilder
public enum LayerBuilder {
    public static func buildExpression(_ layer: any Layer) -> [any Layer] { [layer] }
    public static func buildExpression(_ layers: [any Layer]) -> [any Layer] { layers }
    public static func buildBlock(_ parts: [any Layer]...) -> [any Layer] { parts.flatMap { $0 } }
    public static func buildOptional(_ part: [any Layer]?) -> [any Layer] { part ?? [] }
    public static func buildEither(first: [any Layer]) -> [any Layer] { first }
    public static func buildEither(second: [any Layer]) -> [any Layer] { second }
    public static func buildArray(_ parts: [[any Layer]]) -> [any Layer] { parts.flatMap { $0 } }
}

/// Layers applied one after another, without names of their own.
public struct Chain: Layer {
    public var layers: [any Layer]
    public init(_ layers: [any Layer]) { self.layers = layers }
    public init(@LayerBuilder _ body: () -> [any Layer]) { layers = body() }

    public func build(_ inputs: [TensorRef], in g: GraphContext) throws -> [TensorRef] {
        try layers.reduce(inputs) { x, layer in try layer.build(x, in: g) }
    }
}
