"""Gymnasium environments over ArchGym simulators.

Every registered simulator (built-in, registered at run time, or found through the
``archgym.simulators`` entry-point group) gets the id ``archgym/<EnvName>-v<N>`` with
:class:`DesignEnv` as its entry point, so ``gymnasium.make("archgym/DRAM-v0")`` works after
``import archgym``.
"""

from __future__ import annotations

import gymnasium as gym

from archgym.envs.design_env import DesignEnv
from archgym.envs.evaluator import EvalRecord, Evaluator
from archgym.simulator import SimulatorSpec, add_registry_listener, load_entry_points

__all__ = ["DesignEnv", "EvalRecord", "Evaluator", "env_ids"]

_ENV_IDS: dict[str, str] = {}


def _register_env(spec: SimulatorSpec) -> None:
    env_id = spec.env_id
    _ENV_IDS[spec.name] = env_id
    if env_id in gym.registry:
        return
    gym.register(
        id=env_id,
        entry_point="archgym.envs.design_env:DesignEnv",
        kwargs={"simulator": spec.name, "env_id": env_id, **spec.env_kwargs},
    )


def env_ids() -> dict[str, str]:
    """``{simulator name: Gymnasium id}`` for every registered simulator."""
    load_entry_points()
    return dict(sorted(_ENV_IDS.items()))


add_registry_listener(_register_env)
