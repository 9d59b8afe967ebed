import DSL

/// The teacher's features of each training image, kept after the first time a batch
/// computes them. The teacher is frozen, runs in eval mode and sees no augmentation, so an
/// image's features never change and do not depend on its batch: later epochs set them
/// and run only OCBE + decoder (`forwardTrainFromFeatures`). Stored per image, because
/// every epoch batches the images differently.
final class FeatureCache {
    /// The teacher's named outputs ("t1", "t2", "t3") and the values one image has of each.
    let names: [String]
    let perImage: [Int]
    /// How many images the budget holds.
    let capacity: Int
    private var features: [Int: [Float]] = [:]

    /// Keeps at most `budgetBytes` of features; images beyond it run the teacher each epoch.
    init(model: GeneratedModel, budgetBytes: Int) throws {
        names = model.graph.outputs.filter { model.graph.nodes[$0.node].role == .teacher }.map(\.name)
        perImage = try names.map { try model.library.info(named: $0).count / model.batch }
        capacity = budgetBytes / max(1, 4 * perImage.reduce(0, +))
    }

    var bytesPerImage: Int { 4 * perImage.reduce(0, +) }

    func contains(all images: [Int]) -> Bool { images.allSatisfy { features[$0] != nil } }

    /// Keeps the features the last forward pass of `model` computed for `images` (the batch, in order).
    func store(_ images: [Int], from model: GeneratedModel) throws {
        let tensors = try names.map { try model.library.tensor(named: $0).values }
        for (slot, image) in images.enumerated() where features[image] == nil && features.count < capacity {
            var values = [Float]()
            values.reserveCapacity(perImage.reduce(0, +))
            for (t, per) in zip(tensors, perImage) { values += t[(slot * per)..<((slot + 1) * per)] }
            features[image] = values
        }
    }

    /// Sets the teacher outputs of `model` to the cached features of `images` (all cached).
    func load(_ images: [Int], into model: GeneratedModel) throws {
        var offset = 0
        for (name, per) in zip(names, perImage) {
            var values = [Float]()
            values.reserveCapacity(images.count * per)
            for image in images { values += features[image]![offset..<(offset + per)] }
            try model.library.setTensor(named: name, HostTensor(shape: try model.library.info(named: name).shape, values: values))
            offset += per
        }
    }
}
