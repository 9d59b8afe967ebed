import Imaging

/// Where an item's pixels come from: a PNG file, or pixels already in memory (MNIST's idx
/// files hold all images in one file; they are decoded when the dataset is opened).
public enum ImageSource: Equatable, Sendable {
    case file(String)
    case memory(Image)
}

/// One image of a dataset.
public struct DatasetItem: Equatable, Sendable {
    /// The item's path relative to the dataset root (MVTec: "test/scratch/007.png"); what
    /// evaluation writes into scores.csv. Idx items are "t10k-images-idx3-ubyte#00042".
    public var name: String
    public var source: ImageSource
    /// 0 normal, 1 anomalous.
    public var label: Int
    /// MVTec's test folder name ("good" for normal images), "normal"/"anomalous" for plain
    /// folders, the class number for MNIST, "good"/"defective" for ELPV.
    public var defectType: String
    /// The ground-truth mask, when the dataset has one for this item. Normal items never
    /// have one: their mask is all zeros.
    public var maskPath: String?

    public init(name: String, source: ImageSource, label: Int, defectType: String, maskPath: String? = nil) {
        self.name = name
        self.source = source
        self.label = label
        self.defectType = defectType
        self.maskPath = maskPath
    }

    public var isAnomalous: Bool { label != 0 }

    /// The file to name in messages: the PNG's path, or the item's name for in-memory pixels.
    public var path: String {
        switch source {
        case .file(let path): return path
        case .memory: return name
        }
    }
}

/// The supported dataset layouts.
public enum DatasetLayout: String, CaseIterable, Sendable {
    /// MVTec AD category: train/good/*.png, test/<type>/*.png, ground_truth/<type>/<name>_mask.png.
    case mvtec
    /// Plain folders: train/*.png, test/normal/*.png, test/anomalous/*.png, optional masks/.
    case folder
    /// MNIST or Fashion-MNIST idx files, one class as normal.
    case mnist
    /// ELPV solar cells (labels.csv + images/).
    case elpv
}

/// A dataset listed (not yet loaded): normal training images and labelled test images.
public struct Dataset: Equatable, Sendable {
    public var layout: DatasetLayout
    /// The folder the item names are relative to.
    public var root: String
    /// Normal images only.
    public var train: [DatasetItem]
    public var test: [DatasetItem]
    /// True when the anomalous test items have ground-truth masks, so that pixel metrics
    /// (pixel AUROC, PRO) can be computed; normal test items count as all-zero masks.
    public var hasMasks: Bool
    /// Things the user should know: masks absent (pixel metrics skipped), subsets taken,
    /// folders ignored. One sentence each.
    public var notes: [String]

    public init(layout: DatasetLayout, root: String, train: [DatasetItem], test: [DatasetItem],
                hasMasks: Bool, notes: [String] = []) {
        self.layout = layout
        self.root = root
        self.train = train
        self.test = test
        self.hasMasks = hasMasks
        self.notes = notes
    }

    /// Test items per defect type, in first-seen order.
    public var testCounts: [(defectType: String, count: Int)] {
        var order = [String](), counts = [String: Int]()
        for item in test {
            if counts[item.defectType] == nil { order.append(item.defectType) }
            counts[item.defectType, default: 0] += 1
        }
        return order.map { ($0, counts[$0]!) }
    }

    /// One line: "mvtec /data/bottle: 209 train, 83 test (20 normal, 63 anomalous: ...), masks".
    public var summary: String {
        let normal = test.filter { !$0.isAnomalous }.count
        let types = testCounts.map { "\($0.defectType) \($0.count)" }.joined(separator: ", ")
        return "\(layout.rawValue) \(root): \(train.count) train, \(test.count) test "
            + "(\(normal) normal, \(test.count - normal) anomalous; \(types.isEmpty ? "none" : types)), "
            + (hasMasks ? "with masks" : "no masks")
    }
}
