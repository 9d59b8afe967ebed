import Distributed
import Foundation

// Every collective of the Communicator on values whose result is known, run under
// `mpirun -np N` by Tests/EndToEndTests/CommunicatorCheckTests.swift. A wrong result aborts
// the job naming the check; rank 0 prints one line when all hold.
let world = try Launch.communicator()
let rank = world.rank, ranks = world.size
@MainActor func expect(_ holds: Bool, _ what: String) { if !holds { world.abort("wrong: \(what)") } }
let rankSum = Double(ranks * (ranks + 1) / 2)  // the sum of rank + 1 over the ranks

var doubles = (0..<1000).map { Double($0) * Double(rank + 1) }
try doubles.withUnsafeMutableBufferPointer { try world.allreduceSum($0) }
expect(doubles == (0..<1000).map { Double($0) * rankSum }, "allreduceSum of Double")

var floats = [Float](repeating: Float(rank + 1), count: 1 << 22)  // 16 MiB, a ResNet18 decoder's gradients
let started = Date()
try floats.withUnsafeMutableBufferPointer { try world.allreduceSum($0) }
let milliseconds = Date().timeIntervalSince(started) * 1000
expect(floats.allSatisfy { $0 == Float(rankSum) }, "allreduceSum of Float")

let last = ranks - 1
expect(try world.broadcast(rank == last ? Array("from rank \(last)".utf8) : [], root: last) == Array("from rank \(last)".utf8),
       "broadcast from the last rank")
expect(try world.allGather([UInt8(rank)]) == (0..<ranks).map { [UInt8($0)] }, "allGather")

do {
    try world.checkAgreement(on: ["same on every rank", "rank \(rank == last ? "last" : "other")"])
    expect(ranks == 1, "ranks with different facts agreed")
} catch {
    let said = "\(error)"
    expect(ranks > 1 && (rank == last ? said.contains("rank \(last) started with rank last where rank 0 has rank other")
                                      : said.contains("rank \(last) started differently")), "disagreement: \(said)")
}
try world.barrier()
try world.finalize()
if rank == 0 { print("communicator: \(ranks) ranks, every check holds; allreduce of 16 MiB of Float in \(Int(milliseconds)) ms") }
