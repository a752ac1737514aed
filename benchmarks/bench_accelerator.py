"""DNN accelerator benchmark: model speed against the issue's targets, and SCALE-Sim's for the ratio.

Prints:

* the time of one ``dnn_accel`` evaluation of ResNet-50 including the mapper (target ≤ 5 ms),
  cold (first call: layer table built) and warm (median of repeats);
* ``evaluate_batch`` throughput on ResNet-18 (target ≥ 1,000 designs/s), random feasible designs;
* one ``dnn_mapping`` evaluation;
* one SCALE-Sim call on ResNet-18 at its baseline design (32 × 32, ws, CALC bandwidth) and the
  ratio to one analytical ResNet-18 evaluation (skip with ``--no-scalesim``; ~2 minutes).

Usage::

    .venv/bin/python benchmarks/bench_accelerator.py [--designs 4000] [--no-scalesim]

Figures on a shared machine are under load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

from archgym.simulators.accelerator.mapping import DNNMappingSimulator
from archgym.simulators.accelerator.scalesim_backend import ScaleSimSimulator
from archgym.simulators.accelerator.simulator import DNNAccelSimulator


def _times(fn, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return times


def _median_time(fn, repeats: int) -> float:
    return statistics.median(_times(fn, repeats))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--designs", type=int, default=4000, help="designs for the batch throughput")
    parser.add_argument("--no-scalesim", action="store_true", help="skip the (slow) SCALE-Sim call")
    args = parser.parse_args()

    print(f"load average (1, 5, 15 min) on {os.cpu_count()} cores: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    sim = DNNAccelSimulator()
    base = sim.default_design()
    t = time.perf_counter()
    sim.evaluate(base, "resnet50")
    cold = time.perf_counter() - t
    times = _times(lambda: sim.evaluate(base, "resnet50"), 50)
    print(f"dnn_accel ResNet-50, one evaluation incl. mapper: cold {cold * 1e3:.2f} ms, warm {statistics.median(times) * 1e3:.2f} ms "
          f"median, {min(times) * 1e3:.2f} ms best of 50 (target <= 5 ms)")

    rng = np.random.default_rng(0)
    pool = sim.design_space.sample(rng, 2 * args.designs)
    _, feasible, _ = sim.evaluate_arrays(pool, "resnet18")
    designs = [d for d, ok in zip(pool, feasible) if ok][: args.designs]
    sim.evaluate_batch(designs[:10], "resnet18")
    calls = _times(lambda: sim.evaluate_batch(designs, "resnet18"), 3)
    per_call = statistics.median(calls)
    print(
        f"dnn_accel ResNet-18 evaluate_batch: {len(designs) / per_call:,.0f} designs/s median, {len(designs) / min(calls):,.0f} best of 3 "
        f"({len(designs)} random feasible designs, {per_call:.3f} s; target >= 1,000/s; "
        f"{feasible.mean():.0%} of random designs feasible)"
    )
    loop = _median_time(lambda: [sim.evaluate(d, "resnet18") for d in designs[:200]], 1)
    print(f"dnn_accel ResNet-18 one-by-one evaluate: {200 / loop:,.0f} designs/s")
    one_r18 = _median_time(lambda: sim.evaluate(base, "resnet18"), 50)

    mapping = DNNMappingSimulator()
    m = _median_time(lambda: mapping.evaluate(mapping.default_design(), "resnet18:conv2_1a"), 200)
    print(f"dnn_mapping one evaluation (resnet18:conv2_1a): {m * 1e3:.3f} ms")

    if not args.no_scalesim:
        ss = ScaleSimSimulator()
        t = time.perf_counter()
        metrics = ss.evaluate(ss.default_design(), "resnet18")
        s = time.perf_counter() - t
        print(
            f"SCALE-Sim ResNet-18, one call (32x32 ws, CALC): {s:.1f} s, {metrics['latency_cycles']:,.0f} cycles; "
            f"ratio to one analytical ResNet-18 evaluation ({one_r18 * 1e3:.2f} ms): {s / one_r18:,.0f}x"
        )


if __name__ == "__main__":
    main()
