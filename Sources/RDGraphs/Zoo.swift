import DSL

/// The models rdc knows by name, as in the official `build_rd`: teacher, OCBE and decoder.
public enum Zoo {
    public static let names = ["rd4ad_resnet18", "rd4ad_resnet34", "rd4ad_resnet50", "rd4ad_wrn50", "rd4ad_lite0"]

    /// Short names accepted on the command line.
    static let aliases = ["resnet18": "rd4ad_resnet18", "resnet34": "rd4ad_resnet34", "resnet50": "rd4ad_resnet50",
                          "wrn50": "rd4ad_wrn50", "wide_resnet50_2": "rd4ad_wrn50", "lite0": "rd4ad_lite0",
                          "efficientnet_lite0": "rd4ad_lite0"]

    public struct UnknownModel: Error, CustomStringConvertible {
        public var name: String
        public var description: String {
            "unknown model '\(name)'; the zoo has \(Zoo.names.joined(separator: ", "))"
        }
    }

    public struct BadWidthDivisor: Error, CustomStringConvertible {
        public var model: String
        public var widthDiv: Int
        /// `widthDivisors(model)`.
        public var allowed: [Int]
        public var description: String {
            "width divisor \(widthDiv) does not divide every channel count of \(model); "
                + "it takes \(allowed.map(String.init).joined(separator: ", "))"
        }
    }

    /// `widthDiv` divides every channel count (same topology and parameter names); it must be
    /// one of `widthDivisors(name)`.
    public static func model(_ name: String, widthDiv: Int = 1, height: Int = 256, width: Int = 256,
                             batch: Int = 16) throws -> RD4AD {
        let canonical = aliases[name] ?? name
        let allowed = try widthDivisors(canonical)
        guard allowed.contains(widthDiv) else { throw BadWidthDivisor(model: canonical, widthDiv: widthDiv, allowed: allowed) }
        switch canonical {
        case "rd4ad_resnet18": return resnet(canonical, .resnet18, ocbeBlocks: 2, decoderLayers: [2, 2, 2], widthDiv, height, width, batch)
        case "rd4ad_resnet34": return resnet(canonical, .resnet34, ocbeBlocks: 2, decoderLayers: [3, 4, 6], widthDiv, height, width, batch)
        case "rd4ad_resnet50": return resnet(canonical, .resnet50, ocbeBlocks: 3, decoderLayers: [3, 4, 6], widthDiv, height, width, batch)
        case "rd4ad_wrn50": return resnet(canonical, .wideResnet50_2, ocbeBlocks: 3, decoderLayers: [3, 4, 6], widthDiv, height, width, batch)
        case "rd4ad_lite0": return lite0(widthDiv, height, width, batch)
        default: throw UnknownModel(name: name)
        }
    }

    /// The width divisors a zoo model takes: those that divide every one of its channel counts.
    public static func widthDivisors(_ name: String) throws -> [Int] {
        let canonical = aliases[name] ?? name
        let channels: [Int]
        switch canonical {
        case "rd4ad_resnet18", "rd4ad_resnet34", "rd4ad_resnet50", "rd4ad_wrn50": channels = ResNetSpec.stageWidths
        case "rd4ad_lite0":
            channels = [EfficientNetLite0.stemChannels, EfficientNetLite0.headChannels]
                + EfficientNetLite0.blocks.flatMap { [$0.inChannels, $0.outChannels] }
        default: throw UnknownModel(name: name)
        }
        func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
        let common = channels.reduce(0, gcd)
        return (1...common).filter { common % $0 == 0 }
    }

    static func resnet(_ name: String, _ base: ResNetSpec, ocbeBlocks: Int, decoderLayers: [Int],
                       _ widthDiv: Int, _ height: Int, _ width: Int, _ batch: Int) -> RD4AD {
        let spec = base.dividingWidth(by: widthDiv)
        let planes = [2, 1, 0].map(spec.planes)
        let embedding = spec.planes(3) * spec.block.expansion
        return RD4AD(name, height: height, width: width, batch: batch) {
            ResNetTeacher(spec)
        } ocbe: {
            OneClassEmbedding(taps: spec.tapChannels, block: spec.block, blocks: ocbeBlocks, planes: spec.planes(3))
        } decoder: {
            StudentDecoder(embedding: embedding, block: spec.block, layers: decoderLayers, planes: planes)
        }
    }

    /// Lite0 keeps the ResNet18 recipe with its own tap channels and embedding 2 * C3.
    static func lite0(_ widthDiv: Int, _ height: Int, _ width: Int, _ batch: Int) -> RD4AD {
        let taps = EfficientNetLite0.tapChannels.map { $0 / widthDiv }
        return RD4AD("rd4ad_lite0", height: height, width: width, batch: batch) {
            EfficientNetLite0Teacher(widthDiv: widthDiv)
        } ocbe: {
            OneClassEmbedding(taps: taps, block: .basic, blocks: 2, planes: 2 * taps[2])
        } decoder: {
            StudentDecoder(embedding: 2 * taps[2], block: .basic, layers: [2, 2, 2], planes: taps.reversed())
        }
    }
}
