extension Communicator {
    /// Checks that every rank was started the same way: rank 0 sends `lines` (arguments,
    /// model digest, dataset listing... one fact per line), every rank compares them with its
    /// own, and every rank learns which ranks differ. Throws on every rank if one does: a
    /// differing rank names its first differing line, the others name the differing ranks.
    public func checkAgreement(on lines: [String]) throws {
        func split(_ text: String) -> [String] { text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
        let own = lines.joined(separator: "\n")
        let reference = split(String(decoding: try broadcast(Array(own.utf8), root: 0), as: UTF8.self))
        let lines = split(own)  // a line holding a newline compares as rank 0's does
        var differs = [Double](repeating: 0, count: size)
        differs[rank] = reference == lines ? 0 : 1
        try differs.withUnsafeMutableBufferPointer { try allreduceSum($0) }
        let differing = differs.indices.filter { differs[$0] != 0 }
        guard !differing.isEmpty else { return }
        guard differing.contains(rank) else {
            throw CommunicatorError("rank\(differing.count == 1 ? "" : "s") \(differing.map(String.init).joined(separator: ", ")) "
                                    + "started differently from rank 0, so no rank starts (each differing rank says how)")
        }
        let first = zip(lines, reference).first { $0 != $1 }
            ?? (lines.count > reference.count ? (lines[reference.count], "nothing") : ("nothing", reference[lines.count]))
        throw CommunicatorError("rank \(rank) started with \(first.0) where rank 0 has \(first.1); give every rank "
                                + "the same arguments, compiled model and data")
    }
}
