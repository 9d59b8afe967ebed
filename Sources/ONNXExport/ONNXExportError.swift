/// Why a graph or its weights cannot become an ONNX model; names the layer or tensor.
public struct ONNXExportError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}
