import DSL
import Imaging
import Testing

struct RD4ADPreprocessingTests {
    /// Expected tensor from Pillow + numpy float32 ((x / 255 - mean) / std, torch's order)
    /// for the 6x4 test pattern resized to 3x2.
    @Test func imageTensorMatchesTorchvisionPipeline() {
        var samples = [UInt16]()
        for y in 0..<4 {
            for x in 0..<6 {
                for c in 0..<3 { samples.append(UInt16((x * 37 + y * 91 + (x * y) % 13 + c * 50) % 256)) }
            }
        }
        let image = Image(width: 6, height: 4, channels: 3, bitDepth: 8, samples: samples)
        let tensor = RD4ADPreprocessing(width: 3, height: 2).imageTensor(image)
        #expect(tensor.shape == [1, 3, 2, 3])
        let expected: [Float] = [
            -0.6451750993728638, 0.07406462728977203, 0.33093592524528503,
            -0.2170563042163849, -0.38830381631851196, 0.2624368965625763,
            0.08263305574655533, 0.7478992342948914, 0.5203081965446472,
            -0.03991595283150673, 0.2752102017402649, 0.9929972290992737,
            0.6356428861618042, 0.4090632498264313, 0.5136385560035706,
            0.14762534201145172, 0.6530720591545105, 0.3567756712436676,
        ]
        #expect(tensor.values == expected)
    }

    @Test func grayImagesAreRepeatedIntoThreePlanes() {
        let image = Image(width: 2, height: 2, channels: 1, bitDepth: 8, samples: [0, 255, 255, 0])
        let tensor = RD4ADPreprocessing(width: 2, height: 2).imageTensor(image)
        for c in 0..<3 {
            let mean = RD4ADPreprocessing.imageNetMean[c], std = RD4ADPreprocessing.imageNetStd[c]
            #expect(Array(tensor.values[(c * 4)..<(c * 4 + 4)]) == [-mean / std, (1 - mean) / std, (1 - mean) / std, -mean / std])
        }
    }

    @Test func centerCropFollowsResize() {
        let image = Image(width: 4, height: 4, channels: 1, bitDepth: 8, samples: (0..<16).map { UInt16($0 * 10) })
        let tensor = RD4ADPreprocessing(resizeWidth: 4, resizeHeight: 4, cropWidth: 2, cropHeight: 2).imageTensor(image)
        #expect(tensor.shape == [1, 3, 2, 2])
        let mean = RD4ADPreprocessing.imageNetMean[0], std = RD4ADPreprocessing.imageNetStd[0]
        #expect(Array(tensor.values[0..<4]) == [50, 60, 90, 100].map { (Float($0) / 255 - mean) / std })
    }

    @Test func maskIsResizedThenBinarizedAboveOneHalf() {
        // Pillow resizes this 4x4 mask to [[78, 188], [5, 78]]; only 188/255 exceeds 0.5.
        let mask = Image(width: 4, height: 4, channels: 1, bitDepth: 8,
                         samples: [255, 0, 255, 255, 0, 1, 255, 255, 0, 0, 0, 0, 0, 0, 0, 255])
        let tensor = RD4ADPreprocessing(width: 2, height: 2).maskTensor(mask)
        #expect(tensor == HostTensor(shape: [1, 1, 2, 2], values: [0, 1, 0, 0]))
    }

    @Test func maskThresholdSeparates127From128() {
        let mask = Image(width: 2, height: 1, channels: 1, bitDepth: 8, samples: [127, 128])
        #expect(RD4ADPreprocessing(width: 2, height: 1).maskTensor(mask).values == [0, 1])
    }

    @Test func rgbMaskUsesItsBrightestChannel() {
        let mask = Image(width: 2, height: 1, channels: 3, bitDepth: 8, samples: [0, 0, 255, 10, 20, 30])
        #expect(RD4ADPreprocessing(width: 2, height: 1).maskTensor(mask).values == [1, 0])
    }
}
