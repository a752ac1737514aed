"""What a sweep report reads: the sweep folder's saved config, trial list and records, and
its dataset — never Ray's own files.

Every number is recomputed from the dataset rows of completed trials (the records only map
a dataset ``trial_id`` back to its trial: agent, configuration, seed, environment):

* a trial's *best-so-far curve* is the running best reward over its unique simulator calls
  (cache hits excluded), feasible designs first — the same rule as
  :class:`archgym.agents.SearchResult`;
* a trial's *first success* is the first unique call whose design meets the objective's
  target (``objective.success(metrics)``), with the objective rebuilt from the sweep file.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from archgym.datasets import load
from archgym.sweep.store import SweepState, load_state, read_records

__all__ = ["Panel", "SweepData", "load_sweep", "best_so_far"]

logger = logging.getLogger(__name__)


def best_so_far(reward: np.ndarray, feasible: np.ndarray) -> np.ndarray:
    """Running best reward, a feasible design always beating an infeasible one.

    Args:
        reward: rewards of the unique calls in order, shape ``(n,)``.
        feasible: their feasibility, shape ``(n,)``.

    Returns:
        Shape ``(n,)``: the best feasible reward so far, or the best infeasible one while
        no feasible design has been seen.
    """
    reward = np.asarray(reward, dtype=np.float64)
    feasible = np.asarray(feasible, dtype=bool)
    best_feas = np.maximum.accumulate(np.where(feasible, reward, -np.inf)) if len(reward) else reward
    best_any = np.maximum.accumulate(np.where(feasible, -np.inf, reward)) if len(reward) else reward
    seen = np.cumsum(feasible) > 0
    return np.where(seen, best_feas, best_any)


@dataclass
class Panel:
    """One (environment, workload) of a sweep with its trials.

    Attributes:
        env_id, workload, simulator: what was searched.
        objective: the rebuilt objective (``None`` if the simulator cannot be built here).
        trials: one row per completed trial (key, agent, config_index, params, seed,
            best_reward, calls, first_success).
        curves: ``{trial key: best-so-far array}`` over unique calls.
        points: feasible rows' metrics with agent and trial key (for Pareto plots).
        budget: the sweep's per-trial budget.
        baseline_reward: the baseline design's reward under the objective (``None`` if unknown).
    """

    env_id: str
    workload: str
    simulator: str
    objective: Any
    trials: pd.DataFrame
    curves: dict[str, np.ndarray]
    points: pd.DataFrame
    budget: int
    notes: list[str] = field(default_factory=list)
    baseline_reward: float | None = None

    @property
    def title(self) -> str:
        return f"{self.env_id} · {self.workload}"

    @property
    def has_target(self) -> bool:
        return self.objective is not None and bool(self.trials["first_success"].notna().any() or _targeted(self.objective))

    @property
    def multi_objective(self) -> bool:
        return self.objective is not None and getattr(self.objective, "n_objectives", 1) > 1


def _targeted(objective: Any) -> bool:
    from archgym.objective import Constrained, TargetSpec

    return isinstance(objective, (TargetSpec, Constrained))


@dataclass
class SweepData:
    """A sweep folder loaded for reporting."""

    state: SweepState
    records: dict[str, dict[str, Any]]
    panels: list[Panel]

    @property
    def total(self) -> int:
        return len(self.state.trials)

    @property
    def completed(self) -> int:
        return len(self.records)


def _objective(spec: dict[str, Any], plugins: dict[str, str]) -> tuple[Any, str | None, float | None]:
    """``(objective, note, the baseline design's reward)``, rebuilt from a trial's spec."""
    from archgym.objective import make_objective
    from archgym.sweep.config import register_plugins
    from archgym.sweep.trainable import cached_simulator

    try:
        register_plugins(plugins)
        sim = cached_simulator(spec["simulator"], spec["simulator_kwargs"])
        obj = make_objective(spec["objective"], sim, spec["workload"])
    except Exception as exc:  # noqa: BLE001 - the report still shows everything else
        return None, f"objective not rebuilt ({type(exc).__name__}: {exc}); success rates and Pareto fronts are omitted", None
    try:
        return obj, None, float(obj.score(sim.baseline_metrics(spec["workload"])).reward)
    except Exception:  # noqa: BLE001 - an infeasible baseline has no reward line
        return obj, None, None


def load_sweep(out: str | os.PathLike[str]) -> SweepData:
    """Load a sweep folder for reporting (only completed trials are used).

    Raises:
        ConfigError: ``out`` holds no sweep.
    """
    state = load_state(out)
    records = read_records(state.out)
    by_trial_id = {rec["trial_id"]: key for key, rec in records.items()}
    specs = {t.key: t for t in state.trials}
    plugins = dict(state.config.get("plugins") or {})
    frames: dict[str, pd.DataFrame] = {}
    for sim in sorted({specs[k].simulator for k in records}):
        df = load(state.dataset, simulator=sim)
        df = df[df["trial_id"].isin(by_trial_id) & (df["run_id"] == state.sweep_id)]
        frames[sim] = df
    groups: dict[tuple[int, str], list[str]] = {}
    for key in records:
        t = specs[key]
        groups.setdefault((t.env_index, t.workload), []).append(key)
    panels = []
    for (_e, workload), keys in sorted(groups.items()):
        first = specs[keys[0]]
        objective, note, baseline_reward = _objective(first.to_json(), plugins)
        df = frames[first.simulator]
        metric_cols = [c for c in df.columns if c.startswith("m_")]
        rows, curves, pts = [], {}, []
        for key in sorted(keys):
            t, rec = specs[key], records[key]
            sub = df[(df["trial_id"] == rec["trial_id"]) & ~df["cache_hit"]].sort_values("step")
            curve = best_so_far(sub["reward"].to_numpy(), sub["feasible"].to_numpy())
            curves[key] = curve
            first_success = None
            if objective is not None and len(sub):
                mets = sub[metric_cols].rename(columns=lambda c: c[2:])
                ok = [bool(f) and objective.success(m) for f, m in zip(sub["feasible"], mets.to_dict("records"))]
                hits = np.nonzero(ok)[0]
                first_success = int(hits[0]) + 1 if len(hits) else None
            feas = sub[sub["feasible"]]
            if len(feas):
                p = feas[metric_cols].rename(columns=lambda c: c[2:]).copy()
                p["agent"], p["key"] = t.agent, key
                pts.append(p)
            rows.append({
                "key": key, "trial_id": rec["trial_id"], "agent": t.agent, "config_index": t.config_index,
                "params": json.dumps(t.params, sort_keys=True), "seed": t.seed,
                "best_reward": float(curve[-1]) if len(curve) else np.nan, "calls": len(curve),
                "first_success": first_success, "feasible_calls": int(sub["feasible"].sum()),
                "best_design": (rec.get("result") or {}).get("best_design"),
            })
        panels.append(Panel(
            env_id=first.env_id, workload=workload, simulator=first.simulator, objective=objective,
            trials=pd.DataFrame(rows), curves=curves,
            points=pd.concat(pts, ignore_index=True) if pts else pd.DataFrame(),
            budget=first.budget, notes=[note] if note else [], baseline_reward=baseline_reward,
        ))
    return SweepData(state=state, records=records, panels=panels)


def best_configs(panel: Panel) -> pd.DataFrame:
    """Per agent, its best hyper-parameter configuration (highest median best reward over seeds)."""
    t = panel.trials
    if t.empty:
        return pd.DataFrame()
    g = t.groupby(["agent", "config_index", "params"], as_index=False).agg(
        seeds=("seed", "count"),
        median_best=("best_reward", "median"),
        min_best=("best_reward", "min"),
        max_best=("best_reward", "max"),
        successes=("first_success", lambda s: int(s.notna().sum())),
        median_calls_to_success=("first_success", lambda s: float(s.median()) if s.notna().any() else np.nan),
    )
    idx = g.groupby("agent")["median_best"].idxmax()
    best = g.loc[idx].sort_values("median_best", ascending=False).reset_index(drop=True)
    spread = t.groupby("agent")["best_reward"].agg(agent_min="min", agent_median="median", agent_max="max", trials="count")
    return best.merge(spread, left_on="agent", right_index=True)
