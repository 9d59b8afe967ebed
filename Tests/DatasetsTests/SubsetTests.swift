import Datasets
import Testing

struct SubsetTests {
    func dataset(train: Int, normal: Int, anomalous: Int) -> Dataset {
        func item(_ name: String, _ label: Int) -> DatasetItem {
            DatasetItem(name: name, source: .file("/d/" + name), label: label, defectType: label == 0 ? "good" : "bad")
        }
        return Dataset(layout: .folder, root: "/d", train: (0..<train).map { item("train/\($0).png", 0) },
                       test: (0..<normal).map { item("test/normal/\($0).png", 0) }
                           + (0..<anomalous).map { item("test/anomalous/\($0).png", 1) },
                       hasMasks: false)
    }

    @Test func limitsKeepOrderAndBothLabels() throws {
        let full = dataset(train: 100, normal: 90, anomalous: 10)
        let small = try full.limited(train: 10, test: 10, seed: 1)
        #expect(small.train.count == 10 && small.test.count == 10)
        #expect(small.test.filter(\.isAnomalous).count == 1)
        #expect(small.train.map(\.name) == full.train.map(\.name).filter(small.train.map(\.name).contains))
        #expect(try full.limited(train: 10, test: 10, seed: 1) == small)
        #expect(try full.limited(train: 10, test: 10, seed: 2).train != small.train)
        #expect(small.notes.last == "subset (seed 1): 10 of 100 training images, 10 of 100 test images")
        #expect(try full.limited(train: nil, test: nil, seed: 0) == full)
        #expect(try full.limited(train: 1000, test: 1000, seed: 0) == full)
        #expect(throws: DatasetError.self) { try full.limited(train: 0, test: nil, seed: 0) }
    }

    @Test func fractionSubset() throws {
        let full = dataset(train: 40, normal: 5, anomalous: 15)
        let quarter = try full.subset(fraction: 0.25, seed: 0)
        #expect(quarter.train.count == 10 && quarter.test.count == 5)
        #expect(quarter.test.contains { $0.isAnomalous } && quarter.test.contains { !$0.isAnomalous })
        #expect(throws: DatasetError.self) { try full.subset(fraction: 0, seed: 0) }
    }
}
