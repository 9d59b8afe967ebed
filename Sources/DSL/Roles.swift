/// One of RD4AD's three parts. Its nodes and parameters carry the role; its parameter
/// names start with `prefix` (none for the teacher: torchvision names; `bn` for the OCBE
/// and `decoder` for the decoder, as in the official checkpoints). A role with `outputs`
/// gives those taps, in that order, instead of its last tensor.
public struct RolePart: Layer {
    public var role: Role
    public var prefix: String?
    public var outputs: [String]?
    public var body: Chain
    public var isModule: Bool { false }

    public func build(_ inputs: [TensorRef], in g: GraphContext) throws -> [TensorRef] {
        try g.inRole(role) {
            try g.scoped(prefix) {
                let last = try body.build(inputs, in: g)
                guard let outputs else { return last }
                return try outputs.map { name in
                    guard let t = g.output(named: name) else {
                        throw g.error("\(role.rawValue) should give '\(name)' but no Tap names it")
                    }
                    return t
                }
            }
        }
    }
}

/// The frozen, pretrained encoder; gives the features to be restored.
public func Teacher(outputs: [String] = ["t1", "t2", "t3"], @LayerBuilder _ body: () -> [any Layer]) -> RolePart {
    RolePart(role: .teacher, prefix: nil, outputs: outputs, body: Chain(body()))
}

/// The trainable one-class bottleneck embedding (`bn.*` in the official checkpoints).
public func OCBE(_ prefix: String = "bn", @LayerBuilder _ body: () -> [any Layer]) -> RolePart {
    RolePart(role: .ocbe, prefix: prefix, outputs: nil, body: Chain(body()))
}

/// The trainable student decoder (`decoder.*`); gives its features highest resolution first.
public func Decoder(_ prefix: String = "decoder", outputs: [String] = ["s1", "s2", "s3"],
                    @LayerBuilder _ body: () -> [any Layer]) -> RolePart {
    RolePart(role: .decoder, prefix: prefix, outputs: outputs, body: Chain(body()))
}
