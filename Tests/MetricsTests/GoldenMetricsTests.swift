import Foundation
import Metrics
import Testing

/// The three metrics against every golden case, to the cases' tolerance (1e-6).
struct GoldenMetricsTests {
    static let tolerance = 1e-6

    @Test func goldenCasesArePresent() {
        #expect(!GoldenMetricsCase.caseDirectories().isEmpty,
                "no metrics cases under \(GoldenMetricsCase.goldenRoot.path)/metrics (set RDC_GOLDEN?)")
    }

    @Test(arguments: GoldenMetricsCase.caseDirectories())
    func metricsMatchExpected(directory: URL) throws {
        let golden = try GoldenMetricsCase(directory: directory)
        let imageAUROC = rocAUC(scores: golden.imageScores, labels: golden.imageLabels)
        let pixelAUC = pixelAUROC(golden.samples)
        let pro = perRegionOverlap(golden.samples)

        #expect(abs(imageAUROC - (golden.expectedNumber("image_auroc") ?? .nan)) <= Self.tolerance, "\(golden.name)")
        #expect(abs(pixelAUC - (golden.expectedNumber("pixel_auroc") ?? .nan)) <= Self.tolerance, "\(golden.name)")
        #expect(abs(pro.area - (golden.expectedNumber("pro") ?? .nan)) <= Self.tolerance, "\(golden.name)")
        #expect(Double(pro.regionCount) == golden.expectedNumber("n_regions"), "\(golden.name)")
        #expect(Double(pro.keptThresholdCount) == golden.expectedNumber("n_thresholds_kept"), "\(golden.name)")
        #expect(Double(golden.samples.count) == golden.expectedNumber("n_images"), "\(golden.name)")
        let anomalousPixels = golden.samples.reduce(0) { $0 + $1.mask.filter { $0 }.count }
        #expect(Double(anomalousPixels) == golden.expectedNumber("n_anomalous_pixels"), "\(golden.name)")
    }

    @Test(arguments: GoldenMetricsCase.caseDirectories())
    func proCurveMatchesExpected(directory: URL) throws {
        let golden = try GoldenMetricsCase(directory: directory)
        let curve = perRegionOverlap(golden.samples).curve
        try #require(curve.count == golden.proCurve.count, "\(golden.name)")
        for (i, (mine, theirs)) in zip(curve, golden.proCurve).enumerated() {
            #expect(abs(mine.threshold - theirs.threshold) <= Self.tolerance, "\(golden.name) threshold \(i)")
            #expect(abs(mine.fpr - theirs.fpr) <= Self.tolerance, "\(golden.name) fpr \(i)")
            #expect(abs(mine.pro - theirs.pro) <= Self.tolerance, "\(golden.name) pro \(i)")
        }
    }
}
