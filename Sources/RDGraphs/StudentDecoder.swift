import DSL

/// The student decoder of de_resnet.py: three stages that each double the resolution,
/// from the embedding back to the taps' channels; gives [s1, s2, s3] highest resolution first.
public func StudentDecoder(embedding: Int, block: BlockKind, layers: [Int], planes: [Int]) -> RolePart {
    let e = block.expansion
    return Decoder {
        DecoderStage("layer1", block, inChannels: embedding, planes: planes[0], blocks: layers[0])
        Tap("s3")
        DecoderStage("layer2", block, inChannels: planes[0] * e, planes: planes[1], blocks: layers[1])
        Tap("s2")
        DecoderStage("layer3", block, inChannels: planes[1] * e, planes: planes[2], blocks: layers[2])
        Tap("s1")
    }
}
