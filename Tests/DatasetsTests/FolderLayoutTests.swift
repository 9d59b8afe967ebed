import Datasets
import Foundation
import Testing

struct FolderLayoutTests {
    @Test func listsPlainFolders() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        for i in 0..<4 { try folder.writeImage("d/train/n\(i).png", seed: i) }
        try folder.writeImage("d/test/normal/a.png")
        try folder.writeImage("d/test/anomalous/b.png")
        try folder.writeImage("d/test/anomalous/c.png")
        try folder.writeMask("d/masks/b.png")
        try folder.writeMask("d/masks/c_mask.png")
        try folder.writeImage("d/test/other/z.png")
        let root = folder.path + "/d"
        #expect(try DatasetLayout.detect(root: root) == .folder)
        let dataset = try Dataset.open(root: root)
        #expect(dataset.layout == .folder)
        #expect(dataset.train.map(\.name) == ["train/n0.png", "train/n1.png", "train/n2.png", "train/n3.png"])
        #expect(dataset.test.map(\.name) == ["test/normal/a.png", "test/anomalous/b.png", "test/anomalous/c.png"])
        #expect(dataset.test.map(\.label) == [0, 1, 1])
        #expect(dataset.test.map(\.maskPath) == [nil, root + "/masks/b.png", root + "/masks/c_mask.png"])
        #expect(dataset.hasMasks)
        #expect(dataset.notes.count == 1)
        #expect(dataset.notes[0].contains("test/other"))
    }

    @Test func withoutMasksPixelMetricsAreSkipped() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.writeImage("d/train/n.png")
        try folder.writeImage("d/test/anomalous/b.png")
        let dataset = try Dataset.folder(root: folder.path + "/d")
        #expect(!dataset.hasMasks)
        #expect(dataset.notes.contains { $0.contains("pixel metrics") })
        #expect(dataset.notes.contains { $0.contains("test/normal") })
    }

    @Test func emptyTrainingFolderNamesFolderAndPattern() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.makeFolder("d/train")
        let error = try #require(throws: DatasetError.self) { try Dataset.open(root: folder.path + "/d") }
        #expect(message(error) == "no training images: \(folder.path)/d/train has no files matching \(folder.path)/d/train/*.png")
    }

    @Test func unknownFolderListsTheLayouts() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.writeImage("x/a.png")
        let error = try #require(throws: DatasetError.self) { try Dataset.open(root: folder.path + "/x") }
        let text = message(error)
        #expect(text.contains(folder.path + "/x"))
        #expect(text.contains("a.png"))
        #expect(text.contains("train/good/*.png") && text.contains("t10k-images-idx3-ubyte") && text.contains("labels.csv"))
        let missing = try #require(throws: DatasetError.self) { try Dataset.open(root: folder.path + "/nope") }
        #expect(message(missing).contains(folder.path + "/nope"))
    }
}
