#!/usr/bin/env bash
# Regenerates Sources/ONNXExport/onnx.pb.swift, the Swift types of the ONNX schema, from
# third_party/onnx/onnx.proto (ONNX 1.12.0: IR version 8, opsets up to 17; taken from the
# onnx-1.12.0 wheel on PyPI, onnx/onnx.proto). Run by hand after changing the schema; the
# build only compiles the committed output against the SwiftProtobuf runtime library.
#
# Needs Debian's protoc (apt-get install protobuf-compiler) and protoc-gen-swift of the same
# swift-protobuf release as Package.swift's dependency, built outside this package (a plugin
# build inside it would rebuild swift-protobuf's generator on every clean build):
#   git clone --branch 1.39.0 https://github.com/apple/swift-protobuf /tmp/swift-protobuf
#   (cd /tmp/swift-protobuf && swift build -c release --product protoc-gen-swift)
#   PROTOC_GEN_SWIFT=/tmp/swift-protobuf/.build/release/protoc-gen-swift scripts/generate-onnx-swift.sh
set -euo pipefail
cd "$(dirname "$0")/.."
plugin=${PROTOC_GEN_SWIFT:?set PROTOC_GEN_SWIFT to a protoc-gen-swift binary (see the header of this script)}
command -v protoc >/dev/null || { echo "protoc not found: apt-get install protobuf-compiler" >&2; exit 1; }
# Internal visibility: only ONNXExport sees the schema's types; the rest of rdc gets bytes.
protoc --plugin=protoc-gen-swift="$plugin" --proto_path=third_party/onnx \
    --swift_opt=Visibility=Internal --swift_out=Sources/ONNXExport onnx.proto
echo "wrote Sources/ONNXExport/onnx.pb.swift with $(protoc --version) and protoc-gen-swift $("$plugin" --version)"
