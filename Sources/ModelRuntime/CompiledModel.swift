import CRDCABI
import DSL
import Foundation

/// A compiled model loaded at run time: dlopen()s a libNAME.so that Codegen built and calls
/// its entry points (templates/rdc_abi.h) through dlsym'd pointers, so one program serves
/// every compiled model. Owns one context (all tensors, zero at start).
///
///     let model = try CompiledModel(libraryPath: "generated/r18/libr18.so")
///     try model.load(parameters: weights)
///     try model.setInput(images)
///     try model.forwardTrain(); try model.backward()
///     try model.adamStep(lr: 0.005, beta1: 0.5, beta2: 0.999)
///     let loss = try model.tensor(named: "loss_flat").values[0]
///
/// dlopen() shares one copy of a library per path: rebuild a changed model under a new
/// path (or name) rather than over a library this process has loaded.
public final class CompiledModel {
    public struct TensorInfo: Sendable, Equatable {
        public var index: Int
        public var name: String
        public var kind: TensorKind
        public var shape: [Int]
        /// Updated by `adamStep`.
        public var trainable: Bool
        public var count: Int { shape.reduce(1, *) }
    }

    public let libraryPath: String
    public let modelName: String
    /// Bytes per element: 4 (float) or 8 (double).
    public let realSize: Int
    public let tensors: [TensorInfo]

    private let handle: UnsafeMutableRawPointer
    private let context: OpaquePointer
    private let indexByName: [String: Int]
    private let destroy: rdc_destroy_fn
    private let tensorPointer: rdc_tensor_fn
    private let statusMessage: rdc_status_message_fn
    private let setInputFn: rdc_set_input_fn
    private let forwardTrainFn, forwardTrainFeaturesFn, forwardEvalFn, forwardEvalFeaturesFn: rdc_run_fn
    private let anomalyMapsFn, backwardFn: rdc_run_fn
    private let adamStepFn: rdc_adam_step_fn
    private let adamStepsFn: rdc_adam_steps_fn
    private let setAdamStepsFn: rdc_set_adam_steps_fn
    private let setAllreduceFn: rdc_set_allreduce_fn
    /// The host's sum behind the library's reduction hook, kept alive while it is set.
    var allreduceHook: AllreduceBox?

    public init(libraryPath: String) throws {
        guard let handle = dlopen(libraryPath, RTLD_NOW | RTLD_LOCAL) else {
            throw LibraryError("cannot load \(libraryPath): \(String(cString: dlerror()))")
        }
        func symbol<T>(_ name: String, as _: T.Type) throws -> T {
            guard let p = dlsym(handle, name) else {
                throw LibraryError("\(libraryPath) lacks \(name): not a library rdc compiled")
            }
            return unsafeBitCast(p, to: T.self)
        }
        do {
            let version = try symbol("rdc_abi_version", as: rdc_abi_version_fn.self)()
            guard version == RDC_ABI_VERSION else {
                throw LibraryError("\(libraryPath) has ABI version \(version), this rdc speaks \(RDC_ABI_VERSION): recompile the model")
            }
            modelName = String(cString: try symbol("rdc_model_name", as: rdc_model_name_fn.self)()!)
            realSize = Int(try symbol("rdc_real_size", as: rdc_real_size_fn.self)())
            let count = try symbol("rdc_tensor_count", as: rdc_tensor_count_fn.self)()
            let infoAt = try symbol("rdc_tensor_info_at", as: rdc_tensor_info_at_fn.self)
            tensors = try (0..<count).map { i in
                guard let info = infoAt(i)?.pointee, let kind = TensorKind(abiValue: info.kind) else {
                    throw LibraryError("\(libraryPath): bad tensor table entry \(i)")
                }
                let dims = withUnsafeBytes(of: info.shape) { Array($0.bindMemory(to: Int64.self)) }
                return TensorInfo(index: Int(i), name: String(cString: info.name), kind: kind,
                                  shape: dims.prefix(Int(info.rank)).map(Int.init), trainable: info.flags & Int32(RDC_TRAINABLE) != 0)
            }
            destroy = try symbol("rdc_destroy", as: rdc_destroy_fn.self)
            tensorPointer = try symbol("rdc_tensor", as: rdc_tensor_fn.self)
            statusMessage = try symbol("rdc_status_message", as: rdc_status_message_fn.self)
            setInputFn = try symbol("rdc_set_input", as: rdc_set_input_fn.self)
            forwardTrainFn = try symbol("rdc_forward_train", as: rdc_run_fn.self)
            forwardTrainFeaturesFn = try symbol("rdc_forward_train_features", as: rdc_run_fn.self)
            forwardEvalFn = try symbol("rdc_forward_eval", as: rdc_run_fn.self)
            forwardEvalFeaturesFn = try symbol("rdc_forward_eval_features", as: rdc_run_fn.self)
            anomalyMapsFn = try symbol("rdc_anomaly_maps", as: rdc_run_fn.self)
            backwardFn = try symbol("rdc_backward", as: rdc_run_fn.self)
            adamStepFn = try symbol("rdc_adam_step", as: rdc_adam_step_fn.self)
            adamStepsFn = try symbol("rdc_adam_steps", as: rdc_adam_steps_fn.self)
            setAdamStepsFn = try symbol("rdc_set_adam_steps", as: rdc_set_adam_steps_fn.self)
            setAllreduceFn = try symbol("rdc_set_allreduce", as: rdc_set_allreduce_fn.self)
            guard let ctx = try symbol("rdc_create", as: rdc_create_fn.self)() else {
                throw LibraryError("\(libraryPath): out of memory creating a context")
            }
            context = ctx
        } catch {
            dlclose(handle)
            throw error
        }
        self.handle = handle
        self.libraryPath = libraryPath
        indexByName = Dictionary(tensors.map { ($0.name, $0.index) }, uniquingKeysWith: { a, _ in a })
    }

