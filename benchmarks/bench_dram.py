"""Benchmark the DRAM simulator: requests/s per trace, ms per evaluation, batch of 100 designs,
and the agreement with DRAMSys 4.0 on the 60 reference runs.

Usage: ``.venv/bin/python benchmarks/bench_dram.py [--repeats 20] [--no-cold] [--no-reference]``. The kernel is C
(``simulators/dram/dram_engine.c``), built by ``pip install``; the first-use compile that
replaces it when the installed library is missing (a fresh process compiling into an empty
cache directory) and the first call in this process (loading the library, parsing the trace)
are reported separately and kept out of the per-evaluation figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

from archgym.simulators.dram import DramSimulator, engine
from archgym.simulators.dram.reference import dramsys4_reference

TRACES = ("stream", "random", "cloud-1", "cloud-2")


def cold_compile_seconds() -> float:
    """A fresh process compiling the kernel into an empty cache (the fallback without the installed library)."""
    code = ("import sys, time; from archgym.simulators.dram import native; t=time.perf_counter(); "
            "native.build(sys.argv[1]); print(time.perf_counter()-t)")
    with tempfile.TemporaryDirectory() as cache:
        out = subprocess.run([sys.executable, "-c", code, cache], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def reference_agreement(sim: DramSimulator) -> None:
    """Model vs DRAMSys 4.0 on every reference row: the worst deviation per group of designs."""
    print("\nagreement with DRAMSys 4.0 (data/reference/dramsys4_calibration.csv), model / DRAMSys - 1:")
    worst: dict[str, tuple[float, float, str]] = {}
    for row in dramsys4_reference():
        m = sim.evaluate(row.design, row.workload)
        dt = m["total_time_ns"] / row.total_time_ns - 1
        de = m["energy_pj"] / row.energy_pj - 1
        group = "small buffers (rand_*)" if row.design_id.startswith("rand") else "page policy x scheduler grid"
        label = f"{row.workload}/{row.design_id}"
        w = worst.get(group, (0.0, 0.0, ""))
        worst[group] = (max(w[0], abs(dt)), max(w[1], abs(de)), label if abs(dt) > w[0] else w[2])
    for group, (t, e, label) in worst.items():
        print(f"  {group:30s} worst |time| {t * 100:.3f} % ({label}), worst |energy| {e * 100:.3f} %")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--no-cold", action="store_true", help="skip the cold-compile measurement")
    ap.add_argument("--no-reference", action="store_true", help="skip the comparison with DRAMSys 4.0")
    args = ap.parse_args()
    if not args.no_cold:
        print(f"first-use compile of dram_engine.c (only without the installed library): {cold_compile_seconds():.2f} s")
    t0 = time.perf_counter()
    sim = DramSimulator()
    base = sim.default_design()
    sim.evaluate(base, "stream")
    print(f"start (load the {engine.backend()} kernel + parse trace + first evaluation): {time.perf_counter() - t0:.3f} s")
    print(f"{'trace':8s} {'requests':>8s} {'ms/eval (median)':>17s} {'ms/eval (min)':>14s} {'ms/10k req':>11s} "
          f"{'requests/s':>12s}")
    for w in TRACES:
        sim.evaluate(base, w)  # parse and cache the trace
        times = []
        for _ in range(args.repeats):
            t = time.perf_counter()
            sim.evaluate(base, w)
            times.append(time.perf_counter() - t)
        n = len(sim.trace(w))
        med = statistics.median(times)
        print(f"{w:8s} {n:8d} {med * 1e3:17.2f} {min(times) * 1e3:14.2f} {med * 1e7 / n:11.2f} {n / med:12.3g}")
    designs = sim.design_space.sample(np.random.default_rng(0), 100)
    for w in ("stream", "random"):
        t = time.perf_counter()
        sim.evaluate_batch(designs, w)
        dt = time.perf_counter() - t
        print(f"evaluate_batch: 100 random designs on {w}: {dt:.2f} s ({dt * 10:.1f} ms/design, "
              f"{os.cpu_count()} threads)")
    if not args.no_reference:
        reference_agreement(sim)


if __name__ == "__main__":
    main()
