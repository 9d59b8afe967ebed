import DSL
import Foundation
import Imaging

/// Images of a dataset read and preprocessed into one tensor.
public struct LoadedImages: Equatable, Sendable {
    /// The items loaded, in order (unreadable ones left out when skipBad is set).
    public var items: [DatasetItem]
    /// [N, 3, H, W], RD4AD-preprocessed (resized, cropped, ImageNet-normalized).
    public var images: HostTensor
    /// [N, 1, H, W] of 0/1 when masks were asked for: each item's mask, zeros for items
    /// without one (normal images).
    public var masks: HostTensor?
    /// One line per skipped file, naming it and what was wrong.
    public var warnings: [String]

    public init(items: [DatasetItem], images: HostTensor, masks: HostTensor?, warnings: [String]) {
        self.items = items
        self.images = images
        self.masks = masks
        self.warnings = warnings
    }

    public var count: Int { items.count }
    public var labels: [Int] { items.map(\.label) }

    /// The images at `indices`, stacked: [indices.count, 3, H, W].
    public func images(at indices: [Int]) -> HostTensor { Self.gather(images, indices) }

    /// The masks at `indices`, stacked: [indices.count, 1, H, W]; nil when not loaded.
    public func masks(at indices: [Int]) -> HostTensor? { masks.map { Self.gather($0, indices) } }

    static func gather(_ tensor: HostTensor, _ indices: [Int]) -> HostTensor {
        let per = tensor.shape.dropFirst().reduce(1, *)
        var values = [Float]()
        values.reserveCapacity(indices.count * per)
        for i in indices {
            precondition(i >= 0 && i < tensor.shape[0], "index \(i) out of 0..<\(tensor.shape[0])")
            values.append(contentsOf: tensor.values[(i * per)..<((i + 1) * per)])
        }
        return HostTensor(shape: [indices.count] + tensor.shape.dropFirst(), values: values)
    }
}

/// Reads dataset items (PNG decode, then RD4AD preprocessing) on every core with
/// DispatchQueue.concurrentPerform; decoding and resizing are the costly part.
///
/// Bad input:
/// - an unreadable or corrupt PNG (image or mask) stops loading with an error naming the
///   file, unless `skipBad` is set: then the item is left out and a warning names the file;
/// - a mask whose size differs from its image's is always an error naming both files;
/// - nothing left to train on (`loadTraining`) is an error.
public struct DatasetLoader: Equatable, Sendable {
    public var preprocessing: RD4ADPreprocessing
    public var skipBad: Bool

    public init(preprocessing: RD4ADPreprocessing, skipBad: Bool = false) {
        self.preprocessing = preprocessing
        self.skipBad = skipBad
    }

    /// Resize to width x height, no crop.
    public init(width: Int, height: Int, skipBad: Bool = false) {
        self.init(preprocessing: RD4ADPreprocessing(width: width, height: height), skipBad: skipBad)
    }

    /// Bytes the tensors of `count` loaded items take (to choose between loading a whole
    /// set at once and loading it batch by batch).
    public func estimatedBytes(count: Int, masks: Bool) -> Int {
        count * preprocessing.cropWidth * preprocessing.cropHeight * (masks ? 4 : 3) * MemoryLayout<Float>.size
    }

    /// Loads and preprocesses `items`; with `masks`, also their masks.
    public func load(_ items: [DatasetItem], masks: Bool = false) throws -> LoadedImages {
        let imagePlane = 3 * preprocessing.cropWidth * preprocessing.cropHeight
        let maskPlane = preprocessing.cropWidth * preprocessing.cropHeight
        var imageValues = [Float](repeating: 0, count: items.count * imagePlane)
        var maskValues = [Float](repeating: 0, count: masks ? items.count * maskPlane : 0)
        let failures = Failures()
        let preprocessing = self.preprocessing, skipBad = self.skipBad
        imageValues.withUnsafeMutableBufferPointer { imageBuffer in
            maskValues.withUnsafeMutableBufferPointer { maskBuffer in
                let imageOut = SharedPointer(imageBuffer.baseAddress), maskOut = SharedPointer(maskBuffer.baseAddress)
                DispatchQueue.concurrentPerform(iterations: items.count) { i in
                    // After an error that stops loading, the remaining items are not worth decoding.
                    if !skipBad && failures.stopped { return }
                    do {
                        let (image, mask) = try Self.decode(items[i], masks: masks)
                        let tensor = preprocessing.imageTensor(image)
                        imageOut.write(tensor.values, at: i * imagePlane)
                        if let mask {
                            maskOut.write(preprocessing.maskTensor(mask).values, at: i * maskPlane)
                        }
                    } catch {
                        failures.record(i, error, stops: !skipBad || !Self.isSkippable(error))
                    }
                }
            }
        }

        let (skipped, warnings) = try failures.resolve(items)
        guard !skipped.isEmpty else {
            return LoadedImages(
                items: items, images: HostTensor(shape: [items.count, 3, preprocessing.cropHeight, preprocessing.cropWidth],
                                                 values: imageValues),
                masks: masks ? HostTensor(shape: [items.count, 1, preprocessing.cropHeight, preprocessing.cropWidth],
                                          values: maskValues) : nil,
                warnings: warnings)
        }
        // Compact: drop the skipped items' slices.
        let kept = items.indices.filter { !skipped.contains($0) }
        var keptImages = [Float](), keptMasks = [Float]()
        keptImages.reserveCapacity(kept.count * imagePlane)
        for i in kept {
            keptImages.append(contentsOf: imageValues[(i * imagePlane)..<((i + 1) * imagePlane)])
            if masks { keptMasks.append(contentsOf: maskValues[(i * maskPlane)..<((i + 1) * maskPlane)]) }
        }
        return LoadedImages(
            items: kept.map { items[$0] },
            images: HostTensor(shape: [kept.count, 3, preprocessing.cropHeight, preprocessing.cropWidth], values: keptImages),
            masks: masks ? HostTensor(shape: [kept.count, 1, preprocessing.cropHeight, preprocessing.cropWidth],
                                      values: keptMasks) : nil,
            warnings: warnings)
    }

