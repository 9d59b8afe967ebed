import Foundation

/// How ELPV's solar cells are split into a one-class demo.
public struct ELPVSplit: Equatable, Sendable {
    public enum CellType: String, CaseIterable, Sendable { case mono, poly, all }

    /// Which cells take part (the two kinds look very different; the demo uses mono).
    public var cellType: CellType
    /// The share of defect-free cells held out of training to be the normal test images.
    public var heldOutFraction: Double
    /// Seeds the shuffle that picks the held-out cells.
    public var seed: UInt64

    public init(cellType: CellType = .mono, heldOutFraction: Double = 0.2, seed: UInt64 = 0) {
        self.cellType = cellType
        self.heldOutFraction = heldOutFraction
        self.seed = seed
    }
}

extension Dataset {
    /// Where the elpv-dataset Python package is installed by the project's dependency
    /// script: `<packageRoot>/.deps/elpv_dataset/data`.
    public static func elpvInstalledRoot(packageRoot: String) -> String {
        FileListing.join(packageRoot, ".deps", "elpv_dataset", "data")
    }

    /// The ELPV solar cell dataset (Buerhop-Lutz et al.): `ROOT/labels.csv` lists
    /// `images/cellNNNN.png  <defect probability>  <mono|poly>` per line (whitespace
    /// separated); the images are 300x300 8-bit gray.
    ///
    /// Split: cells of `split.cellType` only. The defect-free ones (probability 0) are
    /// shuffled with SplitMix64(seed) and the first round(n * heldOutFraction) are held
    /// out; train = the rest. Test = the held-out defect-free cells (label 0, "good") plus
    /// every certainly defective cell (probability 1, label 1, "defective"). Cells rated
    /// 1/3 or 2/3 are left out. Both lists keep labels.csv's order. No masks.
    /// For a shorter demo, take a `subset(fraction:seed:)` or `limited(train:test:seed:)`.
    public static func elpv(root: String, split: ELPVSplit = ELPVSplit()) throws -> Dataset {
        let root = FileListing.join(root)
        guard split.heldOutFraction > 0 && split.heldOutFraction < 1 else {
            throw DatasetError.invalidOption("ELPV held-out fraction \(split.heldOutFraction) must be between 0 and 1")
        }
        let labelsPath = FileListing.join(root, "labels.csv")
        let cells = try ELPVLabels.read(labelsPath)
            .filter { split.cellType == .all || $0.type == split.cellType.rawValue }
        for cell in cells where cell.probability == 0 || cell.probability == 1 {
            guard FileListing.isFile(FileListing.join(root, cell.path)) else {
                throw DatasetError.missing(path: FileListing.join(root, cell.path),
                                           expected: "listed on line \(cell.line) of \(labelsPath)")
            }
        }
        let normal = cells.indices.filter { cells[$0].probability == 0 }
        let heldOutCount = Int((Double(normal.count) * split.heldOutFraction).rounded())
        guard heldOutCount >= 1 && heldOutCount < normal.count else {
            throw DatasetError.invalidOption("ELPV: \(normal.count) defect-free \(split.cellType.rawValue) cells in "
                                             + "\(labelsPath) cannot be split \(1 - split.heldOutFraction)/"
                                             + "\(split.heldOutFraction) into train and test")
        }
        var generator = SplitMix64(seed: split.seed)
        let heldOut = Set(normal.seededShuffle(using: &generator).prefix(heldOutCount))

        func item(_ index: Int, label: Int) -> DatasetItem {
            DatasetItem(name: cells[index].path, source: .file(FileListing.join(root, cells[index].path)),
                        label: label, defectType: label == 0 ? "good" : "defective")
        }
        let train = normal.filter { !heldOut.contains($0) }.map { item($0, label: 0) }
        let test = cells.indices.compactMap { i -> DatasetItem? in
            if heldOut.contains(i) { return item(i, label: 0) }
            return cells[i].probability == 1 ? item(i, label: 1) : nil
        }
        let skipped = cells.filter { $0.probability != 0 && $0.probability != 1 }.count
        let notes = [
            "ELPV has no masks: pixel metrics (pixel AUROC, PRO) are skipped",
            "ELPV split (\(split.cellType.rawValue) cells, seed \(split.seed)): \(train.count) defect-free cells "
                + "for training; test = \(heldOutCount) held-out defect-free + \(test.count - heldOutCount) "
                + "defective (probability 1); \(skipped) uncertain cells (probability 1/3, 2/3) left out",
        ]
        return Dataset(layout: .elpv, root: root, train: train, test: test, hasMasks: false, notes: notes)
    }
}

enum ELPVLabels {
    struct Cell {
        var path: String
        var probability: Double
        var type: String
        var line: Int
    }

    static func read(_ path: String) throws -> [Cell] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw DatasetError.missing(path: path, expected: "ELPV needs labels.csv (lines \"images/cellNNNN.png "
                                       + "<defect probability> <mono|poly>\") next to images/")
        }
        var cells = [Cell]()
        // isNewline: Swift reads a CRLF as one Character, which a split at "\n" would not cut.
        for (n, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            if fields.isEmpty { continue }
            guard fields.count == 3 else {
                throw DatasetError.badLabels(path: path, line: n + 1,
                                             problem: "expected 3 fields (image, probability, type), found \(fields.count)")
            }
            guard let probability = Double(fields[1]), probability >= 0, probability <= 1 else {
                throw DatasetError.badLabels(path: path, line: n + 1, problem: "defect probability \"\(fields[1])\" is not in [0, 1]")
            }
            let type = String(fields[2])
            guard type == "mono" || type == "poly" else {
                throw DatasetError.badLabels(path: path, line: n + 1, problem: "cell type \"\(type)\" is not mono or poly")
            }
            cells.append(Cell(path: String(fields[0]), probability: probability, type: type, line: n + 1))
        }
        guard !cells.isEmpty else { throw DatasetError.badLabels(path: path, line: 1, problem: "no cells listed") }
        return cells
    }
}
