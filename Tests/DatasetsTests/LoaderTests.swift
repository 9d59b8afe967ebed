import DSL
import Datasets
import Foundation
import Imaging
import Testing

struct LoaderTests {
    let preprocessing = RD4ADPreprocessing(width: 8, height: 6)

    func expected(_ path: String) throws -> [Float] {
        try preprocessing.imageTensor(Image(pngFile: path)).values
    }

    @Test func loadsImagesAndMasksInOrder() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        for i in 0..<20 { try folder.writeImage(String(format: "c/train/good/%03d.png", i), width: 12, height: 10, seed: i) }
        try folder.writeImage("c/test/good/000.png", width: 12, height: 10, seed: 50)
        try folder.writeImage("c/test/hole/000.png", width: 12, height: 10, seed: 51)
        try folder.writeMask("c/ground_truth/hole/000_mask.png", width: 12, height: 10)
        let dataset = try Dataset.mvtec(root: folder.path + "/c")
        let loader = DatasetLoader(preprocessing: preprocessing)

        let train = try loader.loadTraining(dataset)
        #expect(train.images.shape == [20, 3, 6, 8])
        #expect(train.masks == nil && train.warnings.isEmpty)
        let plane = 3 * 6 * 8
        for (i, item) in dataset.train.enumerated() {
            #expect(Array(train.images.values[(i * plane)..<((i + 1) * plane)]) == (try expected(item.path)))
        }
        #expect(train.images(at: [3, 1]).values == Array(train.images.values[(3 * plane)..<(4 * plane)])
                + Array(train.images.values[plane..<(2 * plane)]))

        let test = try loader.loadTest(dataset)
        #expect(test.labels == [0, 1])
        let masks = try #require(test.masks)
        #expect(masks.shape == [2, 1, 6, 8])
        #expect(masks.values[0..<48].allSatisfy { $0 == 0 })          // the normal image: zeros
        #expect(Array(masks.values[48..<96]) == preprocessing.maskTensor(try Image(pngFile: dataset.test[1].maskPath!)).values)
        #expect(masks.values[48..<96].contains(1) && masks.values[48..<96].contains(0))
        #expect(test.masks(at: [1])?.values == Array(masks.values[48..<96]))
        #expect(loader.estimatedBytes(count: 2, masks: true) == 2 * 4 * 48 * 4)
    }

    @Test func corruptPNGStopsLoadingAndNamesTheFile() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        for i in 0..<6 { try folder.writeImage("c/train/good/00\(i).png", seed: i) }
        let bad = try folder.writeCorruptPNG("c/train/good/003.png")
        let dataset = try Dataset.mvtec(root: folder.path + "/c")
        let error = try #require(throws: DatasetError.self) {
            try DatasetLoader(preprocessing: preprocessing).loadTraining(dataset)
        }
        #expect(message(error).hasPrefix(bad + ": "))
        #expect(message(error).contains("skip-bad"))
        let verifyError = try #require(throws: DatasetError.self) {
            try DatasetLoader(preprocessing: preprocessing).verify(dataset.train)
        }
        #expect(verifyError == error)
    }

    @Test func skipBadLeavesTheFileOutWithAWarning() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        for i in 0..<6 { try folder.writeImage("c/train/good/00\(i).png", seed: i) }
        let bad = try folder.writeCorruptPNG("c/train/good/003.png")
        try folder.writeText("c/train/good/001.png", "not a png")
        let dataset = try Dataset.mvtec(root: folder.path + "/c")
        let loaded = try DatasetLoader(preprocessing: preprocessing, skipBad: true).loadTraining(dataset)
        #expect(loaded.count == 4)
        #expect(loaded.items.map(\.name) == ["train/good/000.png", "train/good/002.png", "train/good/004.png", "train/good/005.png"])
        #expect(loaded.warnings.count == 2)
        #expect(loaded.warnings[0].hasPrefix("skipped " + folder.path + "/c/train/good/001.png: not a PNG"))
        #expect(loaded.warnings[1].hasPrefix("skipped " + bad + ": "))
        // The kept images moved down into place.
        let plane = 3 * 6 * 8
        for (i, item) in loaded.items.enumerated() {
            #expect(Array(loaded.images.values[(i * plane)..<((i + 1) * plane)]) == (try expected(item.path)))
        }
        let verified = try DatasetLoader(preprocessing: preprocessing, skipBad: true).verify(dataset.train)
        #expect(verified.items == loaded.items && verified.warnings == loaded.warnings)
    }

    @Test func allTrainingImagesBadIsAnError() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.writeCorruptPNG("c/train/good/000.png")
        let dataset = try Dataset.mvtec(root: folder.path + "/c")
        let error = try #require(throws: DatasetError.self) {
            try DatasetLoader(preprocessing: preprocessing, skipBad: true).loadTraining(dataset)
        }
        #expect(message(error).contains(folder.path + "/c"))
    }

    @Test func corruptMaskIsNamed() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.writeImage("c/train/good/000.png")
        try folder.writeImage("c/test/hole/000.png")
        try folder.writeImage("c/test/hole/001.png")
        try folder.writeMask("c/ground_truth/hole/000_mask.png")
        let badMask = try folder.writeCorruptPNG("c/ground_truth/hole/001_mask.png")
        let dataset = try Dataset.mvtec(root: folder.path + "/c")
        let error = try #require(throws: DatasetError.self) { try DatasetLoader(preprocessing: preprocessing).loadTest(dataset) }
        #expect(message(error).hasPrefix(badMask + ": "))
        let loaded = try DatasetLoader(preprocessing: preprocessing, skipBad: true).loadTest(dataset)
        #expect(loaded.count == 1 && loaded.masks?.shape == [1, 1, 6, 8])
        #expect(loaded.warnings == [loaded.warnings[0]])
        #expect(loaded.warnings[0].contains(folder.path + "/c/test/hole/001.png") && loaded.warnings[0].contains(badMask))
    }

    @Test func maskSizeMismatchNamesBothFilesAndSizes() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.writeImage("c/train/good/000.png")
        let image = try folder.writeImage("c/test/hole/000.png", width: 8, height: 8)
        let mask = try folder.writeMask("c/ground_truth/hole/000_mask.png", width: 16, height: 8)
        let dataset = try Dataset.mvtec(root: folder.path + "/c")
        for skipBad in [false, true] {
            let error = try #require(throws: DatasetError.self) {
                try DatasetLoader(preprocessing: preprocessing, skipBad: skipBad).loadTest(dataset)
            }
            #expect(message(error) == "mask \(mask) is 16x8 but its image \(image) is 8x8")
        }
        // Without masks the mismatch does not matter.
        #expect(try DatasetLoader(preprocessing: preprocessing).load(dataset.test).count == 1)
    }

    @Test func emptyListLoadsEmptyTensors() throws {
        let loaded = try DatasetLoader(preprocessing: preprocessing).load([], masks: true)
        #expect(loaded.images.shape == [0, 3, 6, 8] && loaded.masks?.shape == [0, 1, 6, 8])
    }
}
