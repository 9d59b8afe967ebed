import Datasets
import Foundation
import Testing

struct MVTecLayoutTests {
    /// train/good 3, test/good 2, test/crack 2, test/scratch 1, with masks.
    func writeCategory(_ folder: TemporaryFolder, masks: Bool = true) throws {
        for i in 0..<3 { try folder.writeImage("cat/train/good/00\(i).png", seed: i) }
        for i in 0..<2 { try folder.writeImage("cat/test/good/00\(i).png", seed: 10 + i) }
        for i in 0..<2 { try folder.writeImage("cat/test/crack/00\(i).png", seed: 20 + i) }
        try folder.writeImage("cat/test/scratch/007.png", seed: 30)
        try folder.writeText("cat/train/good/.DS_Store", "junk")
        if masks {
            for i in 0..<2 { try folder.writeMask("cat/ground_truth/crack/00\(i)_mask.png") }
            try folder.writeMask("cat/ground_truth/scratch/007_mask.png")
        }
    }

    @Test func listsTrainTestAndMasks() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try writeCategory(folder)
        let root = folder.path + "/cat"
        let dataset = try Dataset.mvtec(root: root)
        #expect(dataset.layout == .mvtec)
        #expect(dataset.train.map(\.name) == ["train/good/000.png", "train/good/001.png", "train/good/002.png"])
        #expect(dataset.train.allSatisfy { $0.label == 0 && $0.maskPath == nil })
        #expect(dataset.test.map(\.name) == ["test/crack/000.png", "test/crack/001.png", "test/good/000.png",
                                             "test/good/001.png", "test/scratch/007.png"])
        #expect(dataset.test.map(\.label) == [1, 1, 0, 0, 1])
        #expect(dataset.test.map(\.defectType) == ["crack", "crack", "good", "good", "scratch"])
        #expect(dataset.test[4].path == root + "/test/scratch/007.png")
        #expect(dataset.test[4].maskPath == root + "/ground_truth/scratch/007_mask.png")
        #expect(dataset.test[2].maskPath == nil)
        #expect(dataset.hasMasks)
        #expect(dataset.notes.isEmpty)
        #expect(dataset.summary.contains("3 train, 5 test (2 normal, 3 anomalous"))
        // A trailing slash on the root changes nothing.
        #expect(try Dataset.mvtec(root: root + "/") == dataset)
    }

    @Test func missingMasksSkipPixelMetricsWithANote() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try writeCategory(folder, masks: false)
        let dataset = try Dataset.mvtec(root: folder.path + "/cat")
        #expect(!dataset.hasMasks)
        #expect(dataset.test.allSatisfy { $0.maskPath == nil })
        #expect(dataset.notes.count == 1)
        #expect(dataset.notes[0].contains("pixel metrics"))
        #expect(dataset.notes[0].contains("ground_truth"))
    }

    @Test func someMasksMissingIsAnErrorNamingThem() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try writeCategory(folder)
        try FileManager.default.removeItem(atPath: folder.path + "/cat/ground_truth/scratch/007_mask.png")
        let error = try #require(throws: DatasetError.self) { try Dataset.mvtec(root: folder.path + "/cat") }
        #expect(message(error).contains("ground_truth/scratch/007_mask.png"))
    }

    @Test func emptyTrainingFolderNamesFolderAndPattern() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.makeFolder("cat/train/good")
        try folder.writeText("cat/train/good/photo.jpg", "not read")
        let error = try #require(throws: DatasetError.self) { try Dataset.mvtec(root: folder.path + "/cat") }
        let text = message(error)
        #expect(text.contains(folder.path + "/cat/train/good"))
        #expect(text.contains("*.png"))
        #expect(text.contains("1 other file"))
    }

    @Test func mvtecRootInsteadOfCategoryIsExplained() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try writeCategory(folder)
        let error = try #require(throws: DatasetError.self) { try Dataset.mvtec(root: folder.path) }
        #expect(message(error).contains(folder.path + "/cat"))
        let detectError = try #require(throws: DatasetError.self) { try DatasetLayout.detect(root: folder.path) }
        #expect(message(detectError).contains("MVTec AD root"))
    }

    @Test func noTestFolderMeansTrainingOnly() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.writeImage("cat/train/good/000.png")
        let dataset = try Dataset.mvtec(root: folder.path + "/cat")
        #expect(dataset.train.count == 1 && dataset.test.isEmpty && !dataset.hasMasks)
        #expect(dataset.notes.contains { $0.contains("only training") })
    }
}