    /// Loads a dataset's training images; an error when none is left (all skipped).
    public func loadTraining(_ dataset: Dataset) throws -> LoadedImages {
        let loaded = try load(dataset.train)
        guard loaded.count > 0 else {
            throw DatasetError.nothingToTrainOn("every one of the \(dataset.train.count) training images of "
                                                + "\(dataset.root) was skipped as unreadable")
        }
        return loaded
    }

    /// Loads a dataset's test images, with masks when the dataset has them.
    public func loadTest(_ dataset: Dataset) throws -> LoadedImages {
        try load(dataset.test, masks: dataset.hasMasks)
    }

    /// Decodes every item (and mask) without preprocessing: the same errors and warnings
    /// as `load`, for callers that load batch by batch later and want bad files found
    /// before training starts. Returns the items that can be read.
    public func verify(_ items: [DatasetItem], masks: Bool = false) throws -> (items: [DatasetItem], warnings: [String]) {
        let failures = Failures()
        let skipBad = self.skipBad
        DispatchQueue.concurrentPerform(iterations: items.count) { i in
            if !skipBad && failures.stopped { return }
            do {
                _ = try Self.decode(items[i], masks: masks)
            } catch {
                failures.record(i, error, stops: !skipBad || !Self.isSkippable(error))
            }
        }
        let (skipped, warnings) = try failures.resolve(items)
        return (items.indices.filter { !skipped.contains($0) }.map { items[$0] }, warnings)
    }

    /// The item's image, and its mask when `masks` is set and it has one; the mask's size is
    /// checked against the image's.
    static func decode(_ item: DatasetItem, masks: Bool) throws -> (Image, Image?) {
        let image: Image
        switch item.source {
        case .memory(let pixels): image = pixels
        case .file(let path): image = try readPNG(path)
        }
        guard masks, let maskPath = item.maskPath else { return (image, nil) }
        let mask = try readPNG(maskPath)
        guard mask.width == image.width && mask.height == image.height else {
            throw DatasetError.maskSizeMismatch(image: item.path, imageWidth: image.width, imageHeight: image.height,
                                                mask: maskPath, maskWidth: mask.width, maskHeight: mask.height)
        }
        return (image, mask)
    }

    static func readPNG(_ path: String) throws -> Image {
        do {
            return try Image(pngFile: path)
        } catch let error as ImageFileError {
            throw DatasetError.unreadableImage(path: error.path, problem: error.problem)
        }
    }

    static func isSkippable(_ error: Error) -> Bool {
        if case DatasetError.unreadableImage = error { return true }
        return false
    }
}

/// Per-item errors collected from the worker threads.
private final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [Int: (error: Error, stops: Bool)] = [:]
    private var stop = false

    var stopped: Bool { lock.withLock { stop } }

    func record(_ index: Int, _ error: Error, stops: Bool) {
        lock.withLock {
            errors[index] = (error, stops)
            if stops { stop = true }
        }
    }

    /// Throws the first (by item order) error that stops loading; otherwise returns the
    /// skipped indices and a warning for each.
    func resolve(_ items: [DatasetItem]) throws -> (Set<Int>, [String]) {
        let sorted = lock.withLock { errors.sorted { $0.key < $1.key } }
        if let fatal = sorted.first(where: { $0.value.stops }) { throw fatal.value.error }
        let warnings = sorted.map { index, failure -> String in
            let item = items[index]
            if case let DatasetError.unreadableImage(path, problem) = failure.error {
                return path == item.path
                    ? "skipped \(path): \(problem)"
                    : "skipped \(item.path): its mask \(path) is unreadable: \(problem)"
            }
            return "skipped \(item.path): \(failure.error)"
        }
        return (Set(sorted.map(\.key)), warnings)
    }
}

/// A buffer base address handed to concurrentPerform's workers, each of which writes only
/// its own item's slice.
private struct SharedPointer: @unchecked Sendable {
    let base: UnsafeMutablePointer<Float>?
    init(_ base: UnsafeMutablePointer<Float>?) { self.base = base }

    func write(_ values: [Float], at offset: Int) {
        guard let base else { return }
        values.withUnsafeBufferPointer { source in
            (base + offset).update(from: source.baseAddress!, count: source.count)
        }
    }
}
