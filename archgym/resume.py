"""The folder of one ``archgym run``, and resuming a run that was interrupted or killed.

A run folder ``OUT`` holds::

    OUT/run.json            what was asked: env, agent, hyper-parameters, seed, budget, workload,
                            objective, run id (written before the first simulator call)
    OUT/dataset/            the rows, published as the run goes (see DatasetWriter)
    OUT/summary.json        written at the end, or on an interrupt with "status": "interrupted"
    OUT/convergence.png

``--resume`` re-creates the agent with the run's seed and runs its search again from the start;
the first ``n`` evaluations, already in the dataset, are answered from the logged rows by a
:class:`ReplayEvaluator` (no simulator call, no new row), so a deterministic agent walks the same
path, reaches step ``n`` with the same state and continues. The final dataset then has each step
once, and the run's best equals that of an uninterrupted run with the same seed. An agent that
proposes a different design than the logged one is not deterministic under replay: resuming
stops with an error and the logged rows stay as they are.
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from archgym.envs.evaluator import EvalRecord, Evaluator
from archgym.errors import ConfigError
from archgym.space import Design

__all__ = ["RUN_FILE", "ReplayEvaluator", "check_out", "logged_rows", "read_manifest", "write_manifest"]

logger = logging.getLogger(__name__)

RUN_FILE = "run.json"
#: what a run writes into its folder (``--overwrite`` removes exactly these)
ARTIFACTS = (RUN_FILE, "summary.json", "convergence.png", "dataset")


def check_out(out: Path, resume: bool, overwrite: bool) -> dict[str, Any] | None:
    """Check ``--out`` against ``--resume``/``--overwrite``; returns the manifest when resuming.

    Changes nothing on disk (``--overwrite`` removal happens in :func:`clear_run`).

    Raises:
        ConfigError: one line naming the folder and what to do.
    """
    if resume and overwrite:
        raise ConfigError("--resume and --overwrite exclude each other: continue the run in --out, or replace it")
    if resume:
        if not (out / RUN_FILE).is_file():
            hint = " (written by an older ArchGym, which cannot resume)" if (out / "summary.json").is_file() else ""
            raise ConfigError(f"--resume: {out} holds no run to resume (no {RUN_FILE}){hint}; start it without --resume")
        return read_manifest(out)
    if not out.exists():
        return None
    if not out.is_dir():
        raise ConfigError(f"--out {out} is a file; choose a folder")
    entries = {p.name for p in out.iterdir()}
    if not entries:
        return None
    if entries & set(ARTIFACTS):
        if overwrite:
            return None
        raise ConfigError(
            f"--out {out} already holds a run; pass --resume to continue it, --overwrite to replace it, or choose another --out"
        )
    raise ConfigError(f"--out {out} exists and is not empty (and holds no run); choose a new folder")


def clear_run(out: Path) -> None:
    """Remove a previous run's files from ``out`` (``--overwrite``); other files stay."""
    import shutil

    for name in ARTIFACTS:
        p = out / name
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()


def read_manifest(out: Path) -> dict[str, Any]:
    try:
        data = json.loads((out / RUN_FILE).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"--resume: {out / RUN_FILE} is unreadable ({exc})") from None
    missing = [k for k in ("run_id", "env_id", "agent", "agent_params", "seed", "budget") if k not in data]
    if missing:
        raise ConfigError(f"--resume: {out / RUN_FILE} lacks {', '.join(missing)}")
    return data


def write_manifest(out: Path, data: Mapping[str, Any]) -> None:
    """Write ``run.json`` atomically (temporary file, then rename)."""
    tmp = out / f".{RUN_FILE}.tmp"
    tmp.write_text(json.dumps(dict(data), indent=2, default=str) + "\n")
    os.replace(tmp, out / RUN_FILE)


def same_as_logged(name: str, given: Any, logged: Any, out: Path) -> None:
    """Raise unless a value given on resume equals the run's (``None`` = not given)."""
    if given is not None and given != logged:
        raise ConfigError(
            f"--resume: {name} {given!r} differs from the run's {logged!r} in {out}; resume with the same value or leave it out"
        )


