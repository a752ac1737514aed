"""Issue 18 item 1: where do searches land under each target form?

For each agent, seed and target form (``bounded`` — the default — and the retired
``one_sided``), one search on ``archgym/DRAM-v0`` (default workload) with ``--budget`` unique
calls; prints the best design's total time and power relative to the baseline (1.00 = the
baseline; the targets are 0.80 each) and the median over seeds.

Usage::

    .venv/bin/python benchmarks/bench_objective.py                     # random + bo, 3 seeds, 60 calls
    .venv/bin/python benchmarks/bench_objective.py --agents random ga --seeds 5 --budget 200
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import warnings

os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

import gymnasium as gym  # noqa: E402

import archgym  # noqa: E402,F401
from archgym.agents import make_agent  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--agents", nargs="+", default=["random", "bo"])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--budget", type=int, default=60)
    ap.add_argument("--workload", default=None)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    warnings.filterwarnings("ignore")
    sim = archgym.make_simulator("dram")
    base = sim.baseline_metrics(args.workload)
    print(f"baseline: total_time_ns={base['total_time_ns']:.0f} power_mw={base['power_mw']:.1f}")
    print(f"{'form':10} {'agent':7} {'seed':>4} {'time/base':>9} {'power/base':>10} {'reward':>9} {'base reward':>11}")
    for form in ("bounded", "one_sided"):
        objective = {"kind": "target", "metrics": ["power_mw", "total_time_ns"], "improvement": 0.2, "form": form}
        for agent in args.agents:
            times, powers = [], []
            for seed in range(args.seeds):
                kw = {"workload": args.workload} if args.workload else {}
                env = gym.make("archgym/DRAM-v0", objective=objective, **kw)
                res = make_agent(agent).search(env, budget=args.budget, seed=seed)
                base_r = env.unwrapped.objective.score(base).reward
                t = res.best_metrics["total_time_ns"] / base["total_time_ns"]
                p = res.best_metrics["power_mw"] / base["power_mw"]
                times.append(t)
                powers.append(p)
                print(f"{form:10} {agent:7} {seed:4d} {t:9.2f} {p:10.2f} {res.best_reward:9.3f} {base_r:11.3f}", flush=True)
                env.close()
            print(f"{form:10} {agent:7} {'med':>4} {statistics.median(times):9.2f} {statistics.median(powers):10.2f}", flush=True)


if __name__ == "__main__":
    main()
