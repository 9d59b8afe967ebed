import Foundation
import Imaging

extension Dataset {
    /// MNIST or Fashion-MNIST idx files in `root`, as one-class novelty detection: train on
    /// the training images of class `normalClass`, test on the whole t10k set (label 1 where
    /// the class is not `normalClass`; defect type = the class number).
    ///
    ///     ROOT/train-images-idx3-ubyte   ROOT/train-labels-idx1-ubyte
    ///     ROOT/t10k-images-idx3-ubyte    ROOT/t10k-labels-idx1-ubyte
    ///
    /// ("train-images.idx3-ubyte" spellings are accepted too.) The files must be
    /// uncompressed: rdc has no zlib, and a `.gz` alone gives an error saying to gunzip it.
    /// Images are 8-bit gray held in memory; loading repeats them to RGB and resizes them.
    public static func mnist(root: String, normalClass: Int) throws -> Dataset {
        let root = FileListing.join(root)
        let (trainImagesPath, trainImages) = try MNISTFiles.read(root, "train", "images", rank: 3)
        let (trainLabelsPath, trainLabels) = try MNISTFiles.read(root, "train", "labels", rank: 1)
        let (testImagesPath, testImages) = try MNISTFiles.read(root, "t10k", "images", rank: 3)
        let (testLabelsPath, testLabels) = try MNISTFiles.read(root, "t10k", "labels", rank: 1)
        try MNISTFiles.checkCounts(trainImagesPath, trainImages, trainLabelsPath, trainLabels)
        try MNISTFiles.checkCounts(testImagesPath, testImages, testLabelsPath, testLabels)

        let classes = Set(trainLabels.bytes).sorted()
        guard classes.contains(where: { Int($0) == normalClass }) else {
            throw DatasetError.invalidOption("normal class \(normalClass) has no training images in \(trainLabelsPath) "
                                             + "(classes present: \(classes.map(String.init).joined(separator: ", ")))")
        }
        let train = MNISTFiles.items(trainImagesPath, trainImages, trainLabels, normalClass: normalClass,
                                     keep: { $0 == normalClass })
        let test = MNISTFiles.items(testImagesPath, testImages, testLabels, normalClass: normalClass, keep: { _ in true })
        let notes = ["idx images have no masks: pixel metrics (pixel AUROC, PRO) are skipped",
                     "one-class split: class \(normalClass) is normal; \(train.count) training images of it, "
                         + "\(test.count) test images of all classes"]
        return Dataset(layout: .mnist, root: root, train: train, test: test, hasMasks: false, notes: notes)
    }
}

enum MNISTFiles {
    /// Finds and parses e.g. train-images-idx3-ubyte (or train-images.idx3-ubyte).
    static func read(_ root: String, _ split: String, _ kind: String, rank: Int) throws -> (String, IDXArray) {
        let names = ["\(split)-\(kind)-idx\(rank)-ubyte", "\(split)-\(kind).idx\(rank)-ubyte"]
        let paths = names.map { FileListing.join(root, $0) }
        guard let path = paths.first(where: FileListing.isFile) else {
            if let gz = paths.map({ $0 + ".gz" }).first(where: FileListing.isFile) {
                throw DatasetError.badIDX(path: gz, problem: "gzip-compressed idx files are not supported (rdc has "
                                          + "no zlib): run `gunzip \(gz)` to get \(FileListing.stem(gz))")
            }
            throw DatasetError.missing(path: paths[0], expected: "MNIST needs the uncompressed idx files "
                                       + "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte "
                                       + "and t10k-labels-idx1-ubyte in \(root)")
        }
        let array = try IDXArray(path: path)
        guard array.dimensions.count == rank else {
            throw DatasetError.badIDX(path: path, problem: "has rank \(array.dimensions.count) (dimensions "
                                      + "\(array.dimensions)), \(kind) files have rank \(rank)")
        }
        if rank == 3 {
            guard array.dimensions[1] > 0, array.dimensions[2] > 0 else {
                throw DatasetError.badIDX(path: path, problem: "empty image size \(array.dimensions[1])x\(array.dimensions[2])")
            }
        }
        return (path, array)
    }

    static func checkCounts(_ imagesPath: String, _ images: IDXArray, _ labelsPath: String, _ labels: IDXArray) throws {
        guard images.dimensions[0] == labels.dimensions[0] else {
            throw DatasetError.badIDX(path: labelsPath, problem: "\(labels.dimensions[0]) labels for the "
                                      + "\(images.dimensions[0]) images of \(imagesPath)")
        }
        guard images.dimensions[0] > 0 else {
            throw DatasetError.badIDX(path: imagesPath, problem: "holds no images")
        }
    }

    static func items(_ imagesPath: String, _ images: IDXArray, _ labels: IDXArray, normalClass: Int,
                      keep: (Int) -> Bool) -> [DatasetItem] {
        let height = images.dimensions[1], width = images.dimensions[2]
        let size = height * width
        let file = (imagesPath as NSString).lastPathComponent
        var items = [DatasetItem]()
        for i in 0..<images.dimensions[0] {
            let cls = Int(labels.bytes[i])
            guard keep(cls) else { continue }
            let pixels = images.bytes[(i * size)..<((i + 1) * size)].map(UInt16.init)
            let image = Image(width: width, height: height, channels: 1, bitDepth: 8, samples: pixels)
            items.append(DatasetItem(name: "\(file)#" + String(format: "%05d", i), source: .memory(image),
                                     label: cls == normalClass ? 0 : 1, defectType: String(cls)))
        }
        return items
    }
}
