"""Objectives: how a dictionary of metrics becomes a reward (larger is better).

* :class:`TargetSpec` — the ArchGym "target-spec distance" reward: per metric
  ``1 / (d + eps)`` with ``d = |x − t| / |t|`` the normalised distance to the target
  (ArchGym wrote ``t / |x − t|``, which divides by zero when a target is hit exactly; ``eps``
  caps it at ``1 / eps``). With ``one_sided=True`` (default) beating a target counts as
  ``d = 0``, so a design better than the target is never punished; ``one_sided=False``
  reproduces the paper's two-sided form. Per-metric rewards combine by product (ArchGym's
  "both") or mean.
* :class:`Weighted` — ``Σ w · sign · x / scale``, sign +1 for maximised metrics, −1 for minimised.
* :class:`Constrained` — any objective plus metric limits (e.g. ``area_mm2 <= 2.0``); a
  violating design is *marked* infeasible and its reward lowered by ``penalty × violation``,
  never silently dropped.
* :class:`MultiObjective` — a vector reward (one entry per metric, 'larger is better'),
  the Pareto front and the exact hypervolume for 2–3 objectives; its scalar reward is a
  normalised weighted sum, used by single-objective agents.

An objective returns a :class:`Score`. A simulator failure (no metrics) gets
``objective.failure_reward`` and ``feasible=False``.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from archgym.errors import ConfigError, did_you_mean

if TYPE_CHECKING:
    from archgym.simulator import Simulator

__all__ = [
    "Constrained",
    "MultiObjective",
    "Objective",
    "Score",
    "TargetSpec",
    "Weighted",
    "hypervolume",
    "make_objective",
    "pareto_front",
]


@dataclass(frozen=True)
class Score:
    """The outcome of scoring one evaluation.

    Attributes:
        reward: the scalar reward (larger is better).
        feasible: False when a constraint is violated or the simulator failed.
        vector: per-objective rewards ('larger is better') for multi-objective objectives.
        reason: why the design is infeasible, if it is.
    """

    reward: float
    feasible: bool = True
    vector: tuple[float, ...] | None = None
    reason: str | None = None


class Objective(ABC):
    """Turns metrics into a :class:`Score`."""

    #: reward given to a design whose evaluation failed (no metrics).
    failure_reward: float = 0.0

    @property
    @abstractmethod
    def metric_names(self) -> tuple[str, ...]:
        """The metrics this objective reads."""

    @abstractmethod
    def score(self, metrics: Mapping[str, float]) -> Score:
        """Score one design's metrics."""

    def failure(self, reason: str) -> Score:
        """The score of a failed evaluation."""
        n = self.n_objectives
        return Score(self.failure_reward, False, (self.failure_reward,) * n if n > 1 else None, reason)

    @property
    def n_objectives(self) -> int:
        return 1

    def success(self, metrics: Mapping[str, float] | None) -> bool:
        """Whether a design meets the objective's target (used for success-rate reports)."""
        return False

    def check(self, simulator: Simulator) -> None:
        """Raise :class:`ConfigError` when the objective names a metric the simulator lacks."""
        names = simulator.metric_names
        for m in self.metric_names:
            if m not in names:
                raise ConfigError(
                    f"objective uses metric {m!r}{did_you_mean(m, names)}, which simulator "
                    f"{simulator.name!r} does not report; allowed: {', '.join(names)}"
                )

    def to_json(self) -> dict[str, Any]:
        """A JSON description (for logs and reports)."""
        return {"kind": type(self).__name__}


