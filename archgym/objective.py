"""Objectives: how a dictionary of metrics becomes a reward (larger is better).

* :class:`TargetSpec` — per-metric targets; three forms, chosen by name with ``form=``:

  - ``"bounded"`` (default): each metric's signed relative gap to its target
    ``g = (x − t) / |t|`` (``(t − x) / |t|`` for a maximised metric; ``g > 0`` is a shortfall).
    An unmet target multiplies the reward by ``1 / (1 + g)``; met targets add a bonus of at most
    ``bonus`` in total: ``reward = Π_unmet 1/(1 + g) · (1 + bonus · mean_m min(surplus_m, 1))``.
    So a design meeting every target scores ≥ 1, a design missing some target by ``g`` scores
    at most ``(1 + bonus) / (1 + g)``: beating one target never outweighs missing another badly.
  - ``"one_sided"``: ArchGym's ``1 / (d + eps)`` per metric with ``d = |x − t| / |t|``, beating
    a target counted as ``d = 0``. A met target then contributes ``1 / eps`` (1000), so a design
    that meets the power target and is 5× slower outscores the baseline (the form issue 18 retired
    as the default).
  - ``"paper"``: the ArchGym paper's two-sided ``1 / (d + eps)`` (the paper wrote ``t / |x − t|``,
    which divides by zero on a hit; ``eps`` caps it at ``1 / eps``); overshooting a target
    is punished like undershooting it.

  Per-metric factors combine by product (ArchGym's "both") or mean.
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
import numbers
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from archgym.errors import ConfigError, did_you_mean
from archgym.pareto import hypervolume, pareto_front

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


TARGET_FORMS = ("bounded", "one_sided", "paper")


class TargetSpec(Objective):
    """Target-distance reward (see the module docstring for the three forms).

    Args:
        targets: ``{metric: target value}`` (non-zero).
        directions: ``{metric: "min" | "max"}``; default ``"min"`` for each metric.
        form: ``"bounded"`` (default), ``"one_sided"`` or ``"paper"``.
        combine: ``"product"`` (ArchGym) or ``"mean"`` of the per-metric factors.
        eps: ``one_sided``/``paper`` only: guard against hitting a target exactly; caps a
            metric's reward at ``1 / eps``.
        bonus: ``bounded`` only: the largest factor (``1 + bonus``) by which beating the
            targets can raise the reward; ``0 <= bonus < 1``.
        one_sided: the former switch, kept for old code: ``True`` is ``form="one_sided"``,
            ``False`` is ``form="paper"``.
    """

    def __init__(
        self,
        targets: Mapping[str, float],
        directions: Mapping[str, str] | None = None,
        *,
        form: str | None = None,
        combine: Literal["product", "mean"] = "product",
        eps: float = 1e-3,
        bonus: float = 0.1,
        one_sided: bool | None = None,
    ):
        if not targets:
            raise ConfigError("TargetSpec needs at least one target")
        for m, t in targets.items():
            if not isinstance(t, numbers.Real) or isinstance(t, bool) or not math.isfinite(t) or t == 0:
                raise ConfigError(f"target of metric {m!r} must be a finite non-zero number, got {t!r}")
        if one_sided is not None:
            implied = "one_sided" if one_sided else "paper"
            if form is not None and form != implied:
                raise ConfigError(f"form={form!r} contradicts one_sided={one_sided!r}; give only form")
            form = implied
        form = "bounded" if form is None else form
        if form not in TARGET_FORMS:
            raise ConfigError(f"unknown target form {form!r}{did_you_mean(str(form), TARGET_FORMS)}; allowed: {', '.join(TARGET_FORMS)}")
        if combine not in ("product", "mean"):
            raise ConfigError(f"combine must be 'product' or 'mean', got {combine!r}")
        if not isinstance(eps, numbers.Real) or not eps > 0:
            raise ConfigError(f"eps must be a number > 0, got {eps!r}")
        if not isinstance(bonus, numbers.Real) or not 0 <= bonus < 1:
            raise ConfigError(f"bonus must be a number in [0, 1), got {bonus!r}")
        self.targets = {k: float(v) for k, v in targets.items()}
        self.directions = _directions(None, list(targets), directions)
        self.form, self.combine, self.eps, self.bonus = form, combine, float(eps), float(bonus)

    @property
    def one_sided(self) -> bool:
        """Whether beating a target is never punished (every form but ``"paper"``)."""
        return self.form != "paper"

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

    def gaps(self, metrics: Mapping[str, float]) -> dict[str, float]:
        """Signed relative gap of each metric to its target: ``> 0`` short of it, ``<= 0`` met."""
        out = {}
        for m, t in self.targets.items():
            x = float(metrics[m])
            out[m] = ((x - t) if self.directions[m] == "min" else (t - x)) / abs(t)
        return out

    def distances(self, metrics: Mapping[str, float]) -> dict[str, float]:
        """Normalised distance of each metric to its target (0 when met, unless ``form="paper"``)."""
        return {m: (abs(g) if self.form == "paper" else max(g, 0.0)) for m, g in self.gaps(metrics).items()}

    def score(self, metrics: Mapping[str, float]) -> Score:
        if self.form == "bounded":
            gaps = self.gaps(metrics)
            per = [1.0 / (1.0 + max(g, 0.0)) for g in gaps.values()]
            surplus = sum(min(max(-g, 0.0), 1.0) for g in gaps.values()) / len(gaps)
            scale = 1.0 + self.bonus * surplus
        else:
            per = [1.0 / (d + self.eps) for d in self.distances(metrics).values()]
            scale = 1.0
        reward = math.prod(per) if self.combine == "product" else sum(per) / len(per)
        return Score(float(reward * scale))

    def success(self, metrics: Mapping[str, float] | None) -> bool:
        if metrics is None:
            return False
        return all(g <= 0 for g in self.gaps(metrics).values())

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": "target", "form": self.form, "targets": self.targets, "directions": self.directions, "combine": self.combine}
        out.update({"bonus": self.bonus} if self.form == "bounded" else {"eps": self.eps})
        return out


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
