"""ArchGym: a gym for machine-learning-assisted hardware design-space exploration.

``import archgym`` is light: it imports no simulator, no NumPy, no Gymnasium and no pyarrow.
The public names below load on first use, and the simulator registry fills itself on first
lookup (built-ins, plugins of the ``archgym.simulators`` entry-point group, and trained proxies
listed in ``$ARCHGYM_PROXIES``). Every registered simulator has a Gymnasium id
``archgym/<Name>-v0``; the ids are registered with Gymnasium as soon as both Gymnasium and
ArchGym are imported, in either order::

    import gymnasium as gym
    import archgym

    env = gym.make("archgym/DRAM-v0", workload="stream")

or, without importing ArchGym yourself (Gymnasium 1.x's ``module:id`` form)::

    env = gym.make("archgym:archgym/DRAM-v0", workload="stream")
"""

from __future__ import annotations

import importlib
import importlib.abc
import sys
from typing import Any

__version__ = "0.1.0"

# public name -> module it lives in (loaded on first access, PEP 562)
_LAZY: dict[str, str] = {
    "ArchGymError": "archgym.errors",
    "ConfigError": "archgym.errors",
    "DatasetError": "archgym.errors",
    "InfeasibleDesign": "archgym.errors",
    "InvalidDesignError": "archgym.errors",
    "UnknownSimulatorError": "archgym.errors",
    "UnknownWorkloadError": "archgym.errors",
    "Metric": "archgym.simulator",
    "Simulator": "archgym.simulator",
    "list_simulators": "archgym.simulator",
    "make_simulator": "archgym.simulator",
    "register_simulator": "archgym.simulator",
    "Categorical": "archgym.space",
    "Constraint": "archgym.space",
    "Integer": "archgym.space",
    "Ordinal": "archgym.space",
    "ParameterSpace": "archgym.space",
    "PowerOfTwo": "archgym.space",
    "Real": "archgym.space",
}
# sub-packages reachable as attributes (``archgym.envs.DesignEnv`` after ``import archgym``)
_SUBMODULES = frozenset(
    {"agents", "datasets", "envs", "errors", "objective", "proxy", "report", "runner", "simulator",
     "simulators", "space", "sweep", "parameters", "cli"}
)

__all__ = sorted([*_LAZY, "__version__"])


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"archgym.{name}")
    else:
        raise AttributeError(f"module 'archgym' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY, *_SUBMODULES})


def _register_gymnasium_ids() -> None:
    partial = sys.modules.get("archgym.envs.registration")
    if partial is not None and not hasattr(partial, "register_envs"):
        return  # it is importing Gymnasium itself and registers the ids when done
    from archgym.envs.registration import register_envs

    register_envs()


class _GymnasiumImportHook(importlib.abc.MetaPathFinder):
    """Registers ArchGym's Gymnasium ids right after ``gymnasium`` is imported (once).

    Gymnasium 1.x dropped the ``gymnasium.envs`` plugin entry points, so a package that does
    not want to import Gymnasium itself registers its ids when Gymnasium arrives.
    """

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != "gymnasium":
            return None
        sys.meta_path.remove(self)  # once: the finders after it locate Gymnasium as usual
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            spec = find(fullname, path, target) if find is not None else None
            if spec is not None:
                if spec.loader is not None:
                    spec.loader = _RegisterAfter(spec.loader)
                return spec
        return None


class _RegisterAfter(importlib.abc.Loader):
    def __init__(self, inner: Any):
        self._inner = inner

    def create_module(self, spec: Any) -> Any:
        return self._inner.create_module(spec)

    def exec_module(self, module: Any) -> None:
        self._inner.exec_module(module)
        _register_gymnasium_ids()

    def __getattr__(self, name: str) -> Any:  # get_resource_reader, get_filename, …
        return getattr(self._inner, name)


if "gymnasium" in sys.modules:
    _register_gymnasium_ids()
elif not any(isinstance(f, _GymnasiumImportHook) for f in sys.meta_path):
    sys.meta_path.insert(0, _GymnasiumImportHook())
