/// A kernel as its emitter makes it: the body and the parameters it reads and writes, named
/// as the body names them, with the buffers the lowering hands over. The names are made
/// together with the body that uses them, so no other file has to match them.
struct KernelCode {
    var args: [Kernel.Arg]
    var body: String
    /// The body sums across processes (rdc_reduce): the kernel takes the context's reducer.
    var usesReducer = false

    init(_ args: [Kernel.Arg], _ body: String) {
        self.args = args
        self.body = body
    }
}

extension Kernel.Arg {
    static func reads(_ name: String, _ buffer: Int) -> Kernel.Arg { Kernel.Arg(name: name, buffer: buffer, writes: false) }
    static func writes(_ name: String, _ buffer: Int) -> Kernel.Arg { Kernel.Arg(name: name, buffer: buffer, writes: true) }
    /// A parameter the kernel writes where `writes`, else reads (an input gradient taken in place).
    static func arg(_ name: String, _ buffer: Int, writes: Bool) -> Kernel.Arg { Kernel.Arg(name: name, buffer: buffer, writes: writes) }
}
