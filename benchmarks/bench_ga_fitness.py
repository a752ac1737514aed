"""GA and ACO fitness options on bench tasks: normalised regret at the full budget against random search.

For each task of a suite (default: v2's ``dram-stream-power`` and ``dram-cloud1-mo``), each
variant and each seed ``0..N-1``: one search of the task's budget, scored as ``archgym bench``
scores it (value curve of feasible calls or hypervolume, normalised by the stored reference).
Prints per variant the median normalised regret at 100 % of the budget and the paired test
against random search of the same seeds (Wilcoxon, as the leaderboard). The variants are the
fitness options of :mod:`archgym.agents.generational`: ``multi_objective`` (``pareto`` |
``scalarised``), ``ties`` (``random`` | ``first``) and ``constraints`` (``feasible_first`` |
``penalty``), each changed from the current defaults; "before" is the ranking before these
options (``ties=first``, ``multi_objective=scalarised``); "ga stop 24" and "ga stop 25" are the
GA's whole defaults of those stops.

``--grid FILE`` instead evaluates the ``ga_candidates`` of a rule file
(``benchmarks/suite_v4/agent_defaults.yaml``) against random search and applies its rule: per
candidate, the tasks (and DRAM tasks) where its median regret is strictly below random's.

Usage::

    nice -n 10 .venv/bin/python benchmarks/bench_ga_fitness.py --seeds 10
    nice -n 10 .venv/bin/python benchmarks/bench_ga_fitness.py --tasks dnnaccel-resnet50-latency-area --seeds 5
    .venv/bin/python benchmarks/bench_ga_fitness.py --suite v4 --tasks all --skip scalesim-bert-scores-latency \
        --grid benchmarks/suite_v4/agent_defaults.yaml --seeds 100-109 --workers 2
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import time

import numpy as np

from archgym.agents import make_agent
from archgym.bench.leaderboard import paired_outcome
from archgym.bench.metrics import Reference, hv_curve, run_metrics, value_curve
from archgym.bench.refs import baseline_point
from archgym.bench.run import parse_seeds, seed_list
from archgym.bench.suite import load_suite

VARIANTS = {
    "random": ("random", {}),
    "ga": ("ga", {}),
    "ga scalarised": ("ga", {"multi_objective": "scalarised"}),
    "ga feasible_first": ("ga", {"constraints": "feasible_first"}),  # the default before stop 26 (now penalty)
    "ga before": ("ga", {"ties": "first", "multi_objective": "scalarised"}),
    # the mutation options (issue 16's order-respecting step against re-drawing a gene)
    "ga uniform": ("ga", {"mutation": "uniform"}),
    "ga stop 25": ("ga", {"mutation_rate": 0.1, "constraints": "feasible_first"}),  # the defaults of stop 25
    "ga stop 24": ("ga", {"mutation_rate": 0.1, "constraints": "feasible_first", "mutation_scale": 0.15}),
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


def scored_task(suite, tid: str):
    """``(task, baseline point, reference)`` of task ``tid``, scored against the suite's stored reference."""
    task = suite.task(tid)
    base = baseline_point(task, task.make_env())
    return task, base, Reference(best=float(suite.refs()[tid]["best"]), baseline=float(base["value"]))


def _one(job: tuple) -> float:
    suite_name, tid, agent_name, params, seed = job
    task, base, ref = scored_task(load_suite(suite_name, check=False), tid)
    return regret(task, base, ref, agent_name, params, seed)


def grid(args, task_ids: list[str], seeds: list[int]) -> None:
    """Every candidate of the rule file and random search on every task and seed; the rule's counts."""
    import yaml

    cands = {"random": ("random", {})}
    cands.update({k: ("ga", dict(v or {})) for k, v in yaml.safe_load(open(args.grid))["ga_candidates"].items()})
    jobs = [(args.suite, t, a, pr, s) for t in task_ids for (a, pr) in cands.values() for s in seeds]
    t0 = time.perf_counter()
    if args.workers > 1:
        with multiprocessing.get_context("spawn").Pool(args.workers) as pool:
            flat = pool.map(_one, jobs, chunksize=1)
    else:
        flat = [_one(j) for j in jobs]
    it = iter(flat)
    med: dict[str, dict[str, float]] = {c: {} for c in cands}
    for t in task_ids:
        for c in cands:
            med[c][t] = float(np.median([next(it) for _ in seeds]))
    print(f"{len(jobs)} searches in {time.perf_counter() - t0:.0f} s (seeds {seeds[0]}-{seeds[-1]})")
    print("task".ljust(40) + "".join(c.rjust(9) for c in cands))
    for t in task_ids:
        print(t.ljust(40) + "".join(f"{med[c][t]:9.4f}" for c in cands))
    dram = [t for t in task_ids if t.startswith("dram-")]
    rows = []
    for c in cands:
        if c == "random":
            continue
        wins = [t for t in task_ids if med[c][t] < med["random"][t]]
        dwins = [t for t in wins if t in dram]
        mean = float(np.mean([med[c][t] for t in task_ids]))
        rows.append((c, len(wins), len(dwins), mean))
        print(f"{c}: {cands[c][1]}  wins {len(wins)}/{len(task_ids)}, DRAM {len(dwins)}/{len(dram)}, "
              f"mean of medians {mean:.4f}; loses or ties on: {', '.join(t for t in task_ids if t not in wins) or '-'}")
    every = [r for r in rows if r[2] == len(dram)]
    pool_ = every or rows
    first = rows[0][0]  # the first candidate listed is "no change"
    key = (lambda r: (-r[1], r[3], r[0] != first)) if every else (lambda r: (-r[2], -r[1], r[3], r[0] != first))
    chosen = sorted(pool_, key=key)[0]
    print("chosen by the rule:", chosen[0], f"({'wins' if every else 'no candidate wins'} every DRAM task of {len(dram)}); "
          f"tasks won: {chosen[1]}, against {rows[0][1]} for {first}")
    print(json.dumps({"seeds": seeds, "medians": med}))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--suite", default="v2")
    p.add_argument("--tasks", default="dram-stream-power,dram-cloud1-mo", help="comma-separated task ids, or 'all'")
    p.add_argument("--skip", default="", help="comma-separated task ids left out of 'all'")
    p.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated, from: " + ", ".join(VARIANTS))
    p.add_argument("--seeds", default="10", help="N (seeds 0..N-1), A-B or a comma-separated list")
    p.add_argument("--grid", default=None, help="a rule file with ga_candidates (see the module docstring)")
    p.add_argument("--workers", type=int, default=1, help="processes for --grid")
    args = p.parse_args()
    suite = load_suite(args.suite, check=False)
    seeds = seed_list(parse_seeds(args.seeds))
    skip = set(filter(None, args.skip.split(",")))
    task_ids = [t.id for t in suite.tasks if t.id not in skip] if args.tasks == "all" else args.tasks.split(",")
    if args.grid:
        grid(args, task_ids, seeds)
        return
    out = {}
    for tid in task_ids:
        task, base, ref = scored_task(suite, tid)
        scores: dict[str, list[float]] = {}
        for v in args.variants.split(","):
            name, params = VARIANTS[v]
            t0 = time.perf_counter()
            scores[v] = [regret(task, base, ref, name, params, s) for s in seeds]
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
