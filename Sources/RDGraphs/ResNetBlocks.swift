import DSL

/// The residual blocks of torchvision's ResNets and of the official RD4AD decoder
/// (de_resnet.py), written like the paper's figures. Each returns one module, so a
/// `Sequential` stage numbers it (`layer1.0`, `layer1.1`, ...).
public enum BlockKind: Sendable, Hashable {
    case basic
    /// Bottleneck with inner width = planes * widthPerGroup / 64 (64: ResNet50; 128: WideResNet50-2).
    case bottleneck(widthPerGroup: Int)

    public var expansion: Int {
        switch self {
        case .basic: return 1
        case .bottleneck: return 4
        }
    }

    func innerWidth(_ planes: Int) -> Int {
        switch self {
        case .basic: return planes
        case .bottleneck(let widthPerGroup): return planes * widthPerGroup / 64
        }
    }
}

/// An encoder block: 3x3 convs (basic) or 1x1-3x3-1x1 (bottleneck); the shortcut is a strided
/// 1x1 conv + BN (`downsample`) when the shape changes.
/// `inChannels`, when given, is checked against what flows in.
public func EncoderBlock(_ kind: BlockKind, planes: Int, stride: Int = 1, downsample: Bool,
                         inChannels: Int? = nil) -> Module {
    let out = planes * kind.expansion
    let width = kind.innerWidth(planes)
    return Module {
        Residual {
            switch kind {
            case .basic:
                Conv("conv1", planes, 3, stride: stride, inChannels: inChannels); BatchNorm("bn1"); ReLU()
                Conv("conv2", planes, 3); BatchNorm("bn2")
            case .bottleneck:
                Conv("conv1", width, 1, inChannels: inChannels); BatchNorm("bn1"); ReLU()
                Conv("conv2", width, 3, stride: stride); BatchNorm("bn2"); ReLU()
                Conv("conv3", out, 1); BatchNorm("bn3")
            }
        } shortcut: {
            if downsample {
                Sequential("downsample") { Conv(out, 1, stride: stride); BatchNorm() }
            }
        }
        ReLU()
    }
}

/// A decoder block of de_resnet.py: the encoder block mirrored, its stride-2 conv replaced by
/// a 2x2 stride-2 transposed conv, the shortcut upsampled by a transposed conv + BN (`upsample`).
public func DecoderBlock(_ kind: BlockKind, planes: Int, stride: Int = 1, upsample: Bool,
                         inChannels: Int? = nil) -> Module {
    let out = planes * kind.expansion
    let width = kind.innerWidth(planes)
    return Module {
        Residual {
            switch kind {
            case .basic:
                if stride == 2 {
                    ConvTranspose("conv1", planes, inChannels: inChannels)
                } else {
                    Conv("conv1", planes, 3, inChannels: inChannels)
                }
                BatchNorm("bn1"); ReLU()
                Conv("conv2", planes, 3); BatchNorm("bn2")
            case .bottleneck:
                Conv("conv1", width, 1, inChannels: inChannels); BatchNorm("bn1"); ReLU()
                if stride == 2 { ConvTranspose("conv2", width) } else { Conv("conv2", width, 3) }
                BatchNorm("bn2"); ReLU()
                Conv("conv3", out, 1); BatchNorm("bn3")
            }
        } shortcut: {
            if upsample {
                Sequential("upsample") { ConvTranspose(out, 2, stride: stride); BatchNorm() }
            }
        }
        ReLU()
    }
}

/// torchvision's `_make_layer`: `blocks` blocks, the first with `stride` and a downsample
/// when the stride or the width changes.
public func EncoderStage(_ name: String, _ kind: BlockKind, inChannels: Int, planes: Int, blocks: Int,
                         stride: Int) -> Sequential {
    Sequential(name) {
        EncoderBlock(kind, planes: planes, stride: stride,
                     downsample: stride != 1 || inChannels != planes * kind.expansion, inChannels: inChannels)
        for _ in 1..<blocks { EncoderBlock(kind, planes: planes, downsample: false) }
    }
}

/// de_resnet.py's `_make_layer`: the first block upsamples by `stride`.
public func DecoderStage(_ name: String, _ kind: BlockKind, inChannels: Int, planes: Int, blocks: Int,
                         stride: Int = 2) -> Sequential {
    Sequential(name) {
        DecoderBlock(kind, planes: planes, stride: stride,
                     upsample: stride != 1 || inChannels != planes * kind.expansion, inChannels: inChannels)
        for _ in 1..<blocks { DecoderBlock(kind, planes: planes, upsample: false) }
    }
}
