import Datasets
import Foundation
import Imaging
import Testing

struct MNISTTests {
    /// idx3: magic 0 0 8 3, dims n, 3 rows, 2 columns; pixel p of image i = 10 * i + p.
    static func imagesFile(count: Int) -> Data {
        var bytes: [UInt8] = [0x00, 0x00, 0x08, 0x03, 0, 0, 0, UInt8(count), 0, 0, 0, 3, 0, 0, 0, 2]
        for i in 0..<count { bytes += (0..<6).map { UInt8(10 * i + $0) } }
        return Data(bytes)
    }

    static func labelsFile(_ labels: [UInt8]) -> Data {
        Data([0x00, 0x00, 0x08, 0x01, 0, 0, 0, UInt8(labels.count)] + labels)
    }

    func writeMNIST(_ folder: TemporaryFolder, trainLabels: [UInt8] = [0, 1, 0, 2, 1],
                    testLabels: [UInt8] = [1, 0, 2, 0]) throws -> String {
        try folder.writeData("m/train-images-idx3-ubyte", Self.imagesFile(count: trainLabels.count))
        try folder.writeData("m/train-labels-idx1-ubyte", Self.labelsFile(trainLabels))
        try folder.writeData("m/t10k-images-idx3-ubyte", Self.imagesFile(count: testLabels.count))
        try folder.writeData("m/t10k-labels-idx1-ubyte", Self.labelsFile(testLabels))
        return folder.path + "/m"
    }

    @Test func parsesHandWrittenIDX() throws {
        let array = try IDXArray(data: Self.imagesFile(count: 2), name: "tiny")
        #expect(array.dimensions == [2, 3, 2])
        #expect(array.bytes == [0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15])
        #expect(array.encoded() == Self.imagesFile(count: 2))
        let labels = try IDXArray(data: Self.labelsFile([7, 3]), name: "labels")
        #expect(labels.dimensions == [2] && labels.bytes == [7, 3])
    }

    @Test func malformedIDXIsRejected() throws {
        let truncated = Self.imagesFile(count: 2).dropLast()
        let error = try #require(throws: DatasetError.self) { try IDXArray(data: Data(truncated), name: "cut.idx") }
        #expect(message(error).hasPrefix("cut.idx: "))
        #expect(message(error).contains("truncated"))
        let gz = try #require(throws: DatasetError.self) { try IDXArray(data: Data([0x1F, 0x8B, 8, 0]), name: "z") }
        #expect(message(gz).contains("gunzip"))
        let floats = try #require(throws: DatasetError.self) { try IDXArray(data: Data([0, 0, 0x0D, 1, 0, 0, 0, 0]), name: "f") }
        #expect(message(floats).contains("0x0D"))
    }

    @Test func oneClassSplit() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let root = try writeMNIST(folder)
        #expect(try DatasetLayout.detect(root: root) == .mnist)
        let dataset = try Dataset.open(root: root, options: DatasetOptions(normalClass: 0))
        #expect(dataset.layout == .mnist && !dataset.hasMasks)
        // Training images 0 and 2 are class 0.
        #expect(dataset.train.map(\.name) == ["train-images-idx3-ubyte#00000", "train-images-idx3-ubyte#00002"])
        #expect(dataset.train[1].source == .memory(Image(width: 2, height: 3, channels: 1, bitDepth: 8,
                                                          samples: [20, 21, 22, 23, 24, 25])))
        #expect(dataset.test.count == 4)
        #expect(dataset.test.map(\.label) == [1, 0, 1, 0])
        #expect(dataset.test.map(\.defectType) == ["1", "0", "2", "0"])
        #expect(dataset.test[3].name == "t10k-images-idx3-ubyte#00003")

        // Loading repeats gray to 3 channels and resizes to the model size.
        let loaded = try DatasetLoader(width: 4, height: 6).load(dataset.train)
        #expect(loaded.images.shape == [2, 3, 6, 4])
        let plane = 24
        #expect(Array(loaded.images.values[0..<plane]) != Array(loaded.images.values[plane..<(2 * plane)]))
    }

    @Test func errorsNameTheFiles() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let root = try writeMNIST(folder)
        let noClass = try #require(throws: DatasetError.self) { try Dataset.open(root: root) }
        #expect(message(noClass).contains("normal class"))
        let absent = try #require(throws: DatasetError.self) { try Dataset.mnist(root: root, normalClass: 9) }
        #expect(message(absent).contains("train-labels-idx1-ubyte"))
        #expect(message(absent).contains("0, 1, 2"))

        try folder.writeData("m/t10k-labels-idx1-ubyte", Self.labelsFile([1, 0]))
        let mismatch = try #require(throws: DatasetError.self) { try Dataset.mnist(root: root, normalClass: 0) }
        #expect(message(mismatch).contains(root + "/t10k-labels-idx1-ubyte"))
        #expect(message(mismatch).contains("2 labels for the 4 images"))

        // Only the .gz download present.
        try FileManager.default.moveItem(atPath: root + "/t10k-images-idx3-ubyte", toPath: root + "/t10k-images-idx3-ubyte.gz")
        let gz = try #require(throws: DatasetError.self) { try Dataset.mnist(root: root, normalClass: 0) }
        #expect(message(gz).contains(root + "/t10k-images-idx3-ubyte.gz"))
        #expect(message(gz).contains("gunzip"))
    }

    @Test func dottedFileNamesAreAccepted() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let root = try writeMNIST(folder)
        try FileManager.default.moveItem(atPath: root + "/train-images-idx3-ubyte", toPath: root + "/train-images.idx3-ubyte")
        #expect(try DatasetLayout.detect(root: root) == .mnist)
        #expect(try Dataset.mnist(root: root, normalClass: 1).train.count == 2)
    }
}
