"""Gymnasium environments over ArchGym simulators.

Every registered simulator (built-in, registered at run time, or found through the
``archgym.simulators`` entry-point group) gets the id ``archgym/<EnvName>-v<N>`` with
:class:`DesignEnv` as its entry point (:mod:`archgym.envs.registration`), so
``gymnasium.make("archgym/DRAM-v0")`` works once ArchGym and Gymnasium are both imported.
:class:`DesignEnv` and :class:`Evaluator` load on first use. The multi-fidelity ids
(``archgym/DRAM-MF-v0``, ``archgym/DNNAccel-MF-v0``, ``archgym/QNetSched-MF-v0``) make a
:class:`~archgym.envs.multifidelity.MultiFidelityEnv`.
"""

from __future__ import annotations

import importlib
from typing import Any

from archgym.envs.registration import MF_ENV_IDS, env_ids, register_envs

__all__ = ["MF_ENV_IDS", "DesignEnv", "EvalRecord", "Evaluator", "MultiFidelityEnv", "env_ids", "register_envs"]

_LAZY = {"DesignEnv": "archgym.envs.design_env", "EvalRecord": "archgym.envs.evaluator", "Evaluator": "archgym.envs.evaluator",
         "MultiFidelityEnv": "archgym.envs.multifidelity"}

register_envs()


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'archgym.envs' has no attribute {name!r}")