    deinit {
        destroy(context)
        dlclose(handle)
    }

    public func info(named name: String) throws -> TensorInfo {
        guard let i = indexByName[name] else {
            throw LibraryError("\(modelName) has no tensor '\(name)'")
        }
        return tensors[i]
    }

    /// Copies tensor `name` out, as float32.
    public func tensor(named name: String) throws -> HostTensor {
        let info = try info(named: name)
        guard realSize == 4 else { return HostTensor(shape: info.shape, values: try doubles(named: name).map(Float.init)) }
        let p = tensorPointer(context, Int32(info.index))!.assumingMemoryBound(to: Float.self)
        return HostTensor(shape: info.shape, values: Array(UnsafeBufferPointer(start: p, count: info.count)))
    }

    /// Copies tensor `name` out in full precision (the library's own element type, widened).
    public func doubles(named name: String) throws -> [Double] {
        let info = try info(named: name)
        let p = tensorPointer(context, Int32(info.index))!
        if realSize == 8 { return Array(UnsafeBufferPointer(start: p.assumingMemoryBound(to: Double.self), count: info.count)) }
        return UnsafeBufferPointer(start: p.assumingMemoryBound(to: Float.self), count: info.count).map(Double.init)
    }

    public func setTensor(named name: String, _ t: HostTensor) throws {
        let info = try info(named: name)
        guard t.shape == info.shape else {
            throw LibraryError("\(modelName): '\(name)' is \(Shape(info.shape)), given \(Shape(t.shape))")
        }
        guard realSize == 4 else { return try setDoubles(named: name, t.values.map(Double.init)) }
        tensorPointer(context, Int32(info.index))!.assumingMemoryBound(to: Float.self).update(from: t.values, count: t.count)
    }

    public func setDoubles(named name: String, _ values: [Double]) throws {
        let info = try info(named: name)
        guard values.count == info.count else {
            throw LibraryError("\(modelName): '\(name)' holds \(info.count) values, given \(values.count)")
        }
        let p = tensorPointer(context, Int32(info.index))!
        if realSize == 8 {
            p.assumingMemoryBound(to: Double.self).update(from: values, count: values.count)
        } else {
            let floats = p.assumingMemoryBound(to: Float.self)
            for (i, v) in values.enumerated() { floats[i] = Float(v) }
        }
    }

    /// Sets every parameter and running statistic of the model from a state dict (PyTorch
    /// names). All must be there with their shapes; the names of `parameters` the model
    /// does not hold (unused modules, num_batches_tracked) are returned.
    @discardableResult
    public func load(parameters: [String: HostTensor]) throws -> [String] {
        var problems: [String] = []
        for info in tensors where info.kind == .parameter || info.kind == .buffer {
            guard let t = parameters[info.name] else { problems.append("missing \(info.name) \(Shape(info.shape))"); continue }
            guard t.shape == info.shape else { problems.append("\(info.name) is \(Shape(t.shape)), the model needs \(Shape(info.shape))"); continue }
            try setTensor(named: info.name, t)
        }
        guard problems.isEmpty else { throw LibraryError("\(modelName): cannot load parameters:\n  " + problems.joined(separator: "\n  ")) }
        return parameters.keys.filter { indexByName[$0] == nil }.sorted()
    }

    /// The image batch [N, 3, H, W].
    public func setInput(_ images: HostTensor) throws {
        guard let input = tensors.first(where: { $0.kind == .input }) else { throw LibraryError("\(modelName) has no input") }
        guard images.shape == input.shape else {
            throw LibraryError("\(modelName) takes input \(Shape(input.shape)), given \(Shape(images.shape))")
        }
        try check(images.values.withUnsafeBufferPointer { setInputFn(context, $0.baseAddress) })
    }

    public func forwardTrain() throws { try check(forwardTrainFn(context)) }
    /// The trainable part and losses from teacher features set beforehand (`t1`...).
    public func forwardTrainFromFeatures() throws { try check(forwardTrainFeaturesFn(context)) }
    public func forwardEval() throws { try check(forwardEvalFn(context)) }
    public func forwardEvalFromFeatures() throws { try check(forwardEvalFeaturesFn(context)) }
    public func anomalyMaps() throws { try check(anomalyMapsFn(context)) }
    public func backward() throws { try check(backwardFn(context)) }

    public func adamStep(lr: Double, beta1: Double = 0.9, beta2: Double = 0.999, eps: Double = 1e-8) throws {
        try check(adamStepFn(context, lr, beta1, beta2, eps))
    }

    /// Adam's step counter (bias correction); set it to resume training.
    public var adamSteps: Int {
        get { Int(adamStepsFn(context)) }
        set { setAdamStepsFn(context, Int64(newValue)) }
    }

    /// rdc_set_allreduce with the trampoline, or none for one process.
    func setAllreduceHook(_ ranks: Int32, _ user: UnsafeMutableRawPointer?) {
        setAllreduceFn(context, user == nil ? nil : allreduceTrampoline, user, ranks)
    }

    private func check(_ status: Int32) throws {
        guard status == 0 else { throw LibraryError("\(modelName): \(String(cString: statusMessage(status)!))") }
    }
}
