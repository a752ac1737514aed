"""The simulator protocol and the simulator registry.

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

import importlib
import logging
import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from archgym.errors import (
    ArchGymError,
    ConfigError,
    UnknownSimulatorError,
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
    "ensure_registry",
    "make_simulator",
    "register_simulator",
    "simulator_spec",
]

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "archgym.simulators"


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


# ----------------------------------------------------------------------------------------
# Registry
# ----------------------------------------------------------------------------------------

Factory = Callable[..., Simulator]


@dataclass
class SimulatorSpec:
    """A registry entry.

    Attributes:
        name: the registry key (``make_simulator(name)``).
        factory: a callable returning a :class:`Simulator`, or ``"module:attr"`` imported lazily.
        env_name: the Gymnasium id stem: ``archgym/<env_name>-v<env_version>``.
        env_version: bumped when reward, observation or action meaning changes.
        env_kwargs: default keyword arguments for the environment (e.g. a workload).
        description: one line for ``archgym list``.
        source: ``"builtin"``, ``"entry-point"`` or ``"runtime"``.
        origin: where it came from, for error messages (``module:qualname``, plus the entry
            point and distribution for plugins).
    """

    name: str
    factory: Factory | str
    env_name: str
    env_version: int = 0
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    source: str = "runtime"
    origin: str = ""
    #: a class registered in code under this entry point's name while the entry point's
    #: target was still unresolved; checked against the target when it resolves.
    pending: Any = None

    @property
    def env_id(self) -> str:
        return f"archgym/{self.env_name}-v{self.env_version}"

    def load_factory(self) -> Factory:
        if isinstance(self.factory, str):
            module, _, attr = self.factory.partition(":")
            obj: Any = importlib.import_module(module)
            for part in attr.split("."):
                obj = getattr(obj, part)
            if self.pending is not None and self.pending is not obj:
                raise ArchGymError(
                    f"a simulator named {self.name!r} is registered twice with different classes: "
                    f"{_origin(self.pending)} (registered in code) and {self.origin}"
                )
            self.factory, self.pending = obj, None
        return self.factory  # type: ignore[return-value]


_REGISTRY: dict[str, SimulatorSpec] = {}
_LISTENERS: list[Callable[[SimulatorSpec], None]] = []
_ENTRY_POINTS_LOADED = False
#: names claimed by two different classes (one through an entry point): error on use
_CONFLICTS: dict[str, str] = {}
#: names registered in code with ``overwrite=True``: a deliberate override wins over a plugin's
#: entry point of the same name
_OVERRIDES: set[str] = set()
_REGISTRY_FILLED = False


def _first_doc_line(obj: Any) -> str:
    doc = "" if isinstance(obj, str) else (obj.__doc__ or "")
    return doc.strip().split("\n")[0]


def _origin(obj: Any) -> str:
    """``module:qualname`` of a class or function (or the lazy string itself)."""
    if isinstance(obj, str):
        return obj
    return f"{getattr(obj, '__module__', '?')}:{getattr(obj, '__qualname__', type(obj).__name__)}"


def _describe(spec: SimulatorSpec) -> str:
    return spec.origin or f"{_origin(spec.factory)} ({spec.source})"


def _default_env_name(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.replace("-", "_").split("_"))


def register_simulator(
    name: str,
    factory: Factory | str | None = None,
    *,
    env_name: str | None = None,
    env_version: int = 0,
    env_kwargs: Mapping[str, Any] | None = None,
    description: str = "",
    overwrite: bool = False,
    source: str = "runtime",
    origin: str = "",
) -> Any:
    """Register a simulator factory under ``name``; usable as a decorator.

    Args:
        name: registry key, e.g. ``"dram"``.
        factory: a class or callable returning a :class:`Simulator`, or a lazy ``"module:attr"``.
        env_name: Gymnasium id stem (default: ``name`` in CamelCase), giving ``archgym/<env_name>-v0``.
        env_version: the ``-vN`` of the Gymnasium id.
        env_kwargs: default environment keyword arguments.
        description: one line for ``archgym list``.
        overwrite: replace an existing entry instead of raising; the entry also wins over an
            entry point of the same name read later (a deliberate override, e.g. in a test).

    Registering the same class twice under one name (say, a ``@register_simulator`` decorator
    in a plugin that also advertises the class through the entry-point group) is a no-op; a
    different class under a taken name raises :class:`ArchGymError` naming both origins.

    Example:
        >>> @register_simulator("my-sim")          # doctest: +SKIP
        ... class MySim(Simulator): ...
    """

    def _register(f: Factory | str) -> Factory | str:
        existing = _REGISTRY.get(name)
        if existing is not None and not overwrite:
            if existing.factory is f or existing.factory == f:
                return f  # the same object twice (e.g. a module imported again): no-op
            if isinstance(existing.factory, str) and not isinstance(f, str):
                # a lazy entry not yet resolved, and its target module registering itself on
                # import (decorator + entry point, as the README recipe does)
                if existing.factory == _origin(f):
                    existing.factory = f
                    return f
                if existing.source in ("entry-point", "plugin") and existing.pending is None:
                    existing.pending = f  # e.g. re-exported: compared when the entry resolves
                    return f
            raise ArchGymError(
                f"a simulator named {name!r} is already registered by {_describe(existing)}; "
                f"{_origin(f)} cannot take the name (choose another, or pass overwrite=True)"
            )
        spec = SimulatorSpec(
            name=name,
            factory=f,
            env_name=env_name or _default_env_name(name),
            env_version=env_version,
            env_kwargs=dict(env_kwargs or {}),
            description=description or _first_doc_line(f),
            source=source,
            origin=origin or f"{_origin(f)} ({source})",
        )
        _REGISTRY[name] = spec
        if overwrite and source == "runtime":
            _OVERRIDES.add(name)
            _CONFLICTS.pop(name, None)
        for listener in _LISTENERS:
            listener(spec)
        return f

    if factory is None:
        return _register
    return _register(factory)


def add_registry_listener(listener: Callable[[SimulatorSpec], None]) -> None:
    """Call ``listener(spec)`` for every registered simulator, now and on future registrations.

    The environment layer uses this to give each simulator its Gymnasium id without the
    contracts importing Gymnasium.
    """
    _LISTENERS.append(listener)
    for spec in list(_REGISTRY.values()):
        listener(spec)


def load_entry_points() -> None:
    """Register third-party simulators advertised in the ``archgym.simulators`` entry-point group.

    An entry point names a :class:`Simulator` subclass or factory. Broken plugins are logged
    and skipped so one bad package cannot break ``import archgym``.
    """
    global _ENTRY_POINTS_LOADED
    if _ENTRY_POINTS_LOADED:
        return
    _ENTRY_POINTS_LOADED = True
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = getattr(ep, "dist", None)
        where = f"{ep.value} (entry point {ep.name!r}" + (f" of distribution {dist.name} {dist.version})" if dist else ")")
        existing = _REGISTRY.get(ep.name)
        if existing is None:
            register_simulator(ep.name, ep.value, description=f"plugin from {ep.value}", source="entry-point", origin=where)
            continue
        if existing.factory == ep.value or _origin(existing.factory) == ep.value:
            continue  # the class registered itself in code before its entry point was read
        if ep.name in _OVERRIDES:
            logger.debug("entry point %s is overridden by %s", where, _describe(existing))
            continue
        try:
            same = ep.load() is existing.factory
        except Exception:  # noqa: BLE001 - a broken plugin must not break every command
            same = False
        if not same:
            _CONFLICTS[ep.name] = (
                f"a simulator named {ep.name!r} is registered twice with different classes: "
                f"{_describe(existing)} and {where}"
            )
            logger.warning("%s; %r refuses to load until one is renamed or removed", _CONFLICTS[ep.name], ep.name)
    logger.debug("entry points loaded: %s", sorted(_REGISTRY))


def ensure_registry() -> None:
    """Fill the registry once per process, on first lookup: the built-in simulators (lazy
    ``module:attr`` factories, nothing imported), then entry-point plugins, then the trained
    proxies listed in ``$ARCHGYM_PROXIES`` (their JSON cards only).

    ``import archgym`` does none of this, so it stays cheap.
    """
    global _REGISTRY_FILLED
    if _REGISTRY_FILLED:
        return
    _REGISTRY_FILLED = True
    importlib.import_module("archgym.simulators")
    load_entry_points()
    importlib.import_module("archgym.proxy.registry").register_from_env()


def list_simulators() -> list[str]:
    """Names of every registered simulator (built-in, runtime and entry-point), sorted."""
    ensure_registry()
    return sorted(_REGISTRY)


def simulator_spec(name: str) -> SimulatorSpec:
    """The registry entry for ``name``; raises :class:`UnknownSimulatorError` listing what exists."""
    importlib.import_module("archgym.simulators")  # built-ins first: no plugin scan for them
    if name not in _REGISTRY:
        ensure_registry()
    if name not in _REGISTRY:
        names = sorted(_REGISTRY)
        raise UnknownSimulatorError(
            f"unknown simulator {name!r}{did_you_mean(name, names)}; registered: {', '.join(names) or '(none)'}"
        )
    return _REGISTRY[name]


def make_simulator(name: str, **kwargs: Any) -> Simulator:
    """Build the simulator registered as ``name`` with ``kwargs`` passed to its factory."""
    spec = simulator_spec(name)
    if spec.source != "builtin":
        ensure_registry()  # a class registered in code may clash with a plugin's entry point
    if name in _CONFLICTS:  # listed by `archgym list` with this error; unusable until resolved
        raise ArchGymError(_CONFLICTS[name])
    try:
        factory = spec.load_factory()
    except ArchGymError:
        raise
    except (ImportError, AttributeError) as exc:
        raise ArchGymError(f"simulator {name!r} could not be loaded from {spec.factory!r}: {exc}") from exc
    sim = factory(**kwargs)
    if not isinstance(sim, Simulator):
        raise ArchGymError(f"factory of simulator {name!r} returned {type(sim).__name__}, not a Simulator")
    return sim
