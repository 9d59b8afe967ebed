// RD4AD with a ResNet18 teacher, as in the official code. Copy and edit; compile with
//   rdc compile Models/rd_resnet18.swift [--image-size HxW] [--batch N]
import DSL
import RDGraphs

emit(RD4AD("rd_resnet18", height: 256, width: 256, batch: 16) {
    ResNetTeacher(.resnet18)
} ocbe: {
    OneClassEmbedding(taps: [64, 128, 256], block: .basic, blocks: 2, planes: 512)
} decoder: {
    StudentDecoder(embedding: 512, block: .basic, layers: [2, 2, 2], planes: [256, 128, 64])
})
