"""The simulator registry: names to simulator factories, built-ins, entry points and runtime.

``make_simulator("dram")`` finds a simulator registered in code (:func:`register_simulator`), a
built-in (``archgym.simulators``), or a plugin of another package through the entry-point group
``archgym.simulators`` (see :mod:`archgym.simulator` for the protocol). Everything here is
re-exported by :mod:`archgym.simulator`.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from typing import TYPE_CHECKING, Any

from archgym.errors import ArchGymError, UnknownSimulatorError, did_you_mean

if TYPE_CHECKING:
    from archgym.simulator import Simulator

__all__ = [
    "ENTRY_POINT_GROUP",
    "SimulatorSpec",
    "add_registry_listener",
    "ensure_registry",
    "list_simulators",
    "load_entry_points",
    "make_simulator",
    "register_simulator",
    "simulator_spec",
]

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "archgym.simulators"


Factory = Callable[..., "Simulator"]


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
    from archgym.simulator import Simulator  # here, not at the top: archgym.simulator imports this module

    if not isinstance(sim, Simulator):
        raise ArchGymError(f"factory of simulator {name!r} returned {type(sim).__name__}, not a Simulator")
    return sim
