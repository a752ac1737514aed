"""Suite selection check: does random search reach a task's reference at the task's budget?

For each task (of a suite, or the candidate replacements in ``benchmarks/suite_v2/candidates.yaml``)
it runs the ``random`` agent at the task's budget for ``--seeds`` seeds and prints the share of
seeds that get within 1 % of the reference best (rule R1: a task is kept if that is <= 50 %)
and random's median final normalised regret. The reference is the one stored with the suite,
or, with ``--enumerate``, an exhaustive enumeration of a small space (every reward is kept, so
the exact probability that random search of B designs reaches 1 % is printed as well:
``1 - C(N - k, B) / C(N, B)``, k designs within 1 %). Enumerated references can be written to
a refs file (``--write-refs``).

Usage::

    .venv/bin/python benchmarks/bench_suite_select.py --suite v1 --tasks dnnmap-vgg16-conv3-energy
    .venv/bin/python benchmarks/recheck_selection.py out/select.jsonl   # the rows against today's references
    .venv/bin/python benchmarks/bench_suite_select.py --candidates benchmarks/suite_v2/candidates.yaml \\
        --enumerate --write-refs out/candidates.refs.yaml
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

import numpy as np  # noqa: E402
import yaml  # noqa: E402

from archgym.agents import make_agent  # noqa: E402
from archgym.bench.metrics import Reference, hv_curve, run_metrics, value_curve  # noqa: E402
from archgym.bench.refs import _rescore, baseline_point, compute_references, group_by_workload, write_reference  # noqa: E402
from archgym.bench.suite import Task, _task, load_suite, read_refs  # noqa: E402
from archgym.envs import env_ids  # noqa: E402


def p_reach(n: int, k: int, b: int) -> float:
    """Probability that ``b`` designs drawn without repetition from ``n`` include one of ``k``."""
    if k == 0:
        return 0.0
    if b > n - k:
        return 1.0
    # C(n-k, b) / C(n, b) = prod_{i<b} (n-k-i)/(n-i)
    log_miss = sum(math.log((n - k - i) / (n - i)) for i in range(b))
    return 1.0 - math.exp(log_miss)


def random_runs(task: Task, ref: Reference, base: dict, seeds: int) -> list[dict]:
    out = []
    for seed in range(seeds):
        res = make_agent("random").search(task.make_env(), task.budget, seed=seed)
        unique = [r for r in res.history if not r.cache_hit]
        if task.multi_objective:
            curve = hv_curve([r.score.vector for r in unique], [r.feasible for r in unique], base["vector"], base["ref_point"])
        else:
            curve = value_curve([r.reward for r in unique], [r.feasible for r in unique], base["value"])
        out.append(run_metrics(curve, ref, task.budget, task.multi_objective))
    return out


def _same_problem(task: Task) -> str:
    """A reference belongs to (env, workload, objective), not to a budget or an id."""
    return json.dumps([task.env, task.workload, task.objective, task.simulator_kwargs], sort_keys=True)


def shipped_refs() -> dict[str, dict]:
    """Every shipped suite's references, keyed by :func:`_same_problem` (newest suite wins)."""
    from archgym.bench.suite import list_suites

    out = {}
    for name in list_suites():
        suite = load_suite(name, check=False)
        for task_id, rec in suite.refs().items():
            out[_same_problem(suite.task(task_id))] = rec
    return out


def search_references(tasks: list[Task], enumerate_space: bool, random_ref: int, refs_out: Path | None,
                      have: dict[str, dict]) -> tuple[dict[str, dict], dict[str, np.ndarray]]:
    """References for ``tasks`` that lack one, one search per workload (shared by its tasks).

    With ``enumerate_space`` every task is enumerated (the stored reference is ignored) and each
    task's reward of every design is returned too, for rule R3; otherwise a task without a
    reference gets a random search of ``random_ref`` designs (if > 0).
    """
    records: dict[str, dict] = {}
    rewards: dict[str, np.ndarray] = {}
    todo = [t for t in tasks if enumerate_space or (t.id not in have and random_ref > 0)]
    for group in group_by_workload(todo):
        calls: list = []

        def keep(history, calls=calls):
            calls.extend(r for r in history if not r.cache_hit)

        if enumerate_space:
            got = compute_references(group, "exhaustive", on_history=keep)
        else:
            got = compute_references(group, "random", designs=random_ref, chunk=1000)
        for t in group:
            records[t.id] = got[t.id]
            if refs_out is not None:
                write_reference(refs_out, 0, t.id, got[t.id])
            if enumerate_space and not t.multi_objective:  # every call scored by this task, as the shared search does
                rewards[t.id] = np.array([r.reward if r.feasible else -np.inf for r in _rescore(calls, t.make_env().objective)])
    return records, rewards


