extension Dataset {
    /// The category folders of an MVTec AD root (bottle/, cable/, ...): its subfolders, hidden
    /// ones left out, sorted by the bytes of their names, so that every process that lists the
    /// root gets the same order. Each is opened as an MVTec category later; a folder that is
    /// not one reports itself then, by name.
    public static func mvtecCategories(root: String) throws -> [String] {
        let root = FileListing.join(root)
        let expected = "the MVTec AD root: one folder per category (bottle/, cable/, ...), each with train/good/*.png"
        guard FileListing.isDirectory(root) else { throw DatasetError.missing(path: root, expected: expected) }
        if FileListing.isDirectory(FileListing.join(root, "train", "good")) {
            throw DatasetError.invalidOption("\(root) is one MVTec AD category; expected \(expected) (the folder above it)")
        }
        let categories = try FileListing.subfolders(root)
        guard !categories.isEmpty else { throw DatasetError.invalidOption("\(root) holds no folders; expected \(expected)") }
        return categories
    }
}
