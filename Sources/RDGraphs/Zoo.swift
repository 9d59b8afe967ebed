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

    /// `widthDiv` divides every channel count (same topology and parameter names).
    public static func model(_ name: String, widthDiv: Int = 1, height: Int = 256, width: Int = 256,
                             batch: Int = 16) throws -> RD4AD {
        let canonical = aliases[name] ?? name
        switch canonical {
        case "rd4ad_resnet18": return resnet(canonical, .resnet18, ocbeBlocks: 2, decoderLayers: [2, 2, 2], widthDiv, height, width, batch)
        case "rd4ad_resnet34": return resnet(canonical, .resnet34, ocbeBlocks: 2, decoderLayers: [3, 4, 6], widthDiv, height, width, batch)
        case "rd4ad_resnet50": return resnet(canonical, .resnet50, ocbeBlocks: 3, decoderLayers: [3, 4, 6], widthDiv, height, width, batch)
        case "rd4ad_wrn50": return resnet(canonical, .wideResnet50_2, ocbeBlocks: 3, decoderLayers: [3, 4, 6], widthDiv, height, width, batch)
        case "rd4ad_lite0": return lite0(widthDiv, height, width, batch)
        default: throw UnknownModel(name: name)
        }
    }

    static func resnet(_ name: String, _ base: ResNetSpec, ocbeBlocks: Int, decoderLayers: [Int],
                       _ widthDiv: Int, _ height: Int, _ width: Int, _ batch: Int) -> RD4AD {
        let spec = base.dividingWidth(by: widthDiv)
        let planes = [256, 128, 64].map { $0 / widthDiv }
        let embedding = 512 / widthDiv * spec.block.expansion
        return RD4AD(name, height: height, width: width, batch: batch) {
            ResNetTeacher(spec)
        } ocbe: {
            OneClassEmbedding(taps: spec.tapChannels, block: spec.block, blocks: ocbeBlocks, planes: 512 / widthDiv)
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
