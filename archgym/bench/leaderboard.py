"""``bench leaderboard``: per-task and overall scores, bootstrap intervals, paired tests
(the pages are rendered by :mod:`archgym.bench.page`).

Reads a ``bench run`` folder: ``bench.json`` (tasks, baselines, references) and each task's
sweep dataset (one row per simulator call, the one logging path). Each (agent, seed) run is
reduced to its value curve and scored by :func:`archgym.bench.metrics.run_metrics` against the
task's reference ``v*`` — the stored reference best, or the best value any run reached when
that is higher (the table then says the reference was beaten and should be recomputed) or when
there is no stored reference (``pooled``).

Per task and agent: median normalised regret at the full budget with a percentile-bootstrap
95 % interval over seeds, median regret at 25 %, median AUC, calls to reach 1 % of the
reference, mean rank (agents ranked per seed by final regret, ties averaged) and win/tie/loss
against the baseline agent (``random``) by a two-sided Wilcoxon signed-rank test on the
per-seed regrets paired by seed (``alpha`` 0.05; with 5 seeds the smallest attainable p is
0.0625, so a win needs at least 6 seeds). Overall: mean rank over tasks, the median over tasks
of the per-task median regrets with a bootstrap interval over tasks, and the win/tie/loss
counts.
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from archgym.bench.metrics import Reference, hv_curve, normalised_regret, run_metrics, value_curve
from archgym.errors import ConfigError

__all__ = ["Leaderboard", "bootstrap_ci", "build_leaderboard", "paired_outcome", "write_leaderboard"]

logger = logging.getLogger(__name__)


def bootstrap_ci(
    values: Sequence[float], stat: Callable[..., Any] = np.median, n_boot: int = 2000, level: float = 0.95, seed: int = 0
) -> tuple[float, float]:
    """Percentile-bootstrap interval of ``stat(values)``: ``n_boot`` resamples with replacement.

    Args:
        values: the sample, shape ``(n,)`` (NaNs dropped).
        stat: statistic with an ``axis`` argument (default: the median).
        n_boot: resamples; ``level``: coverage; ``seed``: seeds the resampling.
    """
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if len(v) == 0:
        return (float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    stats = stat(v[rng.integers(0, len(v), size=(n_boot, len(v)))], axis=1)
    lo, hi = np.quantile(stats, [(1 - level) / 2, 1 - (1 - level) / 2])
    return (float(lo), float(hi))


def paired_outcome(a: Sequence[float], b: Sequence[float], alpha: float = 0.05) -> tuple[str, float]:
    """``("win" | "tie" | "loss", p)`` of ``a`` against ``b`` (lower is better), paired by position.

    Two-sided Wilcoxon signed-rank test on ``a − b``; a win or loss needs ``p < alpha``.
    """
    from scipy.stats import wilcoxon

    d = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    d = d[np.isfinite(d)]
    if len(d) == 0 or np.all(d == 0):
        return "tie", 1.0
    p = float(wilcoxon(d).pvalue)
    if p < alpha:
        return ("win" if np.median(d) < 0 or (np.median(d) == 0 and d.mean() < 0) else "loss"), p
    return "tie", p


@dataclass
class TaskBoard:
    """Scores of one task: one row per run and per agent."""

    task: dict[str, Any]
    reference: Reference
    ref_note: str
    runs: list[dict[str, Any]]
    rows: list[dict[str, Any]] = field(default_factory=list)
    curves: dict[str, np.ndarray] = field(default_factory=dict)  # agent -> (seeds, budget) regret


@dataclass
class Leaderboard:
    """The whole leaderboard."""

    tasks: dict[str, TaskBoard]
    overall: list[dict[str, Any]]
    targets: list[dict[str, Any]]
    baseline_agent: str
    #: with ``supersede``: one line per task and agent whose runs a later folder replaced
    replaced: list[str] = field(default_factory=list)
    #: agent -> hyper-parameters (JSON text, as logged) -> the ``(task, seed)`` runs scored with them
    agent_params: dict[str, dict[str, list[tuple[str, int]]]] = field(default_factory=dict)


def _curves(entry: dict[str, Any], frame: Any, multi: bool) -> dict[tuple[str, int], np.ndarray]:
    """``{(agent, seed): value curve}`` from a task's dataset rows."""
    out = {}
    obj = entry["objective"]
    base = entry["baseline"]
    for (agent, seed), sub in frame[~frame["cache_hit"]].sort_values("step").groupby(["agent", "seed"]):
        feasible = sub["feasible"].to_numpy(dtype=bool)
        if multi:
            vecs = np.column_stack([
                (1.0 if obj["directions"][m] == "max" else -1.0) * sub[f"m_{m}"].to_numpy(dtype=np.float64) / obj["scales"][m]
                for m in obj["metrics"]
            ])
            curve = hv_curve(list(vecs), feasible, base["vector"], base["ref_point"])
        else:
            curve = value_curve(sub["reward"].to_numpy(dtype=np.float64), feasible, base["value"])
        out[(str(agent), int(seed))] = curve
    return out


