import Foundation

/// Why a dataset could not be listed or loaded. Every case names the file or folder
/// concerned; `description` is a complete sentence for the user.
public enum DatasetError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// A folder that must hold images holds none matching `pattern` (e.g. "*.png").
    /// `otherFiles` counts the files that are there but do not match (e.g. JPEGs).
    case emptyFolder(folder: String, pattern: String, otherFiles: Int)
    /// A folder or file the layout needs is not there.
    case missing(path: String, expected: String)
    /// A file given where the dataset folder belongs.
    case notAFolder(path: String)
    /// `root` does not look like any dataset layout we know.
    case unknownLayout(root: String, found: [String])
    /// An image (or mask) that libpng could not decode. Loading stops unless skipBad is set.
    case unreadableImage(path: String, problem: String)
    /// A mask whose size differs from its image's.
    case maskSizeMismatch(image: String, imageWidth: Int, imageHeight: Int,
                          mask: String, maskWidth: Int, maskHeight: Int)
    /// Some anomalous test images have a mask and others do not.
    case missingMasks(folder: String, missing: [String], present: Int)
    /// A malformed MNIST idx file.
    case badIDX(path: String, problem: String)
    /// A malformed line of a label list (ELPV's labels.csv).
    case badLabels(path: String, line: Int, problem: String)
    /// A setting that does not fit the dataset (normal class out of range, ...).
    case invalidOption(String)
    /// Every training image was skipped as unreadable, or a batch size leaves no batch.
    case nothingToTrainOn(String)

    public var description: String {
        switch self {
        case let .emptyFolder(folder, pattern, otherFiles):
            let others = otherFiles > 0
                ? " (it has \(otherFiles) other file\(otherFiles == 1 ? "" : "s"); only PNG images are read)" : ""
            return "no training images: \(folder) has no files matching \(folder)/\(pattern)\(others)"
        case let .missing(path, expected):
            return "\(path) not found: \(expected)"
        case let .notAFolder(path):
            return "\(path) is a file; give the dataset folder (an MVTec AD category, a plain folder, MNIST or ELPV)"
        case let .unknownLayout(root, found):
            let listing = found.isEmpty ? "it is empty" : "it holds " + found.prefix(12).joined(separator: ", ")
                + (found.count > 12 ? ", ..." : "")
            return "\(root) is not a dataset rdc knows (\(listing)). Expected one of: "
                + "MVTec AD (train/good/*.png, test/<type>/*.png, ground_truth/<type>/<name>_mask.png); "
                + "plain folder (train/*.png, test/normal/*.png, test/anomalous/*.png, masks/<name>.png); "
                + "MNIST idx (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, "
                + "t10k-labels-idx1-ubyte); ELPV (labels.csv, images/)"
        case let .unreadableImage(path, problem):
            return "\(path): \(problem) (the skip-bad option skips unreadable images with a warning)"
        case let .maskSizeMismatch(image, iw, ih, mask, mw, mh):
            return "mask \(mask) is \(mw)x\(mh) but its image \(image) is \(iw)x\(ih)"
        case let .missingMasks(folder, missing, present):
            let shown = missing.prefix(5).joined(separator: ", ") + (missing.count > 5 ? ", ..." : "")
            return "\(missing.count) anomalous test image\(missing.count == 1 ? " has" : "s have") no mask in "
                + "\(folder) while \(present) do: missing \(shown). Add the masks, or remove the folder "
                + "to evaluate without pixel metrics"
        case let .badIDX(path, problem):
            return "\(path): \(problem)"
        case let .badLabels(path, line, problem):
            return "\(path), line \(line): \(problem)"
        case let .invalidOption(message):
            return message
        case let .nothingToTrainOn(message):
            return message
        }
    }

    public var errorDescription: String? { description }
}
