"""GA and ACO fitness options on bench tasks: normalised regret at the full budget against random search.

For each task of a suite (default: v2's ``dram-stream-power`` and ``dram-cloud1-mo``), each
variant and each seed ``0..N-1``: one search of the task's budget, scored as ``archgym bench``
scores it (value curve of feasible calls or hypervolume, normalised by the stored reference).
Prints per variant the median normalised regret at 100 % of the budget and the paired test
against random search of the same seeds (Wilcoxon, as the leaderboard). The variants are the
fitness options of :mod:`archgym.agents.generational`: ``multi_objective`` (``pareto`` |
``scalarised``), ``ties`` (``random`` | ``first``) and ``constraints`` (``feasible_first`` |
``penalty``); "before" is the behaviour before these options (``ties=first``,
``multi_objective=scalarised``).

Usage::

    nice -n 10 .venv/bin/python benchmarks/bench_ga_fitness.py --seeds 10
    nice -n 10 .venv/bin/python benchmarks/bench_ga_fitness.py --tasks dnnaccel-resnet50-latency-area --seeds 5
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from archgym.agents import make_agent
from archgym.bench.leaderboard import paired_outcome
from archgym.bench.metrics import Reference, hv_curve, run_metrics, value_curve
from archgym.bench.refs import baseline_point
from archgym.bench.suite import load_suite

VARIANTS = {
    "random": ("random", {}),
    "ga": ("ga", {}),
    "ga scalarised": ("ga", {"multi_objective": "scalarised"}),
    "ga penalty": ("ga", {"constraints": "penalty"}),
    "ga before": ("ga", {"ties": "first", "multi_objective": "scalarised"}),
    # the mutation options (issue 16's order-respecting step against re-drawing a gene)
    "ga uniform": ("ga", {"mutation": "uniform"}),
    "ga scale 0.3": ("ga", {"mutation_scale": 0.3}),
    "aco": ("aco", {}),
    "aco before": ("aco", {"ties": "first", "multi_objective": "scalarised"}),
    "aco scalarised": ("aco", {"multi_objective": "scalarised"}),
    "aco penalty": ("aco", {"constraints": "penalty"}),
}


def regret(task, base, ref: Reference, agent_name: str, params: dict, seed: int) -> float:
    env = task.make_env()
    res = make_agent(agent_name, **params).search(env, task.budget, seed=seed)
    hist = [h for h in res.history if not h.cache_hit]
    feasible = [h.feasible for h in hist]
    if task.multi_objective:
        curve = hv_curve([h.score.vector for h in hist], feasible, base["vector"], base["ref_point"])
    else:
        curve = value_curve([h.reward for h in hist], feasible, base["value"])
    return float(run_metrics(curve, ref, task.budget, task.multi_objective)["regret@100"])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--suite", default="v2")
    p.add_argument("--tasks", default="dram-stream-power,dram-cloud1-mo", help="comma-separated task ids")
    p.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated, from: " + ", ".join(VARIANTS))
    p.add_argument("--seeds", type=int, default=10)
    args = p.parse_args()
    suite = load_suite(args.suite, check=False)
    refs = suite.refs()
    out = {}
    for tid in args.tasks.split(","):
        task = suite.task(tid)
        base = baseline_point(task, task.make_env())
        ref = Reference(best=float(refs[tid]["best"]), baseline=float(base["value"]))
        scores: dict[str, list[float]] = {}
        for v in args.variants.split(","):
            name, params = VARIANTS[v]
            t0 = time.perf_counter()
            scores[v] = [regret(task, base, ref, name, params, s) for s in range(args.seeds)]
            wall = time.perf_counter() - t0
            line = f"{tid:34s} {v:16s} median regret@100 {np.median(scores[v]):.3f}"
            if v != "random" and "random" in scores:
                outcome, pval = paired_outcome(scores[v], scores["random"])
                line += f"  vs random: {outcome} (p = {pval:.3f})"
            print(line + f"  [{wall:.0f} s]", flush=True)
        out[tid] = scores
    print(json.dumps(out))


if __name__ == "__main__":
    main()
