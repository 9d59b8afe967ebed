import DSL

/// The frozen teacher computed in float64 within a float32 program (Codegen.Options
/// .teacherPrecision). Its features then carry one rounding, to float32, instead of the
/// ~1e-6 that a float32 teacher accumulates (PyTorch's as much as rdc's). That error moves
/// some of the student's pre-activations across a ReLU's kink, and in a BatchNorm whose
/// gradient cancels (sum(dy) much smaller than sum(|dy|)) one such pixel moves the gradient
/// by up to 1e-2 of its largest element: RD4AD-Lite0's float32 gradients were 1e-3 to 6e-2
/// from the truth at 128x128 and up, whether rdc's or PyTorch's teacher ran, and within
/// 5e-6 from float64 features.
///
/// The teacher's kernels read float64 copies of the input and of the parameters (made in
/// the fold phase, as the folded weights are) and write float64 activations and scratch;
/// each teacher value the student reads is narrowed into its float32 tensor at the end of
/// the phase. EmitC writes the fold and teacher kernels as a unit of their own.
struct WideTeacher {
    /// The float64 buffer of each node value and parameter the teacher reads.
    var values: [Int: Int] = [:]
    var parameters: [String: Int] = [:]
    /// Kernels widening the teacher's inputs, run at the start of the teacher phase.
    var widenings: [Int] = []
}

extension ProgramBuilder {
    /// The teacher phase's kernels: widen the input, the teacher in float64, narrow the
    /// features the rest of the model reads.
    func wideTeacher() throws -> [Int] {
        wide = WideTeacher()
        let teacher = try forward(facts.nodes(in: .teacher), training: false).kernels
        let copies = wide!
        wide = nil
        let narrowings = facts.nodes(in: .teacher).filter { facts.persistent[$0] }.compactMap { node in
            copies.values[node].map { convert(node, from: $0, to: storedValue(node), "narrow") }
        }
        return copies.widenings + teacher + narrowings
    }

    /// A node value's float64 buffer in the arena; a value from outside the teacher (the
    /// input) is widened into it first.
    func wideValue(_ node: Int) -> Int {
        if let b = wide!.values[node] { return b }
        let n = graph.nodes[node]
        let b = addBuffer(Buffer(name: "act64." + n.name, shape: n.shape.dims, placement: .arena, isDouble: true))
        wide!.values[node] = b
        if facts.phase[node] != .teacher {
            wide!.widenings.append(convert(node, from: storedValue(node), to: b, "widen"))
        }
        return b
    }

    /// A parameter's float64 copy in the state, made by the fold phase from the loaded one.
    func wideParameter(_ name: String) -> Int {
        if let b = wide!.parameters[name] { return b }
        let source = loaded(name)
        let b = addBuffer(Buffer(name: "wide." + name, shape: program.buffers[source].shape, placement: .state, isDouble: true))
        program.buffers[source].foldInput = true
        wide!.parameters[name] = b
        let reader = graph.nodes.first { $0.params.contains(name) }!.id
        let field = name.split(separator: ".").last.map(String.init) ?? name
        program.phases.fold.append(convert(reader, from: source, to: b, "widen_" + CText.identifier(field)))
        return b
    }

    /// y = x between float32 and float64.
    private func convert(_ node: Int, from source: Int, to target: Int, _ suffix: String) -> Int {
        let (x, y) = (program.buffers[source], program.buffers[target])
        func type(_ b: Buffer) -> String { b.isDouble ? "float64" : program.precision.rawValue }
        return kernel(node, suffix, "\(x.name) \(type(x)) -> \(type(y)) \(CText.shape(y.shape))",
                      code: ElementwiseKernels.convert(y.count, x: source, y: target), flops: 0,
                      family: "elementwise")
    }
}
