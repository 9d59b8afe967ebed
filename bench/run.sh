#!/usr/bin/env bash
# make bench: rdc's performance benchmark (a benchmark, not a test). In one run, on the same
# OMP_NUM_THREADS (default 2): the machine's ceiling (FMA peak; OpenBLAS SGEMM of each model's
# largest convolution), then per model and size a training step at epoch 1 (teacher runs) and at
# later epochs (teacher features cached), batch 16, and one-image inference latency (a batch-1
# library); PyTorch eager on the same steps where .venv-peer exists (make bench-peer). Every
# measurement is its own process, so each peak RSS is one model's. Writes the JSON lines to
# .build/bench/results.jsonl and the tables to .build/bench/summary.txt.
#
#   BENCH_MODELS="rd4ad_resnet18:256 rd4ad_resnet18:128 rd4ad_lite0:256"   zoo model:size pairs to run
#   BENCH_WRN50=1         add rd4ad_wrn50:256 (2.1 TFLOP a training step: ~15 minutes more)
#   BENCH_STEPS=5         timed steps of a training step (after one warm-up); the median is reported
#   BENCH_ROUNDS=3        measurements of each step per side, in the order rdc, PyTorch, PyTorch, rdc,
#                         rdc, PyTorch (this machine has slow spells of minutes that can cover two rounds)
#   BENCH_INFER_STEPS=20  timed one-image inferences
#   BENCH_MAX_SECONDS=300 per measurement, stop timing after the step that passes this
#   BENCH_QUIET_WAIT=60   per measurement, first wait up to this long for other processes to
#                         leave the CPUs idle (a shared machine); the results say how busy it was
set -euo pipefail
cd "$(dirname "$0")/.."

export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
steps=${BENCH_STEPS:-5}
rounds=${BENCH_ROUNDS:-3}
infer_steps=${BENCH_INFER_STEPS:-20}
cap=${BENCH_MAX_SECONDS:-300}
quiet=${BENCH_QUIET_WAIT:-60}
rdc=.build/release/rdc
out=.build/bench
results=$out/results.jsonl
peer=.venv-peer/bin/python

# OpenBLAS for the SGEMM ceiling (bench/sgemm.c), from Debian like scripts/install-deps.sh.
if ! ls /usr/lib/*/libopenblas.so >/dev/null 2>&1; then
    echo "bench: apt-get install libopenblas-dev"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq libopenblas-dev >/dev/null
fi

read -r -a models <<< "${BENCH_MODELS:-rd4ad_resnet18:256 rd4ad_resnet18:128 rd4ad_lite0:256}"
if [ "${BENCH_WRN50:-0}" = 1 ]; then models+=(rd4ad_wrn50:256); fi

mkdir -p "$out"
: > "$results"

# Prints the folder of MODEL at SIZE and BATCH, compiled when missing or older than the
# compiler's sources (so a new kernel is always what gets timed).
compiled() {
    local dir="$out/${1#rd4ad_}_${2}_b${3}"
    local lib="$dir/lib$(basename "$dir").so"
    if [ ! -f "$lib" ] || [ -n "$(find Sources/Codegen Sources/DSL Sources/RDGraphs templates -newer "$lib" -print -quit)" ]; then
        echo "bench: rdc compile $1 --image-size $2 --batch $3 --out $dir" >&2
        "$rdc" compile "$1" --image-size "$2" --batch "$3" --out "$dir" > "$dir.log" \
            || { echo "bench: rdc compile $1 failed (its output: $dir.log)" >&2; exit 1; }
    fi
    echo "$dir"
}

# Runs one measurement; its JSON line goes to the results and, for progress and without the
# per-kernel profile, to the terminal.
measure() {
    echo "bench: $*" >&2
    local line
    line=$("$@")
    echo "$line" >> "$results"
    echo "$line" | sed 's/"profile":\[[^]]*\],//'
}

measure "$rdc" bench --what fma-peak --quiet-wait "$quiet" --json
for entry in "${models[@]}"; do
    model=${entry%%:*} size=${entry#*:}
    train=$(compiled "$model" "$size" 16)
    infer=$(compiled "$model" "$size" 1)
    measure "$rdc" bench --generated "$train" --what sgemm --quiet-wait "$quiet" --json
    # Each step in BENCH_ROUNDS rounds, rdc and PyTorch next to each other in the order
    # rdc, PyTorch, PyTorch, rdc, ...: both sides see the machine in about the same states, and
    # a drift between two measurements does not land on one side only (the summary compares
    # each side's best round).
    for what in train train-cached infer; do
        if [ "$what" = infer ]; then dir=$infer batch=1 n=$infer_steps; else dir=$train batch=16 n=$steps; fi
        for round in $(seq "$rounds"); do
            if [ $((round % 2)) = 1 ]; then sides="rdc pytorch"; else sides="pytorch rdc"; fi
            for side in $sides; do
                if [ "$side" = rdc ]; then
                    measure "$rdc" bench --generated "$dir" --what "$what" --steps "$n" --max-seconds "$cap" --quiet-wait "$quiet" --json
                elif [ -x "$peer" ]; then
                    measure "$peer" bench/peer_rd4ad.py --model "$model" --image-size "$size" --batch "$batch" \
                        --what "$what" --steps "$n" --max-seconds "$cap" --quiet-wait "$quiet"
                fi
            done
        done
    done
done

echo
"$rdc" bench --summary "$results" | tee "$out/summary.txt"
[ -x "$peer" ] || echo "(no PyTorch peer: make bench-peer installs it into .venv-peer and runs this again)"
