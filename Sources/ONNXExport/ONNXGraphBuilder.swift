import Foundation
import SwiftProtobuf

/// An ONNX graph being written: nodes in order, initializers, and the attribute and tensor
/// encodings the lowering of every rdc op shares. Values are named by the caller; constants
/// a lowering needs (axes, eps, kernels) are named after the layer they belong to.
struct ONNXGraphBuilder {
    private(set) var nodes: [Onnx_NodeProto] = []
    private(set) var initializers: [Onnx_TensorProto] = []
    /// Initializer names taken: a constant several layers share (an axis, 1.0) is stored once.
    private var initializerNames = Set<String>()

    /// Appends `op` reading `inputs` and writing `output`; returns `output`.
    @discardableResult
    mutating func add(_ op: String, _ inputs: [String], _ output: String, _ attributes: [Onnx_AttributeProto] = []) -> String {
        var node = Onnx_NodeProto()
        node.opType = op
        node.name = output
        node.input = inputs
        node.output = [output]
        node.attribute = attributes
        nodes.append(node)
        return output
    }

    /// A float32 initializer; `name` is returned for use as an input.
    @discardableResult
    mutating func floats(_ name: String, _ dims: [Int], _ values: [Float]) -> String {
        guard initializerNames.insert(name).inserted else { return name }
        initializers.append(Self.tensor(name, dims, .float, values.map(\.bitPattern)))
        return name
    }

    /// An int64 initializer (axes, indices, sizes).
    @discardableResult
    mutating func int64s(_ name: String, _ dims: [Int], _ values: [Int]) -> String {
        guard initializerNames.insert(name).inserted else { return name }
        initializers.append(Self.tensor(name, dims, .int64, values.map { UInt64(bitPattern: Int64($0)) }))
        return name
    }

    /// ONNX stores raw_data little-endian whatever the host's order.
    private static func tensor<T: FixedWidthInteger>(_ name: String, _ dims: [Int], _ type: Onnx_TensorProto.DataType,
                                                     _ bits: [T]) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dims = dims.map(Int64.init)
        t.dataType = Int32(type.rawValue)
        t.rawData = bits.map(\.littleEndian).withUnsafeBytes { Data($0) }
        return t
    }

    static func ints(_ name: String, _ values: [Int]) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .ints
        a.ints = values.map(Int64.init)
        return a
    }

    static func int(_ name: String, _ value: Int) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .int
        a.i = Int64(value)
        return a
    }

    static func float(_ name: String, _ value: Float) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .float
        a.f = value
        return a
    }

    static func string(_ name: String, _ value: String) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .string
        a.s = Data(value.utf8)
        return a
    }
}