def _directions(simulator: Simulator | None, names: Sequence[str], given: Mapping[str, str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for n in names:
        if given and n in given:
            out[n] = given[n]
        elif simulator is not None:
            out[n] = simulator.metric(n).direction
        else:
            out[n] = "min"
        if out[n] not in ("min", "max"):
            raise ConfigError(f"direction of metric {n!r} must be 'min' or 'max', got {out[n]!r}")
    return out


class TargetSpec(Objective):
    """ArchGym's target-distance reward.

    Args:
        targets: ``{metric: target value}`` (non-zero).
        directions: ``{metric: "min" | "max"}``; default ``"min"`` for each metric.
        one_sided: count beating a target as hitting it (default) instead of as a distance.
        combine: ``"product"`` (ArchGym) or ``"mean"`` of the per-metric rewards.
        eps: guard against hitting a target exactly; caps a metric's reward at ``1 / eps``.
    """

    def __init__(
        self,
        targets: Mapping[str, float],
        directions: Mapping[str, str] | None = None,
        *,
        one_sided: bool = True,
        combine: Literal["product", "mean"] = "product",
        eps: float = 1e-3,
    ):
        if not targets:
            raise ConfigError("TargetSpec needs at least one target")
        for m, t in targets.items():
            if not math.isfinite(t) or t == 0:
                raise ConfigError(f"target of metric {m!r} must be finite and non-zero, got {t!r}")
        if combine not in ("product", "mean"):
            raise ConfigError(f"combine must be 'product' or 'mean', got {combine!r}")
        if eps <= 0:
            raise ConfigError(f"eps must be > 0, got {eps}")
        self.targets = {k: float(v) for k, v in targets.items()}
        self.directions = _directions(None, list(targets), directions)
        self.one_sided, self.combine, self.eps = one_sided, combine, eps

    @classmethod
    def from_baseline(
        cls,
        simulator: Simulator,
        workload: str | None = None,
        improvement: float | Mapping[str, float] = 0.2,
        metrics: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> TargetSpec:
        """Targets a stated fraction better than the simulator's baseline design.

        A minimised metric's target is ``baseline · (1 − improvement)``, a maximised one's
        ``baseline · (1 + improvement)``.
        """
        names = list(metrics or simulator.metric_names)
        base = simulator.baseline_metrics(workload)
        targets = {}
        for n in names:
            imp = improvement[n] if isinstance(improvement, Mapping) else improvement
            sign = 1.0 if simulator.metric(n).direction == "max" else -1.0
            t = base[n] * (1.0 + sign * imp)
            targets[n] = t if t != 0 else (1e-9 if sign > 0 else -1e-9)
        return cls(targets, _directions(simulator, names, None), **kwargs)

    @property
    def metric_names(self) -> tuple[str, ...]:
        return tuple(self.targets)

    def distances(self, metrics: Mapping[str, float]) -> dict[str, float]:
        """Normalised distance of each metric to its target (0 when met, in one-sided mode)."""
        out = {}
        for m, t in self.targets.items():
            x = float(metrics[m])
            d = abs(x - t) / abs(t)
            if self.one_sided:
                better = x <= t if self.directions[m] == "min" else x >= t
                d = 0.0 if better else d
            out[m] = d
        return out

    def score(self, metrics: Mapping[str, float]) -> Score:
        per = [1.0 / (d + self.eps) for d in self.distances(metrics).values()]
        reward = math.prod(per) if self.combine == "product" else sum(per) / len(per)
        return Score(float(reward))

    def success(self, metrics: Mapping[str, float] | None) -> bool:
        if metrics is None:
            return False
        for m, t in self.targets.items():
            x = float(metrics[m])
            if (self.directions[m] == "min" and x > t) or (self.directions[m] == "max" and x < t):
                return False
        return True

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "target",
            "targets": self.targets,
            "directions": self.directions,
            "one_sided": self.one_sided,
            "combine": self.combine,
            "eps": self.eps,
        }


class Weighted(Objective):
    """``reward = Σ_i w_i · sign_i · x_i / scale_i``.

    Args:
        weights: ``{metric: weight >= 0}``.
        directions: ``{metric: "min" | "max"}`` (default ``"min"``).
        scales: ``{metric: typical magnitude}`` to make terms comparable (default 1).
        failure_reward: reward of a failed evaluation.
    """

    def __init__(
        self,
        weights: Mapping[str, float],
        directions: Mapping[str, str] | None = None,
        scales: Mapping[str, float] | None = None,
        failure_reward: float = -1e3,
    ):
        if not weights:
            raise ConfigError("Weighted needs at least one weight")
        self.weights = {k: float(v) for k, v in weights.items()}
        self.directions = _directions(None, list(weights), directions)
        self.scales = {k: float((scales or {}).get(k, 1.0)) or 1.0 for k in weights}
        self.failure_reward = failure_reward

    @classmethod
    def from_baseline(cls, simulator: Simulator, workload: str | None = None, weights: Mapping[str, float] | None = None) -> Weighted:
        """Equal (or given) weights, each metric scaled by its baseline value."""
        weights = dict(weights or {m: 1.0 for m in simulator.metric_names})
        base = simulator.baseline_metrics(workload)
        scales = {m: abs(base[m]) or 1.0 for m in weights}
        return cls(weights, _directions(simulator, list(weights), None), scales)

    @property
    def metric_names(self) -> tuple[str, ...]:
        return tuple(self.weights)

    def score(self, metrics: Mapping[str, float]) -> Score:
        r = 0.0
        for m, w in self.weights.items():
            sign = 1.0 if self.directions[m] == "max" else -1.0
            r += w * sign * float(metrics[m]) / self.scales[m]
        return Score(r)

    def to_json(self) -> dict[str, Any]:
        return {"kind": "weighted", "weights": self.weights, "directions": self.directions, "scales": self.scales}


_OPS = {"<=": lambda x, v: x <= v, ">=": lambda x, v: x >= v, "<": lambda x, v: x < v, ">": lambda x, v: x > v}


class Constrained(Objective):
    """Wraps an objective with metric limits; violations mark the design infeasible.

    Args:
        base: the objective whose reward is kept for feasible designs.
        limits: ``{metric: (op, value)}`` with op one of ``<=, >=, <, >``.
        penalty: reward lowered by ``penalty × Σ relative violation`` for infeasible designs.
    """

    def __init__(self, base: Objective, limits: Mapping[str, tuple[str, float]], penalty: float = 1.0):
        for m, (op, _) in limits.items():
            if op not in _OPS:
                raise ConfigError(f"limit on {m!r}: operator {op!r} not allowed; allowed: {', '.join(_OPS)}")
        self.base, self.limits, self.penalty = base, {k: (op, float(v)) for k, (op, v) in limits.items()}, penalty
        self.failure_reward = base.failure_reward

    @property
    def metric_names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.base.metric_names, *self.limits)))

    @property
    def n_objectives(self) -> int:
        return self.base.n_objectives

    def violations(self, metrics: Mapping[str, float]) -> dict[str, float]:
        """``{metric: relative violation > 0}`` for every limit not met."""
        out = {}
        for m, (op, v) in self.limits.items():
            x = float(metrics[m])
            if not _OPS[op](x, v):
                out[m] = abs(x - v) / (abs(v) or 1.0)
        return out

    def score(self, metrics: Mapping[str, float]) -> Score:
        inner = self.base.score(metrics)
        viol = self.violations(metrics)
        if not viol:
            return inner
        reason = "; ".join(f"{m} {self.limits[m][0]} {self.limits[m][1]:g} violated" for m in viol)
        reward = inner.reward - self.penalty * sum(viol.values())
        return Score(reward, False, inner.vector, reason)

    def success(self, metrics: Mapping[str, float] | None) -> bool:
        return metrics is not None and not self.violations(metrics) and self.base.success(metrics)

    def to_json(self) -> dict[str, Any]:
        return {"kind": "constrained", "base": self.base.to_json(), "limits": self.limits, "penalty": self.penalty}


