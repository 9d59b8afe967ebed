import Datasets
import Foundation
import Testing

/// Issue 19: layouts that were misread, and a file given as the dataset folder.
struct LayoutMistakeTests {
    @Test func mvtecCategoryWithAnEmptiedTrainFolderIsStillMVTec() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.makeFolder("cat/train")
        try folder.writeImage("cat/test/good/000.png")
        try folder.writeImage("cat/test/crack/000.png")
        #expect(try DatasetLayout.detect(root: folder.path + "/cat") == .mvtec)
        let error = try #require(throws: DatasetError.self) { try Dataset.open(root: folder.path + "/cat") }
        #expect(message(error).contains(folder.path + "/cat/train/good"))
    }

    @Test func elpvLabelsWithCRLFLineEndingsAreRead() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var lines = [String]()
        for i in 1...6 {
            try folder.writeImage(String(format: "e/images/cell%04d.png", i), seed: i)
            lines.append(String(format: "images/cell%04d.png  %@  mono", i, i <= 5 ? "0.0" : "1.0"))
        }
        try folder.writeText("e/labels.csv", lines.joined(separator: "\r\n") + "\r\n")
        let dataset = try Dataset.open(root: folder.path + "/e")
        #expect(dataset.train.count + dataset.test.count == 6)
    }

    @Test func fileGivenAsTheDatasetFolderIsNamedAsAFile() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.writeText("labels.csv", "x")
        let error = try #require(throws: DatasetError.self) { try Dataset.open(root: folder.path + "/labels.csv") }
        #expect(message(error) == "\(folder.path)/labels.csv is a file; give the dataset folder (an MVTec AD category, a plain folder, MNIST or ELPV)")
    }
}
