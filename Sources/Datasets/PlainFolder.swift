import Foundation

extension Dataset {
    /// A plain folder layout, for data that is not MVTec AD:
    ///
    ///     ROOT/train/*.png            normal training images
    ///     ROOT/test/normal/*.png      normal test images (label 0, defect type "normal")
    ///     ROOT/test/anomalous/*.png   anomalous test images (label 1, defect type "anomalous")
    ///     ROOT/masks/<name>.png       optional mask of test/anomalous/<name>.png
    ///                                 (<stem>_mask.png is accepted too)
    ///
    /// The test folders are optional (without them only training is possible). Masks follow
    /// the MVTec rule: all anomalous images have one, or none does (pixel metrics skipped).
    /// Other folders under test/ are ignored with a note.
    public static func folder(root: String) throws -> Dataset {
        let root = FileListing.join(root)
        let trainFolder = FileListing.join(root, "train")
        let train = try FileListing.requiredPNGFiles(trainFolder).map { name in
            DatasetItem(name: "train/" + name, source: .file(FileListing.join(trainFolder, name)),
                        label: 0, defectType: "normal")
        }

        var notes = [String]()
        var test = [DatasetItem]()
        let testFolder = FileListing.join(root, "test")
        if FileListing.isDirectory(testFolder) {
            for (sub, label) in [("normal", 0), ("anomalous", 1)] {
                let folder = FileListing.join(testFolder, sub)
                guard FileListing.isDirectory(folder) else {
                    notes.append("no \(folder) folder: the test set has no \(sub) images")
                    continue
                }
                for name in try FileListing.pngFiles(folder).png {
                    test.append(DatasetItem(name: "test/\(sub)/\(name)", source: .file(FileListing.join(folder, name)),
                                            label: label, defectType: sub))
                }
            }
            let ignored = try FileListing.subfolders(testFolder).filter { $0 != "normal" && $0 != "anomalous" }
            if !ignored.isEmpty {
                notes.append("ignored \(ignored.map { testFolder + "/" + $0 }.joined(separator: ", ")) "
                             + "(a plain folder dataset reads only test/normal and test/anomalous)")
            }
        } else {
            notes.append("no test folder \(testFolder): only training is possible")
        }

        let maskFolder = FileListing.join(root, "masks")
        let hasMasks = try MaskMatching.attach(to: &test, notes: &notes, maskFolderLabel: maskFolder) { item in
            let name = (item.name as NSString).lastPathComponent
            return [FileListing.join(maskFolder, name), FileListing.join(maskFolder, FileListing.stem(name) + "_mask.png")]
        }
        return Dataset(layout: .folder, root: root, train: train, test: test, hasMasks: hasMasks, notes: notes)
    }
}
