"""Pure work: runs the Criterion benchmarks of benches/domain.rs and reads
back their estimates."""

import json
import subprocess

from common import ROOT, TARGET_DIR

COMMAND = ["cargo", "bench", "--locked", "--profile", "bench-domain", "--bench", "domain"]


def run_criterion():
    """Runs the benchmarks; returns [(name, median ns, min ns, max ns)], where
    the median is Criterion's estimate and min–max span the per-iteration
    means of its samples."""
    subprocess.run(COMMAND, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    results = []
    base = TARGET_DIR / "criterion"
    for estimates in sorted(base.glob("*/*/new/estimates.json")):
        bench_dir = estimates.parent.parent
        name = f"{bench_dir.parent.name}/{bench_dir.name}"
        median = json.loads(estimates.read_text())["median"]["point_estimate"]
        sample = json.loads((estimates.parent / "sample.json").read_text())
        per_iter = [t / i for t, i in zip(sample["times"], sample["iters"])]
        results.append((name, median, min(per_iter), max(per_iter)))
    return results


def human_ns(ns):
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns:.0f} ns"
