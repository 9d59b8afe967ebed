import DSL

/// torchvision ResNets as RD4AD teachers: taps after layer1, layer2, layer3 (strides 4, 8, 16).
public struct ResNetSpec: Sendable, Hashable {
    public var name: String
    public var block: BlockKind
    public var layers: [Int]
    /// Every channel count is divided by this (small test models); names stay.
    public var widthDiv: Int = 1

    public static let resnet18 = ResNetSpec(name: "resnet18", block: .basic, layers: [2, 2, 2, 2])
    public static let resnet34 = ResNetSpec(name: "resnet34", block: .basic, layers: [3, 4, 6, 3])
    public static let resnet50 = ResNetSpec(name: "resnet50", block: .bottleneck(widthPerGroup: 64), layers: [3, 4, 6, 3])
    public static let wideResnet50_2 = ResNetSpec(name: "wide_resnet50_2", block: .bottleneck(widthPerGroup: 128),
                                                  layers: [3, 4, 6, 3])

    public func dividingWidth(by d: Int) -> ResNetSpec { var s = self; s.widthDiv = d; return s }

    /// Base widths of the four stages at full width; the stem has the first stage's.
    static let stageWidths = [64, 128, 256, 512]
    func planes(_ stage: Int) -> Int { Self.stageWidths[stage] / widthDiv }
    var stem: Int { Self.stageWidths[0] / widthDiv }
    /// Channels of the three taps.
    public var tapChannels: [Int] { (0..<3).map { planes($0) * block.expansion } }
}

public func ResNetTeacher(_ spec: ResNetSpec) -> RolePart {
    let e = spec.block.expansion
    return Teacher {
        Conv("conv1", spec.stem, 7, stride: 2); BatchNorm("bn1"); ReLU()
        MaxPool("maxpool", 3, stride: 2, padding: 1)
        EncoderStage("layer1", spec.block, inChannels: spec.stem, planes: spec.planes(0), blocks: spec.layers[0], stride: 1)
        Tap("t1")
        EncoderStage("layer2", spec.block, inChannels: spec.planes(0) * e, planes: spec.planes(1), blocks: spec.layers[1], stride: 2)
        Tap("t2")
        EncoderStage("layer3", spec.block, inChannels: spec.planes(1) * e, planes: spec.planes(2), blocks: spec.layers[2], stride: 2)
        Tap("t3")
        Unused {
            EncoderStage("layer4", spec.block, inChannels: spec.planes(2) * e, planes: spec.planes(3), blocks: spec.layers[3], stride: 2)
            Linear("fc", 1000)
        }
    }
}
