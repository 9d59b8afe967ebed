import Datasets
import Testing

struct BatchTests {
    @Test func splitMix64MatchesTheReferenceSequence() {
        // Reference values of SplitMix64 for seed 1234567 (from the published C code).
        var generator = SplitMix64(seed: 1_234_567)
        #expect(generator.next() == 6_457_827_717_110_365_317)
        #expect(generator.next() == 3_203_168_211_198_807_973)
        #expect(generator.next() == 9_817_491_932_198_370_423)
    }

    @Test func seededShuffleIsAPermutationAndRepeatable() {
        var a = SplitMix64(seed: 7), b = SplitMix64(seed: 7), c = SplitMix64(seed: 8)
        let x = Array(0..<50).seededShuffle(using: &a)
        #expect(x.sorted() == Array(0..<50))
        #expect(x == Array(0..<50).seededShuffle(using: &b))
        #expect(x != Array(0..<50).seededShuffle(using: &c))
        #expect(x != Array(0..<50))
    }

    @Test func dropPolicyLeavesTheRemainderOut() throws {
        let schedule = try BatchSchedule(count: 10, batchSize: 4, seed: 3)
        #expect(schedule.lastBatch == .drop && schedule.batchesPerEpoch == 2)
        let batches = schedule.batches(epoch: 0)
        #expect(batches.count == 2 && batches.allSatisfy { $0.count == 4 })
        #expect(Set(batches.joined()).count == 8)
        #expect(schedule.batches(epoch: 0) == batches)                 // repeatable
        #expect(schedule.batches(epoch: 1) != batches)                 // reshuffled each epoch
        #expect(try BatchSchedule(count: 10, batchSize: 4, seed: 3).batches(epoch: 5) == schedule.batches(epoch: 5))
        #expect(try BatchSchedule(count: 10, batchSize: 4, seed: 4).batches(epoch: 0) != batches)
    }

    @Test func padPolicyRepeatsFromTheStart() throws {
        let schedule = try BatchSchedule(count: 10, batchSize: 4, lastBatch: .pad, seed: 3)
        let order = schedule.order(epoch: 2)
        let batches = schedule.batches(epoch: 2)
        #expect(batches.count == 3)
        #expect(batches[2] == [order[8], order[9], order[0], order[1]])
        #expect(Set(batches.joined()) == Set(0..<10))
        let tiny = try BatchSchedule(count: 3, batchSize: 8, lastBatch: .pad, shuffle: false)
        #expect(tiny.batches(epoch: 0) == [[0, 1, 2, 0, 1, 2, 0, 1]])
    }

    @Test func unshuffledBatchesAreInOrder() throws {
        let schedule = try BatchSchedule(count: 6, batchSize: 3, shuffle: false)
        #expect(schedule.batches(epoch: 4) == [[0, 1, 2], [3, 4, 5]])
    }

    @Test func tooFewImagesForOneBatchIsAnError() throws {
        let error = try #require(throws: DatasetError.self) { try BatchSchedule(count: 3, batchSize: 8) }
        #expect(String(describing: error).contains("batch size of at most 3"))
        #expect(throws: DatasetError.self) { try BatchSchedule(count: 3, batchSize: 0) }
    }
}
