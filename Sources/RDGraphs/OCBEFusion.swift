import DSL

/// The one-class bottleneck embedding of the official code (resnet.py `BN_layer`), for taps
/// of `taps` = [C1, C2, C3] channels:
///   l1 = relu(bn2(conv2(relu(bn1(conv1(f1))))))   3x3 s2 C1->C2, 3x3 s2 C2->C3
///   l2 = relu(bn3(conv3(f2)))                      3x3 s2 C2->C3
///   e  = bn_layer(concat[l1, l2, f3])              residual stage, stride 2
/// conv4/bn4 (1x1, 4*C3 -> E) exist in the official module but its forward never uses them.
public func OneClassEmbedding(taps: [Int], block: BlockKind, blocks: Int, planes: Int) -> RolePart {
    let (c1, c2, c3) = (taps[0], taps[1], taps[2])
    let embedding = planes * block.expansion
    return OCBE {
        Concat {
            Branch(0) {
                Conv("conv1", c2, 3, stride: 2, inChannels: c1); BatchNorm("bn1"); ReLU()
                Conv("conv2", c3, 3, stride: 2); BatchNorm("bn2"); ReLU()
                Tap("ocbe_l1")
            }
            Branch(1) {
                Conv("conv3", c3, 3, stride: 2, inChannels: c2); BatchNorm("bn3"); ReLU()
                Tap("ocbe_l2")
            }
            Branch(2)
        }
        Tap("ocbe_cat")
        EncoderStage("bn_layer", block, inChannels: 3 * c3, planes: planes, blocks: blocks, stride: 2)
        Unused {
            Conv("conv4", embedding, 1, inChannels: 4 * c3); BatchNorm("bn4")
        }
    }
}
