#!/usr/bin/env bash
# Installs PyTorch for the benchmark's peer (bench/peer_rd4ad.py) into .venv-peer, which git
# ignores; nothing else in rdc uses it. Only a CPU build is installed: PyPI's own torch wheel is
# the CUDA build, whose nvidia-* dependencies add gigabytes this GPU-less machine never uses, so
# a CPU wheel is looked for where pip finds local wheels (its find-links); without one the peer
# is skipped and `make bench` times rdc alone.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv-peer
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import torch' 2>/dev/null; then
    exit 0
fi

probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
# --no-index: only the local wheels pip is configured with, never a registry download.
if ! python3 -m pip download -q --no-deps --no-index --only-binary :all: torch -d "$probe" 2>/dev/null \
    || ! ls "$probe"/torch-*+cpu-*.whl >/dev/null 2>&1; then
    echo "bench-peer: no CPU build of torch among pip's local wheels; PyPI's torch is the CUDA build" \
         "(a 0.5 GB wheel plus several GB of nvidia-* packages): skipped, make bench times rdc alone"
    exit 0
fi
wheel=$(ls "$probe"/torch-*+cpu-*.whl | head -1)
version=$(basename "$wheel" | cut -d- -f2)
echo "bench-peer: installing torch $version (CPU, $(du -m "$wheel" | cut -f1) MB wheel) into $venv"
python3 -m venv "$venv"
# The wheel from pip's local wheels, its small pure-Python dependencies from PyPI.
"$venv/bin/python" -m pip install -q "torch==$version"
echo "bench-peer: $venv takes $(du -sm "$venv" | cut -f1) MB"
