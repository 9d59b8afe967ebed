/// What to do with the images left over when the count is not a multiple of the batch size.
public enum LastBatchPolicy: String, CaseIterable, Sendable {
    /// Leave them out of this epoch (the default, as PyTorch's `drop_last=True`); with
    /// shuffling, different images are left out each epoch.
    case drop
    /// Fill the last batch up by repeating images from the start of the epoch's order.
    case pad
}

/// Seeded, shuffled mini-batches of a fixed size: the index lists for each epoch.
///
/// Each epoch's order comes from its own SplitMix64 stream of `seed`, so epoch e's batches
/// are the same whether training ran from epoch 0 or resumed from a checkpoint at e.
public struct BatchSchedule: Equatable, Sendable {
    public let count: Int
    public let batchSize: Int
    public let lastBatch: LastBatchPolicy
    public let shuffle: Bool
    public let seed: UInt64

    /// Errors when the policy leaves no batch at all (`drop` with fewer items than a batch).
    public init(count: Int, batchSize: Int, lastBatch: LastBatchPolicy = .drop, shuffle: Bool = true,
                seed: UInt64 = 0) throws {
        guard batchSize >= 1 else { throw DatasetError.invalidOption("batch size \(batchSize) must be at least 1") }
        guard count >= 1 else { throw DatasetError.nothingToTrainOn("no training images to batch") }
        if lastBatch == .drop && count < batchSize {
            throw DatasetError.nothingToTrainOn(
                "\(count) training image\(count == 1 ? "" : "s") cannot fill one batch of \(batchSize) when the last "
                    + "partial batch is dropped: use a batch size of at most \(count), or pad the last batch")
        }
        self.count = count
        self.batchSize = batchSize
        self.lastBatch = lastBatch
        self.shuffle = shuffle
        self.seed = seed
    }

    /// Batches per epoch.
    public var batchesPerEpoch: Int {
        lastBatch == .drop ? count / batchSize : (count + batchSize - 1) / batchSize
    }

    /// The order of the items in `epoch` (a permutation of 0..<count).
    public func order(epoch: Int) -> [Int] {
        let identity = Array(0..<count)
        guard shuffle else { return identity }
        var generator = SplitMix64.stream(seed: seed, UInt64(truncatingIfNeeded: epoch))
        return identity.seededShuffle(using: &generator)
    }

    /// The batches of `epoch`: `batchesPerEpoch` lists of `batchSize` item indices.
    public func batches(epoch: Int) -> [[Int]] {
        let order = order(epoch: epoch)
        var batches = [[Int]]()
        for b in 0..<batchesPerEpoch {
            var batch = Array(order[(b * batchSize)..<min((b + 1) * batchSize, count)])
            // Padding cycles through the epoch's order (more than once if count < batchSize).
            var next = 0
            while batch.count < batchSize {
                batch.append(order[next % count])
                next += 1
            }
            batches.append(batch)
        }
        return batches
    }
}
