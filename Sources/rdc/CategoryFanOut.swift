import ArgumentParser
import DSL
import Datasets
import Distributed
import Foundation
import Training

/// rdc train --all-categories: one model per category of an MVTec AD root, each trained into
/// RUN/<category>/ and evaluated on its test set (RUN/<category>/eval.json), then one table of
/// every category and the mean (RUN/categories.json and .txt, written by rank 0). Under
/// `mpirun -np N` the categories, sorted by name, are dealt round robin: category i to rank
/// i mod N. Each category's training is seeded alike whichever rank runs it, so the table is
/// the same for every N. Every rank goes through the same collectives whatever befalls its
/// categories: a category that fails is reported at the end by name and rank; an error between
/// collectives ends the whole job (MPI_Abort) instead of leaving the other ranks waiting.
struct CategoryFanOut {
    /// Every category's settings, `data` being the MVTec root.
    var template: TrainingSettings
    var runDirectory: String

    var tableJSON: String { runDirectory + "/categories.json" }
    var tableText: String { runDirectory + "/categories.txt" }

    func run() throws {
        let root = template.data
        let categories = try Dataset.mvtecCategories(root: root)
        try checkOutputs(categories)
        let start = try startFacts(categories)  // before MPI starts: a rank failing here exits, and mpirun ends the job

        let communicator = try Launch.communicator()
        do {
            try communicator.checkAgreement(on: start)
        } catch {
            try refuseTogether(error, communicator)
        }
        if communicator.rank == 0 { print(assignment(categories, ranks: communicator.size)) }
        let mine = trainAndEvaluate(communicator.share(of: categories), rank: communicator.rank)
        let table: CategoryTable
        do {
            let parts = try communicator.allGather(Array(try mine.jsonData())).map {
                try JSONDecoder().decode(CategoryTable.self, from: Data($0))
            }
            table = CategoryTable(rows: parts.flatMap(\.rows), failed: parts.flatMap(\.failed))
        } catch {
            communicator.abort("the ranks could not exchange their results: \(error)")
        }
        try communicator.finalize()

        guard communicator.rank == 0 else {
            if !table.failed.isEmpty { throw ExitCode.failure }  // rank 0 names the failures
            return
        }
        try table.jsonData().write(to: URL(fileURLWithPath: tableJSON), options: .atomic)
        try Data(table.text.utf8).write(to: URL(fileURLWithPath: tableText), options: .atomic)
        print(table.text, terminator: "")
        print("wrote \(tableJSON) and \(tableText)")
        guard table.failed.isEmpty else {
            throw TrainingError("\(table.failed.count) of \(categories.count) categories failed: "
                                + table.failed.map { "\($0.category) (rank \($0.rank)): \($0.error)" }.joined(separator: "; "))
        }
    }

    /// Never over an input or a user's file, and never into a category's earlier run: all
    /// checked before any rank starts training.
    private func checkOutputs(_ categories: [String]) throws {
        let inputs = [template.data, template.generated] + categories.map { template.data + "/" + $0 }
        try OutputFile.checkNotAnInput(runDirectory, flag: "--out", inputs: inputs)
        for output in [tableJSON, tableText] {
            try OutputFile(flag: "--out", path: output, kind: "an rdc category table",
                           isOwnKind: { _ in CategoryTable.isTable(tableJSON) }).check(inputs: inputs, force: false)
        }
        for category in categories {
            let run = TrainingRun(directory: runDirectory + "/" + category)
            if FileManager.default.fileExists(atPath: run.checkpoint) {
                throw ValidationError("\(run.directory) already holds a training run (\(run.checkpoint)); "
                                      + "--all-categories starts every category afresh: train into another folder (--out)")
            }
        }
    }

    /// What every rank must agree on: the settings, the run folder, the compiled graph and the
    /// categories found.
    private func startFacts(_ categories: [String]) throws -> [String] {
        return [try template.fact(),
                "run folder " + URL(fileURLWithPath: runDirectory).standardizedFileURL.path,
                try GeneratedModel.graphFact(directory: template.generated),
                "categories " + categories.joined(separator: ", ")]
    }

    private func assignment(_ categories: [String], ranks: Int) -> String {
        let shares = (0..<ranks).map { RoundRobin.share(of: categories, rank: $0, ranks: ranks) }
        return "\(categories.count) categories over \(ranks) rank\(ranks == 1 ? "" : "s") (sorted by name, category i on "
            + "rank i mod \(ranks)): " + shares.enumerated().map { "rank \($0.offset): \($0.element.joined(separator: ", "))" }
            .joined(separator: "; ")
    }

    /// This rank's categories, one after the other; a failure is recorded and the next goes on.
    private func trainAndEvaluate(_ categories: [String], rank: Int) -> CategoryTable {
        var rows = [CategoryTable.Row](), failed = [CategoryTable.Failure]()
        for category in categories {
            var settings = template
            settings.data = template.data + "/" + category
            let run = TrainingRun(directory: runDirectory + "/" + category)
            print("rank \(rank): training \(category) into \(run.directory)")
            do {
                let trainer = try Trainer(settings: settings, run: run, resume: false)
                try trainer.train()
                let report = try trainer.evaluate()
                try report.jsonData().write(to: URL(fileURLWithPath: run.directory + "/eval.json"), options: .atomic)
                rows.append(CategoryTable.Row(category: category, report: report))
                print("rank \(rank): \(category): image AUROC \(EvaluationReport.cell(report.overall.imageAUROC))")
            } catch {
                let message = "\(FileProblem(error) ?? error)"
                fflush(nil)
                FileHandle.standardError.write(Data("rdc rank \(rank): category \(category) failed: \(message)\n".utf8))
                failed.append(CategoryTable.Failure(category: category, rank: rank, error: message))
            }
        }
        return CategoryTable(rows: rows, failed: failed)
    }
}
