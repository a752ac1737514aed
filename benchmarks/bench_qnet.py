"""Benchmark: time to build and verify a schedule (quantum-network scheduler, issue 6).

Prints, for each small network at F_min 0.6 and offered load 50 pairs/s, and for one SURFnet
point at F_min 0.98 and load 20, the wall time of demand generation, protocol synthesis, greedy
admission with the scheduler and the verifier (cold caches: every protocol is synthesised afresh),
plus the admitted fraction and throughput. Targets: ≤ 1 s per small-network point, ≤ 30 s for
the SURFnet point.

Run: ``.venv/bin/python benchmarks/bench_qnet.py [--repeat 3]``
"""

from __future__ import annotations

import argparse
import time

from archgym.simulators.qnet.controller import Policy, run_controller, schedule_metrics
from archgym.simulators.qnet.demands import generate_demands
from archgym.simulators.qnet.esss import _searcher, esss_protocol
from archgym.simulators.qnet.reference import protocol_task
from archgym.simulators.qnet.synthesis import synthesise
from archgym.simulators.qnet.topology import build_topology

POINTS = [
    ("line", 0.6, 50.0, "nv"),
    ("star", 0.6, 50.0, "nv"),
    ("h", 0.6, 50.0, "nv"),
    ("symmetric", 0.6, 50.0, "nv"),
    ("surfnet", 0.98, 20.0, "futuristic"),
]
SCHEDULERS = ("pts_np_edf", "rcpsp_np_edf", "rcpsp_np_fpr", "rcpsp_p_edf")


def one(topology: str, fmin: float, load: float, model: str, scheduler: str, seed: int) -> tuple[float, dict, int]:
    for cache in (synthesise, protocol_task, esss_protocol, _searcher):  # the generator uses the reference's
        cache.cache_clear()
    t0 = time.perf_counter()
    g = build_topology(topology)
    demands = generate_demands(g, fmin, load, seed, model)
    result = run_controller(g, demands, Policy(scheduler=scheduler, preemption_budget=2), model, verify=True)
    wall = time.perf_counter() - t0
    return wall, schedule_metrics(result), len(demands)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3, help="runs per point (the best is reported)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    print(f"{'network':10s} {'F_min':>5s} {'load':>5s} {'scheduler':13s} {'demands':>7s} {'admitted':>8s} {'pairs/s':>8s} {'best s':>8s}")
    for topology, fmin, load, model in POINTS:
        for scheduler in SCHEDULERS:
            runs = [one(topology, fmin, load, model, scheduler, args.seed) for _ in range(args.repeat)]
            wall = min(r[0] for r in runs)
            _, m, n = runs[0]
            print(
                f"{topology:10s} {fmin:5.2f} {load:5.0f} {scheduler:13s} {n:7d} {m['admitted_fraction']:8.2f} "
                f"{m['throughput_pairs_s']:8.2f} {wall:8.3f}"
            )


if __name__ == "__main__":
    main()