class MultiObjective(Objective):
    """A vector reward over several metrics, for Pareto search (e.g. qLogNEHVI).

    Args:
        metrics: the objectives' metric names.
        directions: ``{metric: "min" | "max"}`` (default ``"min"``).
        scales: typical magnitudes; the vector entries are ``sign · x / scale``.
        ref_point: hypervolume reference point in metric units (default: none; a report can
            derive one from the data).
        weights: weights of the scalarisation reported as ``reward`` (default equal).
    """

    def __init__(
        self,
        metrics: Sequence[str],
        directions: Mapping[str, str] | None = None,
        scales: Mapping[str, float] | None = None,
        ref_point: Mapping[str, float] | None = None,
        weights: Mapping[str, float] | None = None,
        failure_reward: float = -1e3,
    ):
        if len(metrics) < 2:
            raise ConfigError("MultiObjective needs at least two metrics")
        self.metrics = tuple(metrics)
        self.directions = _directions(None, self.metrics, directions)
        self.scales = {m: float((scales or {}).get(m, 1.0)) or 1.0 for m in self.metrics}
        self.ref_point = dict(ref_point) if ref_point else None
        self.weights = {m: float((weights or {}).get(m, 1.0)) for m in self.metrics}
        self.failure_reward = failure_reward

    @classmethod
    def from_baseline(cls, simulator: Simulator, workload: str | None = None, metrics: Sequence[str] | None = None) -> MultiObjective:
        """Scales from the baseline; reference point = twice the baseline's worse side."""
        names = list(metrics or simulator.metric_names)
        base = simulator.baseline_metrics(workload)
        dirs = _directions(simulator, names, None)
        ref = {m: base[m] * (2.0 if dirs[m] == "min" else 0.5) for m in names}
        return cls(names, dirs, {m: abs(base[m]) or 1.0 for m in names}, ref)

    @property
    def metric_names(self) -> tuple[str, ...]:
        return self.metrics

    @property
    def n_objectives(self) -> int:
        return len(self.metrics)

    def vector(self, metrics: Mapping[str, float]) -> tuple[float, ...]:
        return tuple(
            (1.0 if self.directions[m] == "max" else -1.0) * float(metrics[m]) / self.scales[m] for m in self.metrics
        )

    def score(self, metrics: Mapping[str, float]) -> Score:
        vec = self.vector(metrics)
        reward = sum(self.weights[m] * v for m, v in zip(self.metrics, vec)) / sum(self.weights.values())
        return Score(reward, True, vec)

    def ref_vector(self) -> np.ndarray | None:
        """The reference point in the 'larger is better' vector space, if one is set."""
        if self.ref_point is None:
            return None
        return np.array(self.vector(self.ref_point))

    def to_json(self) -> dict[str, Any]:
        return {"kind": "multi", "metrics": list(self.metrics), "directions": self.directions, "scales": self.scales, "ref_point": self.ref_point}


