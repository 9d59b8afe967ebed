import Datasets
import Distributed

/// The training images one rank of a data-parallel job trains on. The dataset's training
/// list is permuted once, seeded by the run's seed, and the k-th image of the permutation goes
/// to rank k mod N: a fixed share, the same every epoch, so each rank's `FeatureCache` holds
/// only its own images' teacher features. Shares differ by at most one image. Each epoch a rank
/// shuffles its share with its own seed and takes batches of the compiled (per-rank) size.
struct RankShare {
    /// Indices into the dataset's training list, ascending (the order does not matter: every
    /// epoch shuffles it).
    let indices: [Int]
    /// Seeds this rank's per-epoch shuffle. Rank 0 keeps the run's seed, so that a job of one
    /// rank, whose share is every image, trains exactly as rdc alone does.
    let scheduleSeed: UInt64

    /// The stream of the run's seed the permutation is drawn from; epochs draw from streams
    /// 0, 1, 2... (`BatchSchedule`), so they never meet it.
    private static let permutationStream = UInt64.max

    init(imageCount: Int, rank: Int, ranks: Int, seed: UInt64) {
        var generator = SplitMix64.stream(seed: seed, Self.permutationStream)
        let permutation = Array(0..<imageCount).seededShuffle(using: &generator)
        indices = RoundRobin.share(of: permutation, rank: rank, ranks: ranks).sorted()
        scheduleSeed = seed &+ UInt64(rank) &* 0x9E37_79B9_7F4A_7C15
    }
}
