import Datasets
import Foundation
import Testing

struct ELPVTests {
    /// The installed elpv-dataset package (scripts put it in .deps), nil when absent.
    static var installedRoot: String? {
        let packageRoot = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let root = Dataset.elpvInstalledRoot(packageRoot: packageRoot)
        return FileManager.default.fileExists(atPath: root + "/labels.csv") ? root : nil
    }

    @Test func splitOfAWrittenLabelList() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var lines = [String]()
        for i in 1...16 {
            try folder.writeImage(String(format: "e/images/cell%04d.png", i), seed: i)
        }
        // 10 defect-free mono, 3 defective mono, 1 uncertain mono, 2 poly.
        for i in 1...10 { lines.append(String(format: "images/cell%04d.png  0.0                 mono", i)) }
        for i in 11...13 { lines.append(String(format: "images/cell%04d.png  1.0                 mono", i)) }
        lines.append("images/cell0014.png  0.3333333333333333  mono")
        lines.append("images/cell0015.png  0.0  poly")
        lines.append("images/cell0016.png  1.0  poly")
        try folder.writeText("e/labels.csv", lines.joined(separator: "\n") + "\n")
        let root = folder.path + "/e"
        #expect(try DatasetLayout.detect(root: root) == .elpv)
        let dataset = try Dataset.open(root: root)
        #expect(dataset.layout == .elpv && !dataset.hasMasks)
        #expect(dataset.train.count == 8)
        #expect(dataset.test.count == 5)
        #expect(dataset.test.filter(\.isAnomalous).map(\.name) == ["images/cell0011.png", "images/cell0012.png", "images/cell0013.png"])
        #expect(dataset.test.filter { !$0.isAnomalous }.allSatisfy { $0.defectType == "good" })
        let names = Set(dataset.train.map(\.name))
        #expect(names.isDisjoint(with: dataset.test.map(\.name)))
        #expect(names.union(dataset.test.filter { !$0.isAnomalous }.map(\.name))
                == Set((1...10).map { String(format: "images/cell%04d.png", $0) }))
        let all = try Dataset.elpv(root: root, split: ELPVSplit(cellType: .all))
        #expect(all.train.count + all.test.filter { !$0.isAnomalous }.count == 11)
        #expect(all.test.filter(\.isAnomalous).count == 4)
    }

    @Test func badLabelLineIsNamed() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.makeFolder("e/images")
        try folder.writeText("e/labels.csv", "images/cell0001.png 0.0 mono\nimages/cell0002.png maybe mono\n")
        let error = try #require(throws: DatasetError.self) { try Dataset.elpv(root: folder.path + "/e") }
        #expect(message(error).contains(folder.path + "/e/labels.csv, line 2"))
    }

    @Test(.enabled(if: ELPVTests.installedRoot != nil, "elpv-dataset is not installed under .deps"))
    func demoSplitOfTheInstalledData() throws {
        let root = try #require(Self.installedRoot)
        let dataset = try Dataset.elpv(root: root, split: ELPVSplit(seed: 0))
        let heldOut = dataset.test.filter { !$0.isAnomalous }
        let defective = dataset.test.filter(\.isAnomalous)
        print("ELPV mono split, seed 0: \(dataset.train.count) train, \(heldOut.count) held-out normal + "
              + "\(defective.count) defective = \(dataset.test.count) test")
        // labels.csv: 588 defect-free and 313 certainly defective mono cells; 20% of 588 held out.
        #expect(dataset.train.count == 470)
        #expect(heldOut.count == 118)
        #expect(defective.count == 313)
        #expect(Set(dataset.train.map(\.name)).isDisjoint(with: dataset.test.map(\.name)))
        #expect(Set(dataset.train.map(\.name)).count == 470)

        // The same seed gives the same split; another seed another one.
        #expect(try Dataset.elpv(root: root, split: ELPVSplit(seed: 0)) == dataset)
        let other = try Dataset.elpv(root: root, split: ELPVSplit(seed: 1))
        #expect(other.train.count == 470 && other.train != dataset.train)
        #expect(Set(other.train.map(\.name)).isDisjoint(with: other.test.map(\.name)))

        // The cells decode (300x300 gray) and load.
        let loaded = try DatasetLoader(width: 32, height: 32).load(Array(dataset.train.prefix(3)))
        #expect(loaded.images.shape == [3, 3, 32, 32])

        let short = try dataset.subset(fraction: 0.1, seed: 0)
        #expect(short.train.count == 47 && short.test.count == 43)
        #expect(short.test.contains { $0.isAnomalous } && short.test.contains { !$0.isAnomalous })
    }
}
