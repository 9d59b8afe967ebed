// swift-tools-version:6.0
import Foundation
import PackageDescription

let package = Package(
    name: "rdc",
    products: [
        .executable(name: "rdc", targets: ["rdc"]),
        // Model files (`rdc compile model.swift`) are built by swiftc against this one library.
        .library(name: "RDCModel", type: .dynamic, targets: ["DSL", "RDGraphs"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // Graph IR, shapes, ops, result builders. Depends on nothing of ours.
        .target(name: "DSL"),
        // The model zoo written in the DSL.
        .target(name: "RDGraphs", dependencies: ["DSL"]),
        // Passes and C emission; knows ops, never RD4AD's models.
        .target(name: "Codegen", dependencies: ["DSL", "ModelRuntime"]),
        // The C ABI of every generated library (templates/rdc_abi.h), seen from Swift.
        .systemLibrary(name: "CRDCABI", path: "Sources/CRDCABI"),
        // A compiled library at run time: dlopen, its tensor table and entry points.
        .target(name: "ModelRuntime", dependencies: ["DSL", "CRDCABI"]),
        // PyTorch .pth reading (zip and legacy formats) and state-dict checking.
        .target(name: "TorchFiles", dependencies: ["DSL"]),
        // The plain Swift executor every compiled kernel is tested against.
        .target(name: "Reference", dependencies: ["DSL"]),
        // libpng, image preprocessing.
        .systemLibrary(name: "CLibPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .target(name: "Imaging", dependencies: ["DSL", "CLibPNG"]),
        // Image AUROC, pixel AUROC, PRO.
        .target(name: "Metrics"),
        // Dataset layouts (MVTec AD, plain folders, MNIST idx, ELPV) into preprocessed tensors.
        .target(name: "Datasets", dependencies: ["DSL", "Imaging"]),
        // rdc's own checkpoints, written atomically.
        .target(name: "Checkpoints", dependencies: ["DSL"]),
        // Training, evaluation and inference with a compiled model: the runtime behind
        // rdc train / eval / infer / export.
        .target(name: "Training", dependencies: ["DSL", "ModelRuntime", "Datasets", "Checkpoints", "Metrics", "Imaging", "TorchFiles",
                                                "Distributed"]),
        // The inference graph as an ONNX model (rdc export --onnx); onnx.pb.swift is generated
        // from third_party/onnx/onnx.proto by scripts/generate-onnx-swift.sh.
        .target(name: "ONNXExport", dependencies: ["DSL", "Reference", .product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        // Open MPI's C API as declared in shim.h: no link, libmpi is dlopened (Distributed).
        .systemLibrary(name: "CMPI", path: "Sources/CMPI"),
        // The ranks of a job and their collectives: one process, or Open MPI's world under mpirun.
        .target(name: "Distributed", dependencies: ["CMPI"]),
        .executableTarget(
            name: "rdc",
            dependencies: [
                "DSL", "RDGraphs", "Codegen", "ModelRuntime", "TorchFiles", "Imaging", "Datasets", "Checkpoints", "Training", "ONNXExport",
                "Distributed",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // The file readers fed arbitrary bytes: libFuzzer's targets (make fuzz) and their corpora's replay.
        .target(name: "FuzzHarness", dependencies: ["Checkpoints", "Datasets", "Imaging", "TorchFiles"]),
        .testTarget(name: "FuzzReplayTests", dependencies: ["FuzzHarness"]),
        .testTarget(name: "DSLTests", dependencies: ["DSL", "RDGraphs"]),
        .testTarget(name: "TorchFilesTests", dependencies: ["TorchFiles", "DSL", "GoldenCases"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "DSL"]),
        .testTarget(name: "MetricsTests", dependencies: ["Metrics", "Imaging", "DSL", "GoldenCases"]),
        .testTarget(name: "ReferenceTests", dependencies: ["Reference", "DSL"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "Imaging", "DSL"]),
        .testTarget(name: "CheckpointsTests", dependencies: ["Checkpoints", "DSL"]),
        .testTarget(name: "DistributedTests", dependencies: ["Distributed", "GoldenCases"]),
        // Every collective on known values, run under mpirun by EndToEndTests (CommunicatorCheckTests).
        .executableTarget(name: "communicator-check", dependencies: ["Distributed"], path: "Tests/CommunicatorCheck"),
        // Reads the PyTorch golden tensors; shared by the golden tests of every executor.
        .target(name: "GoldenCases", dependencies: ["DSL"], path: "Tests/GoldenCases"),
        .testTarget(name: "CodegenTests", dependencies: ["Codegen", "ModelRuntime", "DSL", "RDGraphs", "Reference", "TorchFiles", "GoldenCases"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "DSL", "RDGraphs", "TorchFiles", "GoldenCases"]),
        // Runs the built rdc binary (.build/<config>/rdc) end to end: compile, train, eval, infer, export,
        // the fan-out over categories under mpirun.
        .testTarget(name: "EndToEndTests", dependencies: ["Datasets", "Checkpoints", "DSL", "RDGraphs", "Imaging", "Metrics", "GoldenCases"]),
        .testTarget(name: "GoldenTests", dependencies: ["DSL", "RDGraphs", "TorchFiles", "Reference", "GoldenCases"]),
    ]
)

// libFuzzer's executable, only where `make fuzz` asks for it (RDC_FUZZ=1): built without
// -sanitize=fuzzer it would have no main.
if ProcessInfo.processInfo.environment["RDC_FUZZ"] == "1" {
    package.targets.append(.executableTarget(name: "rdc-fuzz", dependencies: ["FuzzHarness"], path: "Fuzz/Sources"))
}
