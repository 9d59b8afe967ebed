#!/usr/bin/env bash
# One-image inference latency: rdc's compiled library (rdc bench --what infer) against
# onnxruntime running the model `rdc export --onnx` writes from the same folder, with the
# same number of threads (docs/performance.md, "ONNX export"). Not a test.
#
# Weights: the golden cases' official-format checkpoints (RDC_GOLDEN, else ../shared/golden):
# RD4AD-Lite0 (real ImageNet teacher) and RD4AD-ResNet18 at width/8. The timed values do not
# depend on the weights; onnxruntime needs some to load the model.
# Variables: OMP_NUM_THREADS (2), RUNS (20 timed runs per round), ROUNDS (2, rdc and
# onnxruntime alternating ABBA), SIZE (256), QUIET_WAIT (60: seconds rdc bench first waits for
# the other processes to leave the CPUs idle; the machine is shared).
set -euo pipefail
cd "$(dirname "$0")/.."
golden=${RDC_GOLDEN:-../shared/golden}
threads=${OMP_NUM_THREADS:-2}
runs=${RUNS:-20}
rounds=${ROUNDS:-2}
size=${SIZE:-256}
quiet_wait=${QUIET_WAIT:-60}
rdc=.build/release/rdc
python=.venv-onnx/bin/python
out=.build/bench/onnx
bash scripts/install-onnx-checker.sh
mkdir -p "$out"

rdc_ms() {
    OMP_NUM_THREADS=$threads $rdc bench --generated "$1" --what infer --steps "$runs" --quiet-wait "$quiet_wait" --json \
        | $python -c "import json, sys; r = json.loads(sys.stdin.readlines()[-1]); print(f\"rdc {r['median_s'] * 1000:.1f} ms (others' CPU share {r['others_cpu_share']:.2f})\")"
}

ort_ms() {
    $python scripts/onnx-checker.py "$1.onnx" "$1.image.f32" "$1.ort" --threads "$threads" --latency-runs "$runs"
    $python -c "import json; r = json.load(open('$1.ort/report.json')); print(f\"onnxruntime {r['onnxruntime']} {r['latency_ms']:.1f} ms\")"
}

for spec in "rd4ad_lite0 1 rd_lite0_b2_256" "rd4ad_resnet18 8 rd_r18_b2_64"; do
    read -r model div case <<<"$spec"
    dir=$out/${model}_w${div}_$size
    $rdc compile "$model" --width-div "$div" --image-size "$size" --batch 1 --out "$dir" >/dev/null
    $rdc export --generated "$dir" --checkpoint "$golden/$case/student_init.pth" \
        --teacher-weights "$golden/$case/teacher.pth" --onnx "$dir.onnx" >/dev/null
    $python -c "import numpy; numpy.random.default_rng(0).standard_normal(3 * $size * $size, dtype='float32').tofile('$dir.image.f32')"
    for round in $(seq "$rounds"); do
        # ABBA: a drift of the shared machine lands on both sides.
        if [ $((round % 2)) = 1 ]; then first=rdc_ms; second=ort_ms; else first=ort_ms; second=rdc_ms; fi
        echo "$model w/$div ${size}x$size, $threads threads, round $round: $($first "$dir"); $($second "$dir")"
    done
done
