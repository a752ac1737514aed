"""GA and ACO with order-respecting operators against their uniform variants and random search.

For each DRAM workload (default objective, the simulator's target reward), each variant and
each seed: one search of ``--budget`` unique simulator calls. Prints the median best reward per
variant and how many seeds beat random search's best of the same seed. Issue 16's motivation:
with uniform operators (``mutation=uniform``, ``pheromone=categorical``) GA and ACO lost to
random search on DRAM (median best 191 and 244 against 292 at 100 calls, 20 seeds).

Usage::

    .venv/bin/python benchmarks/bench_ordered.py                       # stream, 10 seeds, 100 calls
    .venv/bin/python benchmarks/bench_ordered.py --workloads stream random cloud-1 cloud-2 --seeds 10
    .venv/bin/python benchmarks/bench_ordered.py --objective '{"kind": "weighted", "weights": {"power_mw": 1}}'
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

import archgym  # noqa: F401  (registers the environments)
from archgym.agents import make_agent
from archgym.envs import DesignEnv

VARIANTS = {
    "random": ("random", {}),
    "ga (ordered)": ("ga", {}),
    "ga (uniform)": ("ga", {"mutation": "uniform"}),
    "aco (ordered)": ("aco", {}),
    "aco (categorical)": ("aco", {"pheromone": "categorical"}),
}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--env", default="dram", help="simulator name")
    p.add_argument("--workloads", nargs="+", default=["stream"])
    p.add_argument("--seeds", type=int, default=10)
    p.add_argument("--budget", type=int, default=100)
    p.add_argument("--objective", help='objective as JSON for make_objective, e.g. \'{"kind": "weighted", "weights": {"power_mw": 1}}\'')
    p.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    args = p.parse_args()
    objective = json.loads(args.objective) if args.objective else None
    for wl in args.workloads:
        best: dict[str, list[float]] = {}
        for name in args.variants:
            agent, params = VARIANTS[name]
            t0 = time.perf_counter()
            best[name] = [
                make_agent(agent, **params).search(DesignEnv(args.env, workload=wl, objective=objective), args.budget, seed=s).best_reward
                for s in range(args.seeds)
            ]
            print(f"#   {wl} {name}: {time.perf_counter() - t0:.1f} s", flush=True)
        print(f"\n## {args.env} / {wl}: budget {args.budget}, seeds 0..{args.seeds - 1} ({args.objective or 'default objective'})")
        print(f"{'variant':20} {'median best':>12} {'mean best':>12} {'seeds > random':>15}")
        for name, vals in best.items():
            wins = sum(v > r for v, r in zip(vals, best["random"])) if "random" in best else 0
            print(f"{name:20} {np.median(vals):>12.4g} {np.mean(vals):>12.4g} {wins:>12}/{len(vals)}")


if __name__ == "__main__":
    main()
