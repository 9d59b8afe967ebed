import DSL
import Foundation
import SwiftProtobuf

/// An RD4AD graph's inference as one ONNX model: `image` [N,3,H,W] -> `anomaly_map` [N,H,W]
/// (the smoothed map) and `score` [N] (its maximum), N free. Only the nodes these two need
/// are written (no losses); BatchNorms use their running statistics (eval mode).
public enum InferenceModel {
    /// The graph outputs exported, and the names they have in the ONNX model.
    public static let outputs = [(graph: "amap_smooth", onnx: "anomaly_map"), (graph: "image_scores", onnx: "score")]
    /// ONNX 1.12's IR version and default-domain opset: what third_party/onnx/onnx.proto describes.
    static let irVersion: Int64 = 8
    static let opsetVersion: Int64 = 17
    /// ModelProto.producer_name; also how rdc recognizes a file it wrote (`isWrittenByRDC`).
    static let producer = "rdc"

    /// The serialized ModelProto. `weight` gives each parameter's value by state_dict name;
    /// `metadata` becomes the model's metadata_props, in order.
    public static func serialized(graph: Graph, weight: @escaping (String) throws -> HostTensor,
                                  metadata: [(key: String, value: String)]) throws -> Data {
        var lowering = Lowering(graph: graph, weight: weight)
        let needed = try neededNodes(graph)
        for node in graph.nodes where needed.contains(node.id) { try lowering.lower(node) }

        var onnxGraph = Onnx_GraphProto()
        onnxGraph.name = graph.name
        onnxGraph.input = [tensorInfo(Lowering.imageInput, dims: try imageShape(graph))]
        for output in outputs {
            let node = try outputNode(graph, output.graph)
            lowering.builder.add("Identity", [try lowering.value(of: node.id, readBy: output.onnx)], output.onnx)
            onnxGraph.output.append(tensorInfo(output.onnx, dims: [nil] + node.shape.dims.dropFirst().map { $0 }))
        }
        onnxGraph.node = lowering.builder.nodes
        onnxGraph.initializer = lowering.builder.initializers

        var model = Onnx_ModelProto()
        model.irVersion = irVersion
        var opset = Onnx_OperatorSetIdProto()
        opset.domain = ""
        opset.version = opsetVersion
        model.opsetImport = [opset]
        model.producerName = producer
        model.graph = onnxGraph
        model.metadataProps = metadata.map { key, value in
            var entry = Onnx_StringStringEntryProto()
            entry.key = key
            entry.value = value
            return entry
        }
        return try model.serializedBytes()
    }

    /// Whether the file at `path` is an ONNX model rdc wrote (so replacing it loses nothing).
    public static func isWrittenByRDC(_ path: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: path),
              let model = try? Onnx_ModelProto(serializedBytes: data) else { return false }
        return model.producerName == producer && model.hasGraph
    }

    /// The ids of the nodes the exported outputs depend on.
    private static func neededNodes(_ graph: Graph) throws -> Set<Int> {
        var needed = Set<Int>()
        var pending = try outputs.map { try outputNode(graph, $0.graph).id }
        while let id = pending.popLast() {
            guard graph.nodes.indices.contains(id) else {
                throw ONNXExportError("graph '\(graph.name)' refers to node \(id), which does not exist")
            }
            if needed.insert(id).inserted { pending += graph.nodes[id].inputs }
        }
        return needed
    }

    private static func outputNode(_ graph: Graph, _ name: String) throws -> Node {
        guard let node = graph.output(name) else {
            throw ONNXExportError("graph '\(graph.name)' has no output '\(name)': not an RD4AD graph")
        }
        return node
    }

    /// [N, 3, H, W] with N free: the graph's one input node, its batch dropped.
    private static func imageShape(_ graph: Graph) throws -> [Int?] {
        let inputs = graph.nodes.filter { $0.op == .input }
        guard inputs.count == 1, inputs[0].shape.rank == 4 else {
            let found = inputs.map { "'\($0.name)' \($0.shape)" }.joined(separator: ", ")
            throw ONNXExportError("graph '\(graph.name)' must have one [N,3,H,W] image input, it has \(found.isEmpty ? "none" : found)")
        }
        return [nil] + inputs[0].shape.dims.dropFirst().map { $0 }
    }

    /// A float32 tensor's name and shape; nil dims are the batch, named N.
    private static func tensorInfo(_ name: String, dims: [Int?]) -> Onnx_ValueInfoProto {
        var tensor = Onnx_TypeProto.Tensor()
        tensor.elemType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        tensor.shape.dim = dims.map { size in
            var dim = Onnx_TensorShapeProto.Dimension()
            if let size { dim.dimValue = Int64(size) } else { dim.dimParam = "N" }
            return dim
        }
        var info = Onnx_ValueInfoProto()
        info.name = name
        info.type.tensorType = tensor
        return info
    }
}
