"""Per-run metrics of a benchmark task: normalised regret, AUC, calls to reach, hypervolume ratio.

Every run is reduced to a *value curve* ``v(t)``, one entry per unique simulator call
``t = 1..B`` (larger is better):

* single objective: ``v(t) = max(r0, best feasible reward among calls 1..t)`` where ``r0`` is
  the baseline design's reward — the baseline is the design a researcher starts from, so a run
  is never worse than it, and an infeasible design never counts;
* multi-objective: ``v(t) = HV(baseline ∪ feasible reward vectors of calls 1..t)``, the
  hypervolume above the objective's reference point.

With the task's reference best ``v*`` (:mod:`archgym.bench.refs`) and the baseline's value
``v0`` (``r0``, or the baseline's own hypervolume):

* **normalised simple regret** ``g(t) = (v* − v(t)) / (v* − v0)``, clipped to ``[0, 1]``: 1 = no
  better than the baseline, 0 = the reference best (a run beating the reference scores 0 and
  means the reference should be recomputed); reported at 10/25/50/100 % of the budget, i.e.
  after ``ceil(f · B)`` calls (a run that stopped early keeps its last value);
* **AUC**: the mean over ``t = 1..B`` of ``1 − g(t)``, the area under the normalised
  best-so-far curve (1 = the reference best from the first call);
* **calls to 1 % / 5 %**: the first ``t`` with ``v* − v(t) <= x · |v*|`` ("within x % of the
  reference best"), ``None`` if never;
* **hypervolume ratio** (multi-objective): ``v(B) / v*``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from archgym.objective import hypervolume

__all__ = ["FRACTIONS", "Reference", "hv_curve", "normalised_regret", "run_metrics", "value_curve"]

#: budget fractions at which simple regret is reported
FRACTIONS = (0.10, 0.25, 0.50, 1.00)
#: "within x of the reference best" thresholds (relative to |v*|)
REACH = (0.01, 0.05)


@dataclass(frozen=True)
class Reference:
    """A task's reference best ``best`` (v*) and its baseline value ``baseline`` (v0)."""

    best: float
    baseline: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.best) and math.isfinite(self.baseline)):
            raise ValueError(f"reference values must be finite, got best={self.best}, baseline={self.baseline}")
        if self.best < self.baseline:
            raise ValueError(f"reference best {self.best} is below the baseline value {self.baseline}")


def value_curve(rewards: Sequence[float], feasible: Sequence[bool], baseline: float) -> np.ndarray:
    """Single-objective value curve, shape ``(calls,)``: ``max(baseline, best feasible reward so far)``.

    Args:
        rewards: reward of each unique call, in order.
        feasible: whether each call's design was feasible.
        baseline: the baseline design's reward ``r0``.
    """
    r = np.asarray(rewards, dtype=np.float64)
    ok = np.asarray(feasible, dtype=bool) & np.isfinite(r)
    r = np.where(ok, r, -np.inf)
    return np.maximum(np.maximum.accumulate(r) if len(r) else r, baseline)


def hv_curve(vectors: Sequence[Sequence[float] | None], feasible: Sequence[bool], baseline_vector: Sequence[float], ref_point: Sequence[float]) -> np.ndarray:
    """Multi-objective value curve, shape ``(calls,)``: hypervolume of baseline ∪ feasible vectors so far.

    Args:
        vectors: reward vector ('larger is better') of each unique call (``None`` when failed).
        feasible: whether each call's design was feasible.
        baseline_vector: the baseline design's reward vector.
        ref_point: the reference point in the same vector space.
    """
    ref = np.asarray(ref_point, dtype=np.float64)
    pts = [np.asarray(baseline_vector, dtype=np.float64)]
    out = np.empty(len(vectors), dtype=np.float64)
    hv = hypervolume(np.asarray(pts), ref)
    for t, (v, f) in enumerate(zip(vectors, feasible)):
        if f and v is not None and np.all(np.isfinite(v)):
            vec = np.asarray(v, dtype=np.float64)
            if not any(np.all(p >= vec) for p in pts):  # a dominated point adds no volume
                pts.append(vec)
                hv = hypervolume(np.asarray(pts), ref)
        out[t] = hv
    return out


def normalised_regret(curve: np.ndarray, ref: Reference) -> np.ndarray:
    """``clip((v* − v) / (v* − v0), 0, 1)`` element-wise (0 everywhere when ``v* == v0``)."""
    curve = np.asarray(curve, dtype=np.float64)
    gap = ref.best - ref.baseline
    if gap <= 0:
        return np.zeros_like(curve)
    return np.clip((ref.best - curve) / gap, 0.0, 1.0)


def _at(curve: np.ndarray, calls: int) -> float:
    """The curve after ``calls`` calls (its last value when the run is shorter)."""
    if len(curve) == 0:
        return float("nan")
    return float(curve[min(calls, len(curve)) - 1])


def run_metrics(curve: np.ndarray, ref: Reference, budget: int, multi_objective: bool = False) -> dict[str, Any]:
    """Every metric of one run from its value curve (see the module docstring).

    Args:
        curve: the value curve, shape ``(calls,)`` (at most ``budget`` entries are used).
        ref: the task's reference.
        budget: the task's budget ``B``.
        multi_objective: also report the hypervolume ratio.

    Returns:
        ``{"regret@10": ..., "regret@25", "regret@50", "regret@100", "auc", "calls_to_1pct",
        "calls_to_5pct", "final_value", "calls", ["hv_ratio"]}``.
    """
    curve = np.asarray(curve, dtype=np.float64)[:budget]
    if len(curve) == 0:
        curve = np.array([ref.baseline])
    full = np.concatenate([curve, np.full(budget - len(curve), curve[-1])])
    regret = normalised_regret(full, ref)
    out: dict[str, Any] = {}
    for f in FRACTIONS:
        out[f"regret@{round(f * 100)}"] = _at(regret, max(1, math.ceil(f * budget - 1e-9)))
    out["auc"] = float(np.mean(1.0 - regret))
    for x in REACH:
        hit = np.nonzero(ref.best - full <= x * abs(ref.best))[0]
        out[f"calls_to_{round(x * 100)}pct"] = int(hit[0]) + 1 if len(hit) else None
    out["final_value"] = float(full[-1])
    out["calls"] = int(len(curve))
    if multi_objective:
        out["hv_ratio"] = float(full[-1] / ref.best) if ref.best > 0 else float("nan")
    return out
