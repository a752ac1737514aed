"""The simulator protocol (the registry is :mod:`archgym.registry`, re-exported here).

A simulator scores one hardware design on one workload and returns named metrics. It knows
nothing of Gymnasium, Ray or agents. Subclass :class:`Simulator`, declare the problem card as
class attributes, and implement :meth:`Simulator._evaluate`::

    class Roofline(Simulator):
        name = "roofline"
        version = "1"
        design_space = ParameterSpace({"lanes": PowerOfTwo(1, 64)})
        metrics = (Metric("runtime_ns", "ns", "min"),)
        workloads = ("axpy",)

        def default_design(self):
            return {"lanes": 8}

        def _evaluate(self, design, workload):
            return {"runtime_ns": 1e6 / design["lanes"]}

Register it so that ``make_simulator("roofline")`` and ``gymnasium.make("archgym/Roofline-v0")``
find it, either in code (``register_simulator("roofline", Roofline)``) or, from another
package with no edit to this repository, through the entry-point group ``archgym.simulators``::

    [options.entry_points]
    archgym.simulators =
        roofline = my_package.roofline:Roofline
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from archgym.errors import (
    ArchGymError,
    ConfigError,
    UnknownWorkloadError,
    did_you_mean,
)
from archgym.space import Design, ParameterSpace

if TYPE_CHECKING:
    from archgym.objective import Objective

__all__ = [
    "Metric",
    "Simulator",
    "SimulatorSpec",
    "ENTRY_POINT_GROUP",
    "list_simulators",
    "add_registry_listener",
    "ensure_registry",
    "make_simulator",
    "register_simulator",
    "simulator_spec",
]

@dataclass(frozen=True)
class Metric:
    """One output of a simulator.

    Attributes:
        name: column-safe identifier carrying its unit, e.g. ``"latency_ns"``.
        unit: the unit, spelled out (``"ns"``, ``"mW"``, ``"pJ"``, ``"GB/s"``, ``"1"``).
        direction: ``"min"`` when smaller is better, ``"max"`` when larger is better.
        description: one line of what it measures.
    """

    name: str
    unit: str
    direction: Literal["min", "max"]
    description: str = ""

    def __post_init__(self) -> None:
        if self.direction not in ("min", "max"):
            raise ValueError(f"metric {self.name!r}: direction must be 'min' or 'max', got {self.direction!r}")

    @property
    def sign(self) -> float:
        """+1 for a maximised metric, -1 for a minimised one (``sign * value`` is 'larger is better')."""
        return 1.0 if self.direction == "max" else -1.0


class Simulator(ABC):
    """Base class of every simulator (analytical model, external tool adapter or proxy).

    Subclasses set the problem card as class (or instance) attributes: ``name``, ``version``,
    ``design_space``, ``metrics``, ``workloads`` and implement :meth:`default_design` and
    :meth:`_evaluate`. The public :meth:`evaluate` validates, then calls the hook.
    """

    name: ClassVar[str] = ""
    version: ClassVar[str] = "0"
    design_space: ParameterSpace
    metrics: tuple[Metric, ...] = ()
    workloads: tuple[str, ...] = ()
    #: Whether a Gymnasium env over this simulator is quick enough for contract tests
    #: (``False`` for wrappers of slow external tools).
    fast: ClassVar[bool] = True
    #: The fidelity tier whose numbers this simulator produces, logged in the dataset's
    #: ``fidelity`` column: ``"cycle"`` (cycle-level), ``"analytical"``, ``"proxy"``, … .
    #: Simulators whose tier depends on the workload override :meth:`fidelity_of`.
    fidelity: ClassVar[str] = "default"

    # -- the card ---------------------------------------------------------------------
    @abstractmethod
    def default_design(self) -> Design:
        """The stated baseline design that default targets are derived from."""

    @property
    def default_workload(self) -> str:
        """The workload used when none is given (the first listed)."""
        if not self.workloads:
            raise ArchGymError(f"simulator {self.name!r} lists no workloads")
        return self.workloads[0]

    @property
    def metric_names(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.metrics)

    def metric(self, name: str) -> Metric:
        """The :class:`Metric` called ``name``."""
        for m in self.metrics:
            if m.name == name:
                return m
        raise ConfigError(
            f"simulator {self.name!r} has no metric {name!r}{did_you_mean(name, self.metric_names)}; "
            f"allowed: {', '.join(self.metric_names)}"
        )

    def check_workload(self, workload: str | None) -> str:
        """Return the workload to use, or raise :class:`UnknownWorkloadError` naming the allowed ones.

        Simulators that accept open-ended workloads (e.g. a trace file path) override this.
        """
        if workload is None:
            return self.default_workload
        if workload not in self.workloads:
            raise UnknownWorkloadError(
                f"simulator {self.name!r} has no workload {workload!r}{did_you_mean(workload, self.workloads)}; "
                f"allowed: {', '.join(self.workloads)}"
            )
        return workload

    def fidelity_of(self, workload: str) -> str:
        """The fidelity tier of this simulator's numbers on ``workload`` (default: :attr:`fidelity`)."""
        return self.fidelity

    #: Keep the baseline's metrics on disk across processes (slow external simulators), keyed
    #: by name, version, :meth:`cache_tag`, baseline design and workload
    #: (:mod:`archgym.baseline_cache`).
    baseline_cache: ClassVar[bool] = False

    def cache_tag(self) -> str:
        """What else decides a result besides name, version, design and workload (a mode, an
        external tool's version); part of the on-disk baseline cache's key."""
        return ""

    def baseline_metrics(self, workload: str | None = None) -> dict[str, float]:
        """Metrics of :meth:`default_design` on ``workload``, computed once per instance, on
        first use (and kept on disk when :attr:`baseline_cache` is set)."""
        workload = self.check_workload(workload)
        memo = self.__dict__.setdefault("_baseline_memo", {})
        if workload not in memo:
            if self.baseline_cache:
                from archgym.baseline_cache import cached_baseline

                memo[workload] = cached_baseline(self, workload)
            else:
                memo[workload] = self.evaluate(self.default_design(), workload)
        return dict(memo[workload])

    def default_objective(self, workload: str | None = None) -> Objective:
        """The objective an environment uses when none is given.

        Default: a :class:`~archgym.objective.TargetSpec` (bounded form) over every metric,
        with targets 20 % better than the baseline design on that workload. Simulators
        override this to state their own; whatever they choose must order designs as an
        architect would (``tests/unit/test_objective_order.py`` checks every registered one).
        """
        from archgym.objective import TargetSpec

        return TargetSpec.from_baseline(self, workload, improvement=0.2)

    def card(self) -> dict[str, Any]:
        """The problem card as a JSON-serialisable dict."""
        return {
            "name": self.name,
            "version": self.version,
            "design_space": self.design_space.to_json(),
            "design_space_size": self.design_space.size,
            "metrics": [
                {"name": m.name, "unit": m.unit, "direction": m.direction, "description": m.description}
                for m in self.metrics
            ],
            "workloads": list(self.workloads),
            "baseline": self.default_design(),
        }

    # -- evaluation -------------------------------------------------------------------
    def evaluate(self, design: Mapping[str, Any], workload: str | None = None) -> dict[str, float]:
        """Score one design on one workload.

        Args:
            design: ``{parameter: value}``, every parameter of :attr:`design_space`.
            workload: one of :attr:`workloads` (default: the first).

        Returns:
            ``{metric name: value}`` in the units of the card, as floats.

        Raises:
            InvalidDesignError: the design is not in the design space.
            UnknownWorkloadError: the workload is unknown.
            InfeasibleDesign: the design is valid but cannot be realised (e.g. no mapping fits).
        """
        design = self.design_space.validate(design)
        workload = self.check_workload(workload)
        return self._check_metrics(self._evaluate(design, workload))

    def evaluate_batch(self, designs: Sequence[Mapping[str, Any]], workload: str | None = None) -> list[dict[str, float]]:
        """Score many designs on one workload (a loop here; vectorised simulators override).

        An infeasible design raises as in :meth:`evaluate`; callers that want per-design
        outcomes use :meth:`evaluate` in a loop (see :class:`archgym.envs.Evaluator`).
        """
        workload = self.check_workload(workload)
        return [self.evaluate(d, workload) for d in designs]

    @abstractmethod
    def _evaluate(self, design: Design, workload: str) -> Mapping[str, float]:
        """Compute the metrics of a validated design on a validated workload."""

    def _check_metrics(self, metrics: Mapping[str, float]) -> dict[str, float]:
        names = self.metric_names
        missing = [n for n in names if n not in metrics]
        if missing:
            raise ArchGymError(f"simulator {self.name!r} returned no value for metric(s) {missing}")
        out = {n: float(metrics[n]) for n in names}
        bad = [n for n, v in out.items() if math.isnan(v)]
        if bad:
            raise ArchGymError(f"simulator {self.name!r} returned NaN for metric(s) {bad}")
        return out

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} v{self.version}>"


# the registry lives in archgym.registry; its names are re-exported here
from archgym.registry import (  # noqa: E402
    ENTRY_POINT_GROUP,
    SimulatorSpec,
    add_registry_listener,
    ensure_registry,
    list_simulators,
    make_simulator,
    register_simulator,
    simulator_spec,
)
