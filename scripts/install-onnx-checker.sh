#!/usr/bin/env bash
# The independent checker of `rdc export --onnx` (Tests/EndToEndTests/ONNXExportTests.swift):
# onnxruntime and numpy from PyPI in the git-ignored venv .venv-onnx. Used only by the tests
# and the latency figures of docs/performance.md; rdc itself never runs Python.
# Run by `make test`; does nothing when the venv already imports both.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-onnx
"$venv/bin/python" -c "import onnxruntime, numpy" >/dev/null 2>&1 && exit 0
echo "install-onnx-checker: pip install onnxruntime numpy into $venv"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q "onnxruntime>=1.17" numpy
