import Datasets
import Foundation
import Imaging
import Testing

struct SyntheticDatasetTests {
    @Test func writesAnMVTecStyleFolder() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let summary = try SyntheticDataset.write(to: folder.url("syn"), trainCount: 5, testNormalCount: 3,
                                                 testAnomalousCount: 4, size: 32, seed: 9)
        #expect(summary.trainCount == 5 && summary.size == 32)
        let root = folder.path + "/syn"
        #expect(try DatasetLayout.detect(root: root) == .mvtec)
        let dataset = try Dataset.open(root: root)
        #expect(dataset.train.count == 5)
        #expect(dataset.test.count == 7)
        #expect(dataset.test.filter(\.isAnomalous).allSatisfy { $0.defectType == "blob" && $0.maskPath != nil })
        #expect(dataset.hasMasks && dataset.notes.isEmpty)

        let image = try Image(pngFile: root + "/test/blob/000.png")
        let mask = try Image(pngFile: root + "/ground_truth/blob/000_mask.png")
        #expect(image.width == 32 && image.channels == 3 && mask.channels == 1)
        let inside = mask.samples.indices.filter { mask.samples[$0] == 255 }
        #expect(inside.count > 20 && inside.count < 32 * 32 / 4)
        #expect(mask.samples.allSatisfy { $0 == 0 || $0 == 255 })
        #expect(inside.allSatisfy { image[$0 % 32, $0 / 32, 0] == 235 })  // index 0: bright
        let dark = try Image(pngFile: root + "/test/blob/001.png")
        let darkMask = try Image(pngFile: root + "/ground_truth/blob/001_mask.png")
        #expect(darkMask.samples.indices.filter { darkMask.samples[$0] == 255 }
                    .allSatisfy { dark[$0 % 32, $0 / 32, 1] == 20 })

        // Normal images differ from each other but share the texture's statistics.
        let a = try Image(pngFile: root + "/train/good/000.png"), b = try Image(pngFile: root + "/train/good/001.png")
        #expect(a != b)

        // The same seed writes the same bytes.
        try SyntheticDataset.write(to: folder.url("again"), trainCount: 5, testNormalCount: 3,
                                   testAnomalousCount: 4, size: 32, seed: 9)
        for file in ["train/good/004.png", "test/good/002.png", "test/blob/003.png", "ground_truth/blob/003_mask.png"] {
            #expect(FileManager.default.contents(atPath: root + "/" + file)
                    == FileManager.default.contents(atPath: folder.path + "/again/" + file))
        }
        let loaded = try DatasetLoader(width: 32, height: 32).loadTest(dataset)
        #expect(loaded.masks?.shape == [7, 1, 32, 32])
    }

    @Test func defaultsAreThePlannedSizes() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try SyntheticDataset.write(to: folder.url("syn"))
        let dataset = try Dataset.mvtec(root: folder.path + "/syn")
        #expect(dataset.train.count == 32 && dataset.test.count == 16)
        #expect(try Image(pngFile: dataset.train[0].path).width == 64)
    }
}