def _score_task(entry: dict[str, Any], frame: Any, ref_record: dict[str, Any] | None) -> TaskBoard:
    task = entry["task"]
    multi = task["objective"].get("kind") == "multi"
    curves = _curves(entry, frame, multi)
    v0 = float(entry["baseline"]["value"])
    pooled = max([float(np.max(c)) for c in curves.values() if len(c)] + [v0])
    ran_with = entry.get("simulator_version")  # absent in runs made before it was recorded
    stale = ref_record is not None and ran_with is not None and "simulator_version" in ref_record \
        and str(ref_record["simulator_version"]) != str(ran_with)
    if stale:
        best, note = pooled, (f"pooled (the stored reference is of simulator version {ref_record['simulator_version']}, "
                              f"the run of version {ran_with})")
    elif ref_record is None:
        best, note = pooled, "pooled (no stored reference)"
    elif pooled > float(ref_record["best"]) + 1e-12 * abs(float(ref_record["best"])):
        best, note = pooled, f"beaten by a run ({pooled:.6g} > stored {ref_record['best']:.6g}): recompute"
    else:
        best = float(ref_record["best"])
        note = f"{ref_record['method']}, {ref_record['designs']} designs" + (", provisional" if ref_record.get("provisional") else "")
    ref = Reference(best=best, baseline=v0)
    runs = []
    budget = int(task["budget"])
    board = TaskBoard(task, ref, note, runs)
    per_agent: dict[str, list[np.ndarray]] = {}
    for (agent, seed), c in sorted(curves.items()):
        runs.append({"agent": agent, "seed": seed, **run_metrics(c, ref, budget, multi)})
        full = np.concatenate([c, np.full(max(0, budget - len(c)), c[-1] if len(c) else v0)])[:budget]
        per_agent.setdefault(agent, []).append(normalised_regret(full, ref))
    board.curves = {a: np.vstack(v) for a, v in per_agent.items()}
    return board


def _rank_rows(board: TaskBoard, baseline_agent: str, alpha: float) -> None:
    from scipy.stats import rankdata

    runs = board.runs
    agents = sorted({r["agent"] for r in runs})
    seeds = sorted({r["seed"] for r in runs})
    final = {(r["agent"], r["seed"]): r["regret@100"] for r in runs}
    ranks: dict[str, list[float]] = {a: [] for a in agents}
    for s in seeds:
        present = [a for a in agents if (a, s) in final]
        for a, rk in zip(present, rankdata([final[(a, s)] for a in present])):
            ranks[a].append(float(rk))
    multi = board.task["objective"].get("kind") == "multi"
    budget = int(board.task["budget"])
    for a in agents:
        mine = [r for r in runs if r["agent"] == a]
        regret = [r["regret@100"] for r in mine]
        lo, hi = bootstrap_ci(regret)
        reach = [r["calls_to_1pct"] for r in mine]
        hit = [c for c in reach if c is not None]
        med_reach = float(np.median([c if c is not None else np.inf for c in reach]))
        row = {
            "agent": a, "seeds": len(mine), "regret": float(np.median(regret)), "ci_low": lo, "ci_high": hi,
            "regret@25": float(np.median([r["regret@25"] for r in mine])), "auc": float(np.median([r["auc"] for r in mine])),
            "calls_to_1pct": med_reach if math.isfinite(med_reach) else None, "reached_1pct": f"{len(hit)}/{len(reach)}",
            "reached_1pct_frac": len(hit) / max(1, len(reach)), "mean_rank": float(np.mean(ranks[a])), "budget": budget,
        }
        if multi:
            row["hv_ratio"] = float(np.median([r["hv_ratio"] for r in mine]))
        if a != baseline_agent and any(r["agent"] == baseline_agent for r in runs):
            pairs = [(final[(a, s)], final[(baseline_agent, s)]) for s in seeds if (a, s) in final and (baseline_agent, s) in final]
            outcome, p = paired_outcome([x for x, _ in pairs], [y for _, y in pairs], alpha)
            row["vs_baseline"], row["p"] = outcome, p
        board.rows.append(row)
    board.rows.sort(key=lambda r: (r["mean_rank"], r["regret"]))