def check(task: Task, record: dict | None, seeds: int, rewards: np.ndarray | None = None) -> dict:
    t0 = time.perf_counter()
    row: dict = {"task": task.id, "budget": task.budget}
    if rewards is not None:
        k = int(np.sum(record["best"] - rewards <= 0.01 * abs(record["best"])))
        row.update(space=len(rewards), within_1pct=k, p_reach_exact=p_reach(len(rewards), k, task.budget))
    if record is None:
        row["error"] = "no reference"
        return row
    base = baseline_point(task, task.make_env())
    ref = Reference(max(record["best"], base["value"]), base["value"])
    runs = random_runs(task, ref, base, seeds)
    reached = sum(m["calls_to_1pct"] is not None for m in runs)
    row.update(reference=record["best"], ref_method=record["method"], ref_designs=record["designs"],
               provisional=bool(record.get("provisional")), random_reached_1pct=f"{reached}/{seeds}",
               kept=reached <= seeds // 2, random_median_regret=statistics.median(m["regret@100"] for m in runs),
               baseline=base["value"], random_finals=[m["final_value"] for m in runs],  # to recheck against a later reference
               wall_s=round(time.perf_counter() - t0, 1))
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--suite", help="suite whose tasks to check (default: the newest)")
    ap.add_argument("--tasks", help="comma-separated task ids of the suite")
    ap.add_argument("--candidates", help="candidates YAML (replacements: {task: [task dicts]})")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--enumerate", action="store_true", help="enumerate small spaces for the reference")
    ap.add_argument("--write-refs", help="refs file for enumerated references")
    ap.add_argument("--random-ref", type=int, default=0, help="without a stored reference: a random search of N designs")
    ap.add_argument("--jsonl", help="append each row to this file")
    ap.add_argument("--refs", help="refs file to check against instead of the suite's own")
    args = ap.parse_args(argv)
    if args.candidates:
        by_id = {v: k for k, v in env_ids().items()}
        raw = yaml.safe_load(Path(args.candidates).read_text())["replacements"]
        tasks = []
        for cands in raw.values():
            for i, c in enumerate(cands):
                t = _task(i, c, by_id)
                same = [u for u in tasks if u.id == t.id]
                if same and _same_problem(same[0]) != _same_problem(t):
                    raise SystemExit(f"candidate {t.id} is listed twice with different definitions")
                if not same:  # a candidate listed for two tasks is evaluated once
                    tasks.append(t)
        known = shipped_refs()
        refs = {t.id: known[_same_problem(t)] for t in tasks if _same_problem(t) in known}
    else:
        suite = load_suite(args.suite, check=False)
        tasks = [suite.task(t) for t in args.tasks.split(",")] if args.tasks else list(suite.tasks)
        refs = read_refs(args.refs).get("tasks", {}) if args.refs else suite.refs()
    if args.tasks and args.candidates:
        tasks = [t for t in tasks if t.id in args.tasks.split(",")]
    found, rewards = search_references(tasks, args.enumerate, args.random_ref,
                                       Path(args.write_refs) if args.write_refs else None, refs)
    refs = {**refs, **found}
    for t in tasks:
        row = check(t, refs.get(t.id), args.seeds, rewards.get(t.id))
        print(json.dumps(row), flush=True)
        if args.jsonl:
            with open(args.jsonl, "a") as f:
                f.write(json.dumps(row) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
