"""ArchGym: a gym for machine-learning-assisted hardware design-space exploration.

Importing ``archgym`` registers the built-in simulators (lazily), discovers third-party
simulators advertised in the ``archgym.simulators`` entry-point group, and gives every
registered simulator a Gymnasium id ``archgym/<Name>-v0``::

    import gymnasium as gym
    import archgym

    env = gym.make("archgym/DRAM-v0", workload="stream")
"""

from __future__ import annotations

from archgym.errors import (
    ArchGymError,
    ConfigError,
    DatasetError,
    InfeasibleDesign,
    InvalidDesignError,
    UnknownSimulatorError,
    UnknownWorkloadError,
)
from archgym.simulator import (
    Metric,
    Simulator,
    list_simulators,
    make_simulator,
    register_simulator,
)
from archgym.space import Categorical, Constraint, Integer, Ordinal, ParameterSpace, PowerOfTwo, Real

__version__ = "0.1.0"

__all__ = [
    "ArchGymError",
    "Categorical",
    "ConfigError",
    "Constraint",
    "DatasetError",
    "InfeasibleDesign",
    "Integer",
    "InvalidDesignError",
    "Metric",
    "Ordinal",
    "ParameterSpace",
    "PowerOfTwo",
    "Real",
    "Simulator",
    "UnknownSimulatorError",
    "UnknownWorkloadError",
    "__version__",
    "list_simulators",
    "make_simulator",
    "register_simulator",
]

import archgym.envs  # noqa: E402,F401  (gives every registered simulator its Gymnasium id)
import archgym.simulators  # noqa: E402,F401  (registers the built-in simulators lazily)
from archgym.simulator import load_entry_points as _load_entry_points  # noqa: E402

_load_entry_points()

from archgym.proxy.registry import register_from_env as _register_proxies  # noqa: E402

_register_proxies()  # trained proxies listed in ARCHGYM_PROXIES (os.pathsep-separated model folders)
