// RD4AD with a WideResNet50-2 teacher: the official default. Copy and edit; compile with
//   rdc compile Models/rd_wrn50.swift [--image-size HxW] [--batch N]
import DSL
import RDGraphs

let block = BlockKind.bottleneck(widthPerGroup: 128)

emit(RD4AD("rd_wrn50", height: 256, width: 256, batch: 16) {
    ResNetTeacher(.wideResnet50_2)
} ocbe: {
    OneClassEmbedding(taps: [256, 512, 1024], block: block, blocks: 3, planes: 512)
} decoder: {
    StudentDecoder(embedding: 2048, block: block, layers: [3, 4, 6], planes: [256, 128, 64])
})