def build_leaderboard(
    bench_dir: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    refs: str | os.PathLike[str] | None = None,
    baseline_agent: str = "random",
    alpha: float = 0.05,
    agents: Sequence[str] | None = None,
    supersede: bool = False,
    seeds: Sequence[int] | None = None,
) -> Leaderboard:
    """Score a ``bench run`` folder, or several runs of one suite together.

    Args:
        bench_dir: the folder of ``archgym bench run``, or a list of them (e.g. a run of seeds
            0-4 and one of seeds 5-9): their runs of a task are pooled; the task must be the
            same in each (objective, baseline, simulator version) and no (agent, seed) may
            appear twice.
        refs: a refs JSON file to use instead of the references stored at run time.
        baseline_agent: the agent every other agent is tested against.
        alpha: significance level of the paired test.
        agents: score only these agents (default: every agent of the runs).
        supersede: an (agent, seed) run of a task in several folders is taken from the last
            folder listed (a rerun after a fix of that agent), instead of an error; the
            leaderboard lists every replacement.
        seeds: score only the runs of these seeds (e.g. the 5 seeds of a full run, when a later
            folder holds 10 of one agent).

    Raises:
        ConfigError: a folder that is not a bench run, runs of different suites or of
            different task definitions, an (agent, seed) run in two folders (without
            ``supersede``), an unknown agent.
    """
    import pandas as pd

    from archgym.bench.suite import read_refs
    from archgym.datasets import load

    dirs = [Path(bench_dir)] if isinstance(bench_dir, (str, os.PathLike)) else [Path(d) for d in bench_dir]
    if not dirs:
        raise ConfigError("no bench run folder given")
    twice = [str(d) for i, d in enumerate(dirs) if d.resolve() in {e.resolve() for e in dirs[:i]}]
    if twice:
        raise ConfigError(f"folder {twice[0]} is listed twice; give each bench run folder once")
    metas = []
    for d in dirs:
        meta_path = d / "bench.json"
        if not meta_path.is_file():
            raise ConfigError(f"{d} is not a bench run folder (no bench.json); make one with `archgym bench run`")
        metas.append(json.loads(meta_path.read_text()))
    versions = {m["suite_version"] for m in metas}
    if len(versions) > 1:
        named = ", ".join(f"{d} (v{m['suite_version']})" for d, m in zip(dirs, metas))
        raise ConfigError(f"runs of different suites cannot be scored together: {named}")
    ran = sorted({a for m in metas for a in m["agents"]})
    if agents is not None:
        unknown = [a for a in agents if a not in ran]
        if unknown:
            raise ConfigError(f"agent(s) {unknown} not in the run(s); allowed: {', '.join(ran)}")
        if baseline_agent not in agents:
            raise ConfigError(f"the baseline agent {baseline_agent!r} must be among --agents {list(agents)}")
    override = read_refs(refs).get("tasks", {}) if refs else None
    boards: dict[str, TaskBoard] = {}
    replaced: list[str] = []
    used: dict[str, dict[str, list[tuple[str, int]]]] = {}
    ran_seeds: set[int] = set()
    task_ids = list(dict.fromkeys(t for m in metas for t in m["tasks"]))
    for task_id in task_ids:
        parts = []
        entry = None
        for d, m in zip(dirs, metas):
            if task_id not in m["tasks"]:
                continue
            e = m["tasks"][task_id]
            if entry is None:
                entry = e
            elif _definition(e) != _definition(entry):
                raise ConfigError(f"task {task_id}: {d} ran another definition of it (task, objective, baseline or "
                                  f"simulator version differ) than {dirs[0]}; score those runs apart")
            root = d / "tasks" / task_id / "dataset"
            if root.exists() and any(root.rglob("*.parquet")):
                frame = load(root)
                if agents is not None:
                    frame = frame[frame["agent"].isin(list(agents))]
                if seeds is not None:
                    ran_seeds.update(int(x) for x in frame["seed"].unique())
                    frame = frame[frame["seed"].isin([int(x) for x in seeds])]
                parts.append((d, frame))
        parts = [(d, f) for d, f in parts if len(f)]
        if not parts:
            logger.warning("task %s has no completed runs%s yet; left out", task_id, "" if seeds is None else " of those seeds")
            continue
        seen: dict[tuple[str, int], Path] = {}
        for d, f in parts:
            for key in sorted({(str(a), int(s)) for a, s in zip(f["agent"], f["seed"])}):
                if key in seen and not supersede:
                    raise ConfigError(f"task {task_id}: agent {key[0]} seed {key[1]} ran in both {seen[key]} and {d}; "
                                      f"pool runs of different seeds only, or give --supersede to take the last folder's")
                seen[key] = d
        if supersede:
            kept = []
            for d, f in parts:
                own = np.array([seen[(str(a), int(s))] == d for a, s in zip(f["agent"], f["seed"])], dtype=bool)
                gone = sorted({(str(a), int(s)) for a, s in zip(f["agent"][~own], f["seed"][~own])})
                for agent in sorted({a for a, _ in gone}):
                    dropped = [s for a, s in gone if a == agent]
                    replaced.append(f"{task_id}: {agent} seeds {_seed_text(dropped)} from {seen[(agent, dropped[0])]}, not {d}")
                kept.append((d, f[own]))
            parts = [(d, f) for d, f in kept if len(f)]
        frame = pd.concat([f for _, f in parts], ignore_index=True) if len(parts) > 1 else parts[0][1]
        if "agent_params" in frame.columns:
            for a, p, s in frame[["agent", "agent_params", "seed"]].drop_duplicates().itertuples(index=False):
                used.setdefault(str(a), {}).setdefault(str(p), []).append((task_id, int(s)))
        ref_record = override.get(task_id) if override is not None else entry.get("reference")
        board = _score_task(entry, frame, ref_record)
        _rank_rows(board, baseline_agent, alpha)
        boards[task_id] = board
    if not boards and seeds is not None and ran_seeds:
        raise ConfigError(f"{', '.join(map(str, dirs))}: no run of seeds {_seed_text(sorted(set(seeds)))}; "
                          f"allowed: {_seed_text(sorted(ran_seeds))}")
    if not boards:
        raise ConfigError(f"{', '.join(map(str, dirs))}: no task has completed runs yet")
    return Leaderboard(boards, _overall(boards, baseline_agent), _targets(boards, baseline_agent), baseline_agent, replaced,
                       used)


