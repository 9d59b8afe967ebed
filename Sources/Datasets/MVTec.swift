import Foundation

extension Dataset {
    /// An MVTec AD category folder:
    ///
    ///     ROOT/train/good/*.png                      normal training images
    ///     ROOT/test/good/*.png                       normal test images (label 0)
    ///     ROOT/test/<type>/*.png                     anomalous test images (label 1, defect type <type>)
    ///     ROOT/ground_truth/<type>/<name>_mask.png   their masks (<name>.png is accepted too)
    ///
    /// Masks are optional as a whole: with no ground_truth folder (or no mask in it for any
    /// anomalous image) the dataset has `hasMasks == false` and a note says pixel metrics are
    /// skipped. Some masks present and others missing is an error naming the missing ones.
    public static func mvtec(root: String) throws -> Dataset {
        let root = FileListing.join(root)
        let trainFolder = FileListing.join(root, "train", "good")
        guard FileListing.isDirectory(trainFolder) else {
            var expected = "an MVTec AD category needs train/good/*.png (normal training images)"
            // A common slip: the MVTec root (holding the categories) instead of one category.
            if FileListing.isDirectory(root) {
                let categories = (try? FileListing.subfolders(root))?.filter {
                    FileListing.isDirectory(FileListing.join(root, $0, "train", "good"))
                } ?? []
                if !categories.isEmpty {
                    expected += "; \(root) looks like the MVTec root: pass one category, e.g. "
                        + FileListing.join(root, categories[0]) + " (categories: "
                        + categories.joined(separator: ", ") + ")"
                }
            }
            throw DatasetError.missing(path: trainFolder, expected: expected)
        }
        let train = try FileListing.requiredPNGFiles(trainFolder).map { name in
            DatasetItem(name: "train/good/" + name, source: .file(FileListing.join(trainFolder, name)),
                        label: 0, defectType: "good")
        }

        var notes = [String]()
        var test = [DatasetItem]()
        let testFolder = FileListing.join(root, "test")
        if FileListing.isDirectory(testFolder) {
            for type in try FileListing.subfolders(testFolder) {
                let folder = FileListing.join(testFolder, type)
                for name in try FileListing.pngFiles(folder).png {
                    test.append(DatasetItem(name: "test/\(type)/\(name)", source: .file(FileListing.join(folder, name)),
                                            label: type == "good" ? 0 : 1, defectType: type))
                }
            }
            if test.isEmpty { notes.append("\(testFolder) holds no test images: only training is possible") }
        } else {
            notes.append("no test folder \(testFolder): only training is possible")
        }

        let groundTruth = FileListing.join(root, "ground_truth")
        let hasMasks = try MaskMatching.attach(to: &test, notes: &notes, maskFolderLabel: groundTruth) { item in
            let name = (item.name as NSString).lastPathComponent
            let folder = FileListing.join(groundTruth, item.defectType)
            return [FileListing.join(folder, FileListing.stem(name) + "_mask.png"), FileListing.join(folder, name)]
        }
        return Dataset(layout: .mvtec, root: root, train: train, test: test, hasMasks: hasMasks, notes: notes)
    }
}

/// The masks policy shared by the layouts that have masks.
enum MaskMatching {
    /// Gives each anomalous item the first existing of its `candidates` mask paths.
    /// Returns whether the set has masks: every anomalous item has one (true), none has
    /// one (false, with a note), or some do and some do not (an error naming the missing).
    static func attach(to items: inout [DatasetItem], notes: inout [String], maskFolderLabel: String,
                       candidates: (DatasetItem) -> [String]) throws -> Bool {
        var missing = [String](), present = 0
        for i in items.indices where items[i].isAnomalous {
            let options = candidates(items[i])
            if let found = options.first(where: FileListing.isFile) {
                items[i].maskPath = found
                present += 1
            } else {
                missing.append(options[0])
            }
        }
        let anomalous = present + missing.count
        guard anomalous > 0 else { return false }
        if present == 0 {
            notes.append("no ground-truth masks for the \(anomalous) anomalous test images (looked in "
                         + "\(maskFolderLabel)): pixel metrics (pixel AUROC, PRO) are skipped")
            return false
        }
        guard missing.isEmpty else {
            throw DatasetError.missingMasks(folder: maskFolderLabel, missing: missing, present: present)
        }
        return true
    }
}
