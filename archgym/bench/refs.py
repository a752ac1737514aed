"""Reference bests: the best value known for each task, and how it was found.

Two methods, both run through the ordinary search loop (the ``random`` agent spends the
budget, the environment scores every design), so a reference is computed exactly as a run is
scored:

* ``exhaustive`` — every design of the space (the random walk enumerates a space of up to
  200,000 designs without repetition, so a budget equal to the space's size visits all);
* ``random`` — ``designs`` random designs without repetition (the issue asks for ≥ 100,000
  plus the best of long runs of every agent for spaces too large to enumerate; a smaller count
  is recorded as such and marked ``provisional``).

A record holds the reference value ``best`` (the best feasible reward; for a multi-objective
task the hypervolume of the feasible Pareto front together with the baseline), the baseline's
value ``baseline``, the best design, the method, the number of designs evaluated and, for
multi-objective tasks, the reference point and the baseline's reward vector — everything the
leaderboard needs without running a simulator. Records are stored per suite in
``v<N>.refs.yaml`` (``archgym bench refs --task T --write``).
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from archgym.bench.suite import Task
from archgym.errors import ConfigError

__all__ = ["PROVISIONAL_BELOW", "baseline_point", "compute_reference", "write_reference"]

logger = logging.getLogger(__name__)

#: random-search references with fewer designs than this are marked provisional
PROVISIONAL_BELOW = 100_000
#: largest space the exhaustive method enumerates
EXHAUSTIVE_LIMIT = 200_000


def baseline_point(task: Task, env: Any) -> dict[str, Any]:
    """The baseline design's score on ``task``: ``{"value", "vector", "ref_point", "design"}``.

    Raises:
        ConfigError: when the baseline design is infeasible (a task's limits must admit it).
    """
    from archgym.objective import hypervolume

    design = env.simulator.default_design()
    rec = env.evaluate_design(design)
    if not rec.feasible:
        raise ConfigError(f"task {task.id!r}: the baseline design is infeasible ({rec.score.reason or rec.error}); "
                          "a task's limits must admit the baseline")
    out: dict[str, Any] = {"design": rec.design, "metrics": rec.metrics, "vector": None, "ref_point": None}
    if task.multi_objective:
        ref = env.objective.ref_vector()
        vec = np.asarray(rec.score.vector, dtype=np.float64)
        out.update(value=hypervolume(vec[None, :], ref), vector=vec.tolist(), ref_point=ref.tolist())
    else:
        out["value"] = float(rec.reward)
    return out


def compute_reference(
    task: Task, method: str | None = None, designs: int = PROVISIONAL_BELOW, seed: int = 0, progress: bool = False
) -> dict[str, Any]:
    """Find the reference best of ``task``.

    Args:
        task: the task.
        method: ``"exhaustive"`` or ``"random"`` (default: the task's ``ref_method``).
        designs: random designs to evaluate (``random`` method).
        seed: seed of the random designs.
        progress: show a progress bar.

    Returns:
        The reference record (see the module docstring).
    """
    from archgym.agents import make_agent
    from archgym.objective import hypervolume, pareto_front

    method = method or task.ref_method
    if method not in ("exhaustive", "random"):
        raise ConfigError(f"reference method {method!r} not allowed; allowed: exhaustive, random")
    env = task.make_env()
    size = env.space.size
    if method == "exhaustive":
        if size is None or size > EXHAUSTIVE_LIMIT:
            raise ConfigError(f"task {task.id!r}: exhaustive search needs a finite space of at most "
                              f"{EXHAUSTIVE_LIMIT} designs, this one has {size or 'infinitely many'}; use --method random")
        budget = size
    else:
        if designs < 1:
            raise ConfigError(f"designs must be >= 1, got {designs}")
        budget = designs if size is None else min(designs, size)
    base = baseline_point(task, task.make_env())  # its own env: the search's cache starts empty
    t0 = time.perf_counter()
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=budget, desc=f"refs {task.id}", unit="design")
    res = make_agent("random").search(env, budget, seed=seed, callback=(lambda rec, res: bar.update(0 if rec.cache_hit else 1)) if bar else None)
    if bar is not None:
        bar.close()
    unique = [r for r in res.history if not r.cache_hit]
    feasible = [r for r in unique if r.feasible]
    record: dict[str, Any] = {
        "baseline": base["value"],
        "method": method,
        "designs": len(unique),
        "feasible_designs": len(feasible),
        "space_size": size,
        "seed": seed,
        "provisional": method == "random" and len(unique) < PROVISIONAL_BELOW and (size is None or len(unique) < size),
        "simulator_version": env.simulator.version,
        "computed": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "wall_s": round(time.perf_counter() - t0, 1),
    }
    if task.multi_objective:
        pts = np.asarray([base["vector"]] + [list(r.score.vector) for r in feasible], dtype=np.float64)
        mask = pareto_front(pts)
        record.update(
            best=hypervolume(pts[mask], np.asarray(base["ref_point"])), baseline_vector=base["vector"],
            ref_point=base["ref_point"], front_size=int(mask.sum()),
        )
    else:
        best = max(feasible, key=lambda r: r.reward, default=None)
        if best is None or best.reward <= base["value"]:
            record.update(best=base["value"], best_design=base["design"], best_metrics=base["metrics"])
        else:
            record.update(best=float(best.reward), best_design=best.design, best_metrics=best.metrics)
    logger.info("reference of %s: %s over %d designs (%s)", task.id, record["best"], len(unique), method)
    return record


_REFS_HEADER = (
    "# Reference bests of the suite's tasks, written by `archgym bench refs --task T --write`.\n"
    "# best: the best value known (reward, or hypervolume for multi-objective tasks); baseline: the\n"
    "# baseline design's value; method/designs: how it was found. Do not edit by hand.\n"
)


def write_reference(path: str | os.PathLike[str], suite_version: int, task_id: str, record: dict[str, Any]) -> None:
    """Store ``record`` as ``task_id``'s reference in ``path`` (other tasks kept; atomic replace)."""
    import yaml

    from archgym.bench.suite import read_refs

    path = Path(path)
    data: dict[str, Any] = {"suite_version": suite_version, "tasks": {}}
    if path.is_file():
        data = read_refs(path)
        if data.get("suite_version") != suite_version:
            raise ConfigError(f"{path} holds references of suite v{data.get('suite_version')}, not v{suite_version}")
    data.setdefault("tasks", {})[task_id] = record
    data["tasks"] = dict(sorted(data["tasks"].items()))
    tmp = path.with_name(path.name + ".tmp")
    data = json.loads(json.dumps(data, default=str))  # plain types only
    if path.suffix == ".json":
        tmp.write_text(json.dumps(data, indent=1) + "\n")
    else:
        tmp.write_text(_REFS_HEADER + yaml.safe_dump(data, sort_keys=False, width=110))
    os.replace(tmp, path)