def logged_rows(dataset: Path, simulator: str, run_id: str) -> list[dict[str, Any]]:
    """The rows of run ``run_id`` in ``dataset``, by step; checks that steps ``0..n-1`` are there once.

    Raises:
        ConfigError: steps are missing or duplicated (the dataset was damaged or mixed).
    """
    import pyarrow.compute as pc

    from archgym.datasets import load_table
    from archgym.datasets.writer import finish_compaction
    from archgym.errors import DatasetError

    if not dataset.is_dir():
        return []
    finish_compaction(dataset)
    try:
        table = load_table(dataset, simulator)
    except DatasetError as exc:
        if not any(dataset.glob("simulator=*/part-*.parquet")):
            return []
        raise ConfigError(f"--resume: cannot read the run's dataset: {exc}") from None
    table = table.filter(pc.and_(pc.equal(table["run_id"], run_id), pc.equal(table["trial_id"], "0")))
    rows = sorted(table.to_pylist(), key=lambda r: r["step"])
    steps = [r["step"] for r in rows]
    if steps != list(range(len(rows))):
        dup = next((a for a, b in zip(steps, steps[1:]) if a == b), None)
        gap = next((i for i, s in enumerate(sorted(set(steps))) if s != i), len(set(steps)))
        what = f"step {dup} is logged twice" if dup is not None else f"step {gap} is missing"
        raise ConfigError(f"--resume: the dataset of run {run_id} in {dataset} is damaged: {what}; start a new run")
    return rows


class ReplayEvaluator(Evaluator):
    """An :class:`Evaluator` that answers its first ``len(rows)`` requests from logged rows.

    Replayed requests call no simulator and write no row; each must ask for the design logged at
    its step, else :class:`~archgym.errors.ConfigError` (the agent is not deterministic under
    replay). From then on it is an ordinary evaluator whose rows continue the step numbering.

    Args:
        rows: the run's logged rows by step (``p_``/``m_`` columns, ``reward``, ``error``,
            ``cache_hit``, ``sim_wall_s``), as returned by :func:`logged_rows`.
        agent: the agent's name, for the error message.
        (the rest as for :class:`Evaluator`)
    """

    def __init__(self, *args: Any, rows: list[dict[str, Any]], agent: str = "", **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._rows = rows
        self._agent = agent
        self._metric_names = self.simulator.metric_names

    @property
    def replaying(self) -> bool:
        return self.steps < len(self._rows)

    def evaluate(self, design: Mapping[str, Any]) -> EvalRecord:
        if not self.replaying:
            return super().evaluate(design)
        row = self._rows[self.steps]
        space = self.simulator.design_space
        proposed = self.key(space.validate(design))
        logged = self.key(space.validate({n: row[f"p_{n}"] for n in self._names}))
        if proposed != logged:
            raise ConfigError(
                f"--resume: agent {self._agent!r} proposed {dict(zip(self._names, proposed))} at step {self.steps}, "
                f"but the run logged {dict(zip(self._names, logged))}: the agent is not deterministic under replay, "
                f"so this run cannot be resumed (its {len(self._rows)} logged rows are kept)"
            )
        writer, self.writer = self.writer, None  # the row is in the dataset already
        try:
            rec = super().evaluate(design)
        finally:
            self.writer = writer
        if rec.cache_hit != bool(row["cache_hit"]) or not _same(rec.reward, row["reward"]):
            raise ConfigError(
                f"--resume: step {rec.step} replays as reward {rec.reward!r} (cache hit {rec.cache_hit}) but the run "
                f"logged {row['reward']!r} (cache hit {row['cache_hit']}); the objective or the simulator changed"
            )
        return rec

    def _run(self, step: int, design: Design) -> EvalRecord:
        if step >= len(self._rows):
            return super()._run(step, design)
        row = self._rows[step]
        call_index = self.unique_calls
        self.unique_calls += 1
        values = [row.get(f"m_{m}") for m in self._metric_names]
        if all(v is None or v != v for v in values):  # no metrics: null (or NaN, as older writers stored it)
            error = row["error"] or "infeasible"
            return EvalRecord(step, design, None, self.objective.failure(error), False, row["error"], row["sim_wall_s"], call_index)
        metrics = dict(zip(self._metric_names, (float(v) for v in values)))
        score = self.objective.score(metrics)
        return EvalRecord(step, design, metrics, score, False, score.reason, row["sim_wall_s"], call_index)


def _same(a: float, b: float | None) -> bool:
    if b is None:
        return False
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b or math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-300)


def now_utc() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
