"""Runs an ONNX model rdc exported in onnxruntime, the independent check of `rdc export --onnx`.

    onnx-checker.py MODEL.onnx IMAGES.f32 OUT_DIR [--threads T] [--latency-runs R]

IMAGES.f32 holds preprocessed images as raw little-endian float32 [N, 3, H, W] (H and W
from the model's input). Writes OUT_DIR/anomaly_map.f32 [N, H, W], OUT_DIR/score.f32 [N]
and OUT_DIR/report.json: the model's input and output names and shapes as onnxruntime
reads them, its producer and metadata, and with --latency-runs the median milliseconds of
one-image runs (after one warm-up run).
"""
import argparse
import json
import os
import statistics
import time

import numpy as np
import onnxruntime as ort


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("images")
    parser.add_argument("out")
    parser.add_argument("--threads", type=int, default=0, help="intra-op threads (0: onnxruntime's choice)")
    parser.add_argument("--latency-runs", type=int, default=0)
    args = parser.parse_args()

    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(args.model, options, providers=["CPUExecutionProvider"])
    (image_input,) = session.get_inputs()
    _, channels, height, width = image_input.shape
    images = np.fromfile(args.images, dtype="<f4").reshape(-1, channels, height, width)

    anomaly_map, score = session.run(["anomaly_map", "score"], {image_input.name: images})
    os.makedirs(args.out, exist_ok=True)
    anomaly_map.astype("<f4").tofile(os.path.join(args.out, "anomaly_map.f32"))
    score.astype("<f4").tofile(os.path.join(args.out, "score.f32"))

    meta = session.get_modelmeta()
    report = {
        "inputs": [{"name": i.name, "shape": i.shape} for i in session.get_inputs()],
        "outputs": [{"name": o.name, "shape": o.shape} for o in session.get_outputs()],
        "result_shapes": {"anomaly_map": list(anomaly_map.shape), "score": list(score.shape)},
        "producer": meta.producer_name,
        "metadata": meta.custom_metadata_map,
        "onnxruntime": ort.__version__,
    }
    if args.latency_runs > 0:
        one = images[:1]
        session.run(None, {image_input.name: one})
        times = []
        for _ in range(args.latency_runs):
            start = time.perf_counter()
            session.run(None, {image_input.name: one})
            times.append((time.perf_counter() - start) * 1000)
        report["latency_ms"] = statistics.median(times)
    with open(os.path.join(args.out, "report.json"), "w") as f:
        json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
