"""onnxruntime in Python on the same models, rows and batch sizes as bench/src/inference.ts.

Reads a JSON spec on stdin: {"models": [{"name", "onnx", "rows", "columns", "dtype", "input", "output",
"rowsPerPass": {"<batch>": n}}], "batches": [500, 1], "repeat": 5}; each model's rows are little-endian
float64 in the file `rows` (n x columns); a timed pass scores the first rowsPerPass[batch] of them.
Prints {"name": {"<batch>": median microseconds per row}} as JSON.
Sessions as the runtime's: one intra-op and one inter-op thread, sequential, all graph optimisations.
"""

from __future__ import annotations

import json
import statistics
import sys
import time

import numpy as np
import onnxruntime as ort


def session(path: str) -> ort.InferenceSession:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])


def one_pass(sess: ort.InferenceSession, x: np.ndarray, batch: int, input_name: str, output: str) -> float:
    """Seconds to score every row of x in batches of `batch` (one run per batch)."""
    n = len(x)
    start = time.perf_counter()
    for i in range(0, n, batch):
        sess.run([output], {input_name: x[i : i + batch]})
    return time.perf_counter() - start


def main() -> None:
    spec = json.load(sys.stdin)
    out: dict[str, dict[str, float]] = {}
    for m in spec["models"]:
        sess = session(m["onnx"])
        x = np.fromfile(m["rows"], dtype="<f8").reshape(-1, m["columns"])
        x = np.ascontiguousarray(x.astype(np.float32 if m["dtype"] == "float32" else np.float64))
        out[m["name"]] = {}
        for batch in spec["batches"]:
            rows = x[: m["rowsPerPass"][str(batch)]]
            one_pass(sess, rows[: min(len(rows), 2000)], batch, m["input"], m["output"])  # warm-up
            times = [one_pass(sess, rows, batch, m["input"], m["output"]) for _ in range(spec["repeat"])]
            out[m["name"]][str(batch)] = statistics.median(times) / len(rows) * 1e6
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
