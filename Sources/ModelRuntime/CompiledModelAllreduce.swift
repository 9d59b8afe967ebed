// STUB, to be deleted at the merge with the compiler side (issue 17): CompiledModel.swift's
// real setAllreduce/clearAllreduce replace these. Until then they do nothing, so a library
// trains as one process on each rank and data-parallel ranks diverge (the equality tests fail).

extension CompiledModel {
    /// Stub of the reduction hook: does nothing (see the file's header).
    public func setAllreduce(ranks: Int, _ sum: @escaping (UnsafeMutableRawPointer, Int, Int) -> Void) {}

    /// Stub of the reduction hook: does nothing (see the file's header).
    public func clearAllreduce() {}
}
