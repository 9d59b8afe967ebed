import DSL
import Foundation

/// One epoch of RUN/log.csv as the HTML report plots it; evaluation columns are nil in
/// epochs without an evaluation.
struct TrainingLogRow: Equatable, Sendable {
    var epoch: Int
    var loss: Double
    var imageAUROC: Double?
    var pixelAUROC: Double?
    var pro: Double?
}

extension TrainingLog {
    /// The log's rows. Columns are found by the header's names, so a log with columns added
    /// later still reads. Errors name the file and line.
    func rows() throws -> [TrainingLogRow] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw TrainingError("\(path): cannot read the training log (\(FileProblem.reason(error)))")
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let names = lines.first ?? []
        guard let epoch = names.firstIndex(of: "epoch"), let loss = names.firstIndex(of: "loss"),
              let imageAUROC = names.firstIndex(of: "image_auroc"), let pixelAUROC = names.firstIndex(of: "pixel_auroc"),
              let pro = names.firstIndex(of: "pro") else {
            throw TrainingError("\(path): not an rdc training log (expected the header \(Self.header))")
        }
        var rows = [TrainingLogRow]()
        for (lineNumber, fields) in zip(1..., lines).dropFirst() where fields != [""] {
            func number(_ column: Int) -> Double? {
                fields.indices.contains(column) ? Double(fields[column]).flatMap { $0.isFinite ? $0 : nil } : nil
            }
            guard fields.indices.contains(epoch), let epochNumber = Int(fields[epoch]), let lossValue = number(loss) else {
                throw TrainingError("\(path) line \(lineNumber): expected an epoch number and a finite loss, got '\(fields.joined(separator: ","))'")
            }
            rows.append(TrainingLogRow(epoch: epochNumber, loss: lossValue, imageAUROC: number(imageAUROC),
                                       pixelAUROC: number(pixelAUROC), pro: number(pro)))
        }
        return rows
    }
}
