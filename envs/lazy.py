"""Objectives whose baseline is computed on first use, not when the environment is built.

Most objectives derive their targets or scales from the simulator's baseline design, which
for an external simulator (SCALE-Sim) is minutes of work. :class:`LazyObjective` defers that
to the first score; :func:`check_objective` validates an objective spec now, without the
baseline, by building it against a view of the simulator whose baseline metrics are all 1
(names, kinds, metrics, limits and improvements are checked exactly as for the real build).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from archgym.objective import Objective, Score, make_objective
from archgym.simulator import Simulator

__all__ = ["LazyObjective", "check_objective", "lazy_objective"]


class _UnitBaseline:
    """``simulator`` as seen with every baseline metric equal to 1 (nothing is simulated)."""

    def __init__(self, simulator: Simulator):
        self._simulator = simulator

    def baseline_metrics(self, workload: str | None = None) -> dict[str, float]:
        self._simulator.check_workload(workload)
        return {m.name: 1.0 for m in self._simulator.metrics}

    def evaluate(self, design: Mapping[str, Any], workload: str | None = None) -> dict[str, float]:
        self._simulator.design_space.validate(design)
        return self.baseline_metrics(workload)

    def default_objective(self, workload: str | None = None) -> Objective:
        return type(self._simulator).default_objective(self, workload)  # type: ignore[arg-type]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._simulator, name)


# keys make_objective reads itself, per kind (the rest go to the class named next to them)
_OWN_KEYS = {
    "target": ("kind", "metrics", "improvement", "targets", "directions"),
    "weighted": ("kind", "weights"),
    "multi": ("kind", "metrics"),
    "constrained": ("kind", "base", "limits"),
}
_CLASSES = {"target": "TargetSpec", "constrained": "Constrained"}


def _allowed_keys(kind: str) -> list[str]:
    import inspect

    import archgym.objective as objective_module

    keys = list(_OWN_KEYS[kind])
    if kind in _CLASSES:
        params = inspect.signature(getattr(objective_module, _CLASSES[kind])).parameters
        keys += [n for n, p in params.items() if p.kind is p.KEYWORD_ONLY or (p.default is not p.empty and n not in keys)]
    return sorted(set(keys))


def _check_spec_shape(spec: Mapping[str, Any], simulator: Simulator, where: str = "objective") -> None:
    from archgym.errors import ConfigError, did_you_mean

    kind = spec.get("kind", "target")
    if kind not in _OWN_KEYS:
        raise ConfigError(f"{where}: unknown kind {kind!r}{did_you_mean(str(kind), _OWN_KEYS)}; allowed: {', '.join(_OWN_KEYS)}")
    allowed = _allowed_keys(kind)
    for key in spec:
        if key not in allowed:
            raise ConfigError(f"{where}: unknown key {key!r} for kind {kind!r}{did_you_mean(str(key), allowed)}; allowed: {', '.join(allowed)}")
    metrics = spec.get("metrics")
    if metrics is not None and (not isinstance(metrics, (list, tuple)) or not all(isinstance(m, str) for m in metrics) or not metrics):
        raise ConfigError(f"{where}: 'metrics' must be a non-empty list of metric names such as {list(simulator.metric_names[:2])}, got {metrics!r}")
    imp = spec.get("improvement")
    if imp is not None:
        values = imp.values() if isinstance(imp, Mapping) else [imp]
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and -1 < v < 1e6 for v in values):
            raise ConfigError(f"{where}: 'improvement' must be a number (0.2: 20 % better than the baseline) or {{metric: number}}, got {imp!r}")
    for key in ("targets", "weights", "limits"):
        if key in spec and not isinstance(spec[key], Mapping):
            raise ConfigError(f"{where}: {key!r} must be an object {{metric: ...}}, got {spec[key]!r}")
    if kind == "constrained" and spec.get("base") is not None:
        if not isinstance(spec["base"], Mapping):
            raise ConfigError(f"{where}: 'base' must be an objective object such as {{\"kind\": \"weighted\"}}, got {spec['base']!r}")
        _check_spec_shape(spec["base"], simulator, f"{where}.base")
    for metric, limit in (spec.get("limits") or {}).items():
        ok = isinstance(limit, (list, tuple)) and len(limit) == 2 and limit[0] in ("<=", ">=", "<", ">")
        if not ok or isinstance(limit[1], bool) or not isinstance(limit[1], (int, float)):
            raise ConfigError(f"{where}: limit of {metric!r} must be [op, number] with op one of <=, >=, <, >, got {limit!r}")


def check_objective(spec: Mapping[str, Any] | Objective | None, simulator: Simulator, workload: str | None) -> None:
    """Raise the :class:`~archgym.errors.ConfigError` that building ``spec`` would, without
    running the baseline: keys, kinds, metric names, improvements and limits are checked."""
    from archgym.errors import ConfigError

    if isinstance(spec, Objective):
        spec.check(simulator)
        return
    if spec is not None:
        if not isinstance(spec, Mapping):
            raise ConfigError(f"objective must be an object such as {{\"kind\": \"target\"}}, got {spec!r}")
        _check_spec_shape(spec, simulator)
    try:
        make_objective(None if spec is None else dict(spec), _UnitBaseline(simulator), workload)  # type: ignore[arg-type]
    except (TypeError, ValueError, KeyError) as exc:
        if isinstance(exc, ConfigError):
            raise
        raise ConfigError(f"invalid objective {dict(spec or {})!r}: {exc}") from None


class LazyObjective(Objective):
    """An :class:`~archgym.objective.Objective` built by ``build()`` on first use (thread-safe).

    Every method and attribute of the real objective is reachable; ``built`` says whether
    the baseline has been paid for yet.
    """

    def __init__(self, build: Callable[[], Objective]):
        self._build = build
        self._real: Objective | None = None
        self._lock = threading.Lock()

    @property
    def built(self) -> bool:
        return self._real is not None

    @property
    def real(self) -> Objective:
        """The objective itself (built now if it was not)."""
        if self._real is None:
            with self._lock:
                if self._real is None:
                    self._real = self._build()
        return self._real

    @property
    def metric_names(self) -> tuple[str, ...]:
        return self.real.metric_names

    @property
    def n_objectives(self) -> int:
        return self.real.n_objectives

    def score(self, metrics: Mapping[str, float]) -> Score:
        return self.real.score(metrics)

    def failure(self, reason: str) -> Score:
        return self.real.failure(reason)

    def success(self, metrics: Mapping[str, float] | None) -> bool:
        return self.real.success(metrics)

    def check(self, simulator: Simulator) -> None:
        self.real.check(simulator)

    def to_json(self) -> dict[str, Any]:
        return self.real.to_json()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.real, name)

    def __repr__(self) -> str:
        return f"LazyObjective({self._real!r})" if self._real is not None else "LazyObjective(<baseline not computed yet>)"


def lazy_objective(spec: Mapping[str, Any] | Objective | None, simulator: Simulator, workload: str) -> Objective:
    """``spec`` checked now and built on first use; an :class:`Objective` passes through."""
    if isinstance(spec, Objective):
        return make_objective(spec, simulator, workload)
    check_objective(spec, simulator, workload)
    return LazyObjective(lambda: make_objective(None if spec is None else dict(spec), simulator, workload))
