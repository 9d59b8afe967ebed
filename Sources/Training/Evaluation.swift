import Datasets

/// A model (weights already set) run over a dataset's test images.
public struct Evaluation: Sendable {
    public var test: LoadedImages
    public var scored: ScoredImages
    public var report: EvaluationReport

    /// Loads the test images (with their masks when the dataset has them) at the model's
    /// size. Errors (unreadable image, mask of another size) name the file.
    public static func loadTest(_ dataset: Dataset, for model: GeneratedModel, skipBad: Bool) throws -> LoadedImages {
        guard !dataset.test.isEmpty else { throw TrainingError("\(dataset.root) has no test images to evaluate on") }
        return try DatasetLoader(width: model.width, height: model.height, skipBad: skipBad).loadTest(dataset)
    }

    public init(model: GeneratedModel, test: LoadedImages, dataset: Dataset, checkpoint: String) throws {
        self.test = test
        scored = try model.score(test.images)
        report = EvaluationReport(items: test.items, scored: scored, masks: test.masks?.values, checkpoint: checkpoint,
                                  data: dataset.root, notes: dataset.notes + test.warnings)
    }
}