def _seed_text(seeds: Sequence[int]) -> str:
    """``[0, 1, 2, 5]`` as ``0-2, 5``."""
    out, start = [], None
    for i, s in enumerate(seeds):
        if start is None:
            start = s
        if i + 1 == len(seeds) or seeds[i + 1] != s + 1:
            out.append(str(start) if start == s else f"{start}-{s}")
            start = None
    return ", ".join(out)


def _definition(entry: dict[str, Any]) -> str:
    """What must agree for runs of a task to be pooled: the problem, not how its reference is
    found, the task's note or the reference known at run time."""
    task = {k: v for k, v in (entry.get("task") or {}).items() if k not in ("note", "ref_method")}
    return json.dumps({"task": task, **{k: entry.get(k) for k in ("objective", "baseline", "simulator_version")}},
                      sort_keys=True, default=str)


def _overall(boards: dict[str, TaskBoard], baseline_agent: str) -> list[dict[str, Any]]:
    agents = sorted({r["agent"] for b in boards.values() for r in b.rows})
    rows = []
    for a in agents:
        mine = [r for b in boards.values() for r in b.rows if r["agent"] == a]
        med = [r["regret"] for r in mine]
        lo, hi = bootstrap_ci(med)
        wtl = [r.get("vs_baseline") for r in mine]
        rows.append({
            "agent": a, "tasks": len(mine), "mean_rank": float(np.mean([r["mean_rank"] for r in mine])),
            "regret": float(np.median(med)), "ci_low": lo, "ci_high": hi,
            "wtl": "–" if a == baseline_agent else f"{wtl.count('win')}/{wtl.count('tie')}/{wtl.count('loss')}",
        })
    rows.sort(key=lambda r: (r["mean_rank"], r["regret"]))
    return rows


def _targets(boards: dict[str, TaskBoard], baseline_agent: str) -> list[dict[str, Any]]:
    out = []
    for task_id, b in boards.items():
        base = next((r for r in b.rows if r["agent"] == baseline_agent), None)
        best = min(b.rows, key=lambda r: r["regret"])
        out.append({
            "task": task_id,
            "random_reach_1pct": None if base is None else base["reached_1pct"],
            "random_hard": None if base is None else base["reached_1pct_frac"] <= 0.5,
            "best_agent": best["agent"], "best_regret": best["regret"],
            "random_regret": None if base is None else base["regret"],
            "separates": None if base is None else best["regret"] <= 0.5 * base["regret"],
        })
    return out


# the pages (Markdown, HTML, plots) are rendered in archgym.bench.page
from archgym.bench.page import write_leaderboard  # noqa: E402, F401 - re-exported
