"""Reference records: merging the computations of one task's reference, and storing them.

A record (see :mod:`archgym.bench.refs`) can grow from several computations: a large random
search, agent runs, a longer random search of the same seed that repeats a shorter one.
:func:`merge_records` adds two computations up, :func:`supersede` replaces a search by a longer
one of the same seed while keeping what else the old record held, and :func:`write_reference`
stores a record in the suite's ``v<N>.refs.yaml`` atomically.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from archgym.errors import ConfigError

__all__ = ["CHUNK", "PROVISIONAL_BELOW", "merge_records", "supersede", "write_reference"]

#: random-search references with fewer designs than this are marked provisional
PROVISIONAL_BELOW = 100_000
#: designs per resumable chunk of the random method
CHUNK = 10_000


def _front(vectors: list[list[float]]) -> list[list[float]]:
    from archgym.objective import pareto_front

    pts = np.unique(np.asarray(vectors, dtype=np.float64), axis=0)
    return pts[pareto_front(pts)].tolist()


def _plain(x: Any) -> Any:
    """JSON form of numpy scalars (design values, metrics); anything else as text."""
    return x.item() if isinstance(x, np.generic) else str(x)


def merge_records(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """One record from two computations of the same task's reference (e.g. random + agents).

    The best value is the better one (for multi-objective tasks the hypervolume of the union of
    both fronts, so both records must hold their ``front``); designs add up; ``sources`` lists
    both; ``provisional`` stays as the random search left it (agent runs do not make a large
    random search).

    Raises:
        ConfigError: different baselines, a multi-objective record without its front, or ``new``
        already merged into ``old``.
    """
    from archgym.objective import hypervolume

    if not np.isclose(old["baseline"], new["baseline"], rtol=1e-9, atol=0):
        raise ConfigError(f"cannot merge references with different baselines ({old['baseline']} and {new['baseline']}): "
                          "the task or simulator changed; recompute the reference")
    out = dict(old)
    old_sources = old.get("sources") or [{k: old.get(k) for k in ("method", "designs", "best", "seed", "wall_s")}]
    same = ("method", "agents", "budget", "seeds", "first_seed", "seed", "designs")
    for src in new.get("sources") or []:
        if any(all(s.get(k) == src.get(k) for k in same) for s in old_sources):
            raise ConfigError(f"this computation ({src['method']}, {src.get('agents') or ''} {src['designs']} designs, "
                              "same seeds) is already part of the record; merging it again would count it twice")
    out["sources"] = list(old_sources) + list(new.get("sources") or [])
    methods = []
    for s in out["sources"]:
        if s["method"] not in methods:
            methods.append(s["method"])
    out["method"] = "+".join(methods)
    out["designs"] = int(old["designs"]) + int(new["designs"])
    out["feasible_designs"] = int(old.get("feasible_designs", 0)) + int(new.get("feasible_designs", 0))
    out["wall_s"] = round(float(old.get("wall_s", 0)) + float(new.get("wall_s", 0)), 1)
    out["computed"] = new["computed"]
    searched = sum(int(s["designs"]) for s in out["sources"] if s["method"] in ("random", "exhaustive"))
    size = old.get("space_size")
    out["provisional"] = "exhaustive" not in methods and searched < PROVISIONAL_BELOW and (size is None or searched < size)
    if "front" in old or "front" in new:
        if "front" not in old or "front" not in new:
            raise ConfigError("a multi-objective reference can only be merged when both records hold their Pareto "
                              "'front'; recompute the older one")
        front = _front(list(old["front"]) + list(new["front"]))
        out.update(front=front, front_size=len(front), best=hypervolume(np.asarray(front), np.asarray(old["ref_point"])))
    elif new["best"] > old["best"]:
        out.update(best=new["best"], best_design=new["best_design"], best_metrics=new["best_metrics"])
    return out
def _extends(new: dict[str, Any], old: dict[str, Any]) -> bool:
    """Whether search source ``new`` evaluated every design of source ``old`` (a prefix of it).

    A random search of seed ``s`` draws chunk ``i`` from ``SeedSequence([s, i])`` and the random
    walk draws one design at a time, so a search of the same seed and chunk size with at least as
    many designs repeats every design of the shorter one (within its first chunk, any chunk size).
    """
    if old.get("method") != new.get("method") or old.get("method") not in ("random", "exhaustive"):
        return False
    if old.get("seed") != new.get("seed") or int(old["designs"]) > int(new["designs"]):
        return False
    new_chunk = int(new.get("chunk", CHUNK))
    return old["method"] == "exhaustive" or int(old["designs"]) <= new_chunk or int(old.get("chunk", CHUNK)) == new_chunk


def supersede(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """``new`` (one random or exhaustive search) as the task's record, keeping what ``old`` adds.

    The sources of ``old`` that ``new`` repeats (the same search, shorter: see :func:`_extends`)
    are dropped; every other source (agent runs, searches of other seeds) is merged into ``new``
    (:func:`merge_records`). ``old`` of another baseline or simulator version is dropped whole.
    Where an old source did not store its count of feasible designs, it is taken in proportion
    to the old record's.
    """
    sources = old.get("sources") or [{k: old.get(k) for k in ("method", "designs", "best", "seed", "wall_s")}]
    if (len(new.get("sources") or []) != 1 or str(old.get("simulator_version")) != str(new.get("simulator_version"))
            or not np.isclose(old["baseline"], new["baseline"], rtol=1e-9, atol=0)):
        return new
    kept = [s for s in sources if not _extends(new["sources"][0], s)]
    if not kept:
        return new
    gone = [s for s in sources if s not in kept]
    ratio = int(old.get("feasible_designs", 0)) / max(int(old["designs"]), 1)
    rest = dict(old, sources=kept, designs=int(old["designs"]) - sum(int(s["designs"]) for s in gone),
                wall_s=round(float(old.get("wall_s", 0)) - sum(float(s.get("wall_s") or 0) for s in gone), 1))
    rest["feasible_designs"] = int(old.get("feasible_designs", 0)) - sum(
        int(s.get("feasible_designs", round(ratio * int(s["designs"])))) for s in gone)
    if "front" not in old:  # the best of what is kept; its design is known only if it is old's best
        rest["best"] = max(float(s["best"]) for s in kept)
        if not np.isclose(rest["best"], old["best"], rtol=1e-12, atol=0):
            rest.update(best_design=None, best_metrics=None)
    return {**merge_records(new, rest), "computed": new["computed"]}  # when the record last grew, not the old search


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
    data = json.loads(json.dumps(data, default=_plain))  # plain types only
    if path.suffix == ".json":
        tmp.write_text(json.dumps(data, indent=1) + "\n")
    else:
        tmp.write_text(_REFS_HEADER + yaml.safe_dump(data, sort_keys=False, width=110))
    os.replace(tmp, path)