def pareto_front(points: np.ndarray) -> np.ndarray:
    """Boolean mask of the non-dominated rows of ``points`` (shape ``(n, k)``, maximisation).

    A row is dominated when another row is ``>=`` in every objective and ``>`` in one.
    Duplicated non-dominated rows are all kept.
    """
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2:
        raise ValueError(f"points must have shape (n, k), got {pts.shape}")
    n = len(pts)
    mask = np.ones(n, dtype=bool)
    for i in range(n):
        if not mask[i]:
            continue
        dominates_i = np.all(pts >= pts[i], axis=1) & np.any(pts > pts[i], axis=1)
        if dominates_i.any():
            mask[i] = False
    return mask


def hypervolume(points: np.ndarray, ref: np.ndarray) -> float:
    """Exact hypervolume dominated by ``points`` (maximisation) above reference point ``ref``.

    Supports 1–3 objectives: a sweep in 2-D, slicing along the third axis in 3-D.
    """
    pts = np.asarray(points, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    if pts.size == 0:
        return 0.0
    if pts.ndim != 2 or pts.shape[1] != ref.shape[0]:
        raise ValueError(f"points {pts.shape} and reference {ref.shape} disagree")
    pts = pts[np.all(pts > ref, axis=1)]
    if len(pts) == 0:
        return 0.0
    k = pts.shape[1]
    if k == 1:
        return float(pts[:, 0].max() - ref[0])
    if k == 2:
        return _hv2(pts, ref)
    if k == 3:
        order = np.argsort(-pts[:, 2])
        pts = pts[order]
        total = 0.0
        for i in range(len(pts)):
            z_hi = pts[i, 2]
            z_lo = pts[i + 1, 2] if i + 1 < len(pts) else ref[2]
            if z_hi > z_lo:
                total += _hv2(pts[: i + 1, :2], ref[:2]) * (z_hi - z_lo)
        return float(total)
    raise ValueError(f"exact hypervolume supports 1-3 objectives, got {k}")


def _hv2(pts: np.ndarray, ref: np.ndarray) -> float:
    pts = pts[np.argsort(-pts[:, 0])]
    area, best_y = 0.0, ref[1]
    for x, y in pts:
        if y > best_y:
            area += (x - ref[0]) * (y - best_y)
            best_y = y
    return float(area)


def make_objective(spec: Mapping[str, Any] | Objective | None, simulator: Simulator, workload: str | None = None) -> Objective:
    """Build an objective from a small dict (as in sweep files) or pass one through.

    ``{"kind": "target", "metrics": [...], "improvement": 0.2}`` — targets from the baseline;
    ``{"kind": "target", "targets": {metric: value}}`` — explicit targets;
    ``{"kind": "weighted", "weights": {...}}``; ``{"kind": "multi", "metrics": [...]}``;
    ``{"kind": "constrained", "base": {...}, "limits": {metric: [op, value]}}``;
    ``None`` — the simulator's default objective.
    """
    if spec is None:
        obj = simulator.default_objective(workload)
    elif isinstance(spec, Objective):
        obj = spec
    else:
        spec = dict(spec)
        kind = spec.pop("kind", "target")
        if kind == "target":
            if "targets" in spec:
                targets = spec.pop("targets")
                obj = TargetSpec(targets, _directions(simulator, list(targets), spec.pop("directions", None)), **spec)
            else:
                obj = TargetSpec.from_baseline(
                    simulator, workload, improvement=spec.pop("improvement", 0.2), metrics=spec.pop("metrics", None), **spec
                )
        elif kind == "weighted":
            obj = Weighted.from_baseline(simulator, workload, spec.pop("weights", None))
        elif kind == "multi":
            obj = MultiObjective.from_baseline(simulator, workload, spec.pop("metrics", None))
        elif kind == "constrained":
            base = make_objective(spec.pop("base", None), simulator, workload)
            limits = {k: (v[0], float(v[1])) for k, v in spec.pop("limits", {}).items()}
            obj = Constrained(base, limits, **spec)
        else:
            raise ConfigError(f"unknown objective kind {kind!r}; allowed: target, weighted, multi, constrained")
    obj.check(simulator)
    return obj
