import Foundation

extension DatasetLayout {
    /// Detects the layout of `root`: MVTec when train/good/ exists, else plain folder when
    /// train/ exists, else MNIST when train-images-idx3-ubyte (or its .gz, which then gives
    /// a clear error) exists, else ELPV when labels.csv and images/ exist.
    public static func detect(root: String) throws -> DatasetLayout {
        let root = FileListing.join(root)
        if FileListing.isFile(root) { throw DatasetError.notAFolder(path: root) }
        guard FileListing.isDirectory(root) else {
            throw DatasetError.missing(path: root, expected: "the dataset folder does not exist")
        }
        if FileListing.isDirectory(FileListing.join(root, "train", "good")) { return .mvtec }
        // An MVTec category whose train/ lost good/ must not pass for a plain folder: its
        // test/good/ or ground_truth/ say what it is (and the MVTec reader names what is missing).
        if FileListing.isDirectory(FileListing.join(root, "train")),
           FileListing.isDirectory(FileListing.join(root, "test", "good"))
            || FileListing.isDirectory(FileListing.join(root, "ground_truth")) {
            return .mvtec
        }
        if FileListing.isDirectory(FileListing.join(root, "train")) { return .folder }
        let idx = ["train-images-idx3-ubyte", "train-images.idx3-ubyte"]
        if idx.contains(where: { FileListing.isFile(FileListing.join(root, $0))
                                 || FileListing.isFile(FileListing.join(root, $0 + ".gz")) }) {
            return .mnist
        }
        if FileListing.isFile(FileListing.join(root, "labels.csv")) && FileListing.isDirectory(FileListing.join(root, "images")) {
            return .elpv
        }
        let found = try FileListing.entries(root).map { FileListing.isDirectory(FileListing.join(root, $0)) ? $0 + "/" : $0 }
        // An MVTec root (one folder per category) is the likeliest slip: name a category.
        if let category = found.first(where: { FileListing.isDirectory(FileListing.join(root, $0, "train", "good")) }) {
            throw DatasetError.missing(path: FileListing.join(root, "train"),
                                       expected: "\(root) looks like the MVTec AD root; pass one category folder, "
                                           + "e.g. \(FileListing.join(root, String(category.dropLast())))")
        }
        throw DatasetError.unknownLayout(root: root, found: found)
    }
}

/// How to open a dataset folder.
public struct DatasetOptions: Equatable, Sendable {
    /// nil: detect (`DatasetLayout.detect`).
    public var layout: DatasetLayout?
    /// MNIST: the normal class (required for the mnist layout).
    public var normalClass: Int?
    /// ELPV: the split.
    public var elpvSplit: ELPVSplit
    /// Keep at most this many training / test images (`Dataset.limited`), nil: all.
    public var trainLimit: Int?
    public var testLimit: Int?
    /// Seeds the subset taken by the limits.
    public var seed: UInt64

    public init(layout: DatasetLayout? = nil, normalClass: Int? = nil, elpvSplit: ELPVSplit = ELPVSplit(),
                trainLimit: Int? = nil, testLimit: Int? = nil, seed: UInt64 = 0) {
        self.layout = layout
        self.normalClass = normalClass
        self.elpvSplit = elpvSplit
        self.trainLimit = trainLimit
        self.testLimit = testLimit
        self.seed = seed
    }
}

extension Dataset {
    /// Lists the dataset at `root` in the given (or detected) layout, then applies the limits.
    public static func open(root: String, options: DatasetOptions = DatasetOptions()) throws -> Dataset {
        let layout = try options.layout ?? DatasetLayout.detect(root: root)
        var dataset: Dataset
        switch layout {
        case .mvtec: dataset = try mvtec(root: root)
        case .folder: dataset = try folder(root: root)
        case .elpv: dataset = try elpv(root: root, split: options.elpvSplit)
        case .mnist:
            guard let normalClass = options.normalClass else {
                throw DatasetError.invalidOption("\(root) holds MNIST idx files: choose the normal class "
                                                 + "(one-class novelty detection), e.g. 0")
            }
            dataset = try mnist(root: root, normalClass: normalClass)
        }
        if layout != .mnist && options.normalClass != nil {
            dataset.notes.append("the normal class option applies to MNIST idx data only; ignored for \(layout.rawValue)")
        }
        if options.trainLimit != nil || options.testLimit != nil {
            dataset = try dataset.limited(train: options.trainLimit, test: options.testLimit, seed: options.seed)
        }
        return dataset
    }

    /// A seeded subset keeping at most `train` training and `test` test items (nil: all).
    /// Test items are taken per label in proportion (each label present keeps at least one
    /// item when `test` >= 2), so both normal and anomalous images remain. The items kept
    /// stay in their original order. Adds a note saying what was kept.
    public func limited(train trainLimit: Int?, test testLimit: Int?, seed: UInt64) throws -> Dataset {
        if let t = trainLimit, t < 1 { throw DatasetError.invalidOption("training limit \(t) must be at least 1") }
        if let t = testLimit, t < 0 { throw DatasetError.invalidOption("test limit \(t) must not be negative") }
        var result = self
        var generator = SplitMix64.stream(seed: seed, 0)
        if let t = trainLimit, t < train.count {
            let kept = Set(Array(train.indices).seededShuffle(using: &generator).prefix(t))
            result.train = train.indices.filter(kept.contains).map { train[$0] }
        }
        generator = SplitMix64.stream(seed: seed, 1)
        if let t = testLimit, t < test.count {
            let normal = test.indices.filter { !test[$0].isAnomalous }
            let anomalous = test.indices.filter { test[$0].isAnomalous }
            var normalCount = Int((Double(t) * Double(normal.count) / Double(test.count)).rounded())
            if t >= 2 && !normal.isEmpty && !anomalous.isEmpty { normalCount = min(max(normalCount, 1), t - 1) }
            normalCount = min(normalCount, normal.count)
            let anomalousCount = min(t - normalCount, anomalous.count)
            let kept = Set(normal.seededShuffle(using: &generator).prefix(normalCount))
                .union(anomalous.seededShuffle(using: &generator).prefix(anomalousCount))
            result.test = test.indices.filter(kept.contains).map { test[$0] }
        }
        if result.train.count != train.count || result.test.count != test.count {
            result.notes.append("subset (seed \(seed)): \(result.train.count) of \(train.count) training images, "
                                + "\(result.test.count) of \(test.count) test images")
        }
        return result
    }

    /// A seeded subset keeping `fraction` (0 < fraction <= 1, rounded, at least one) of the
    /// training and of the test items, in the manner of `limited`.
    public func subset(fraction: Double, seed: UInt64) throws -> Dataset {
        guard fraction > 0 && fraction <= 1 else {
            throw DatasetError.invalidOption("subset fraction \(fraction) must be in (0, 1]")
        }
        let trainCount = max(1, Int((Double(train.count) * fraction).rounded()))
        let testCount = test.isEmpty ? 0 : max(min(2, test.count), Int((Double(test.count) * fraction).rounded()))
        return try limited(train: trainCount, test: testCount, seed: seed)
    }
}
