"""Gymnasium ids for every registered simulator (``archgym/<EnvName>-v<N>``).

Registering imports Gymnasium but not the environment class (its entry point is the string
``archgym.envs.design_env:DesignEnv``), so it costs next to nothing. ``import archgym`` calls
:func:`register_envs` as soon as Gymnasium is imported, in either order.
"""

from __future__ import annotations

import gymnasium as gym

from archgym.simulator import SimulatorSpec, add_registry_listener, ensure_registry

__all__ = ["MF_ENV_IDS", "env_ids", "register_envs"]

_ENV_IDS: dict[str, str] = {}
_LISTENING = False

#: ``{family: Gymnasium id}`` of the multi-fidelity environments (``archgym.envs.multifidelity``).
MF_ENV_IDS = {"dram": "archgym/DRAM-MF-v0", "dnn_accel": "archgym/DNNAccel-MF-v0", "qnet": "archgym/QNetSched-MF-v0"}


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


def register_envs() -> None:
    """Give every registered simulator, now and later, its Gymnasium id (idempotent)."""
    global _LISTENING
    if _LISTENING:
        return
    _LISTENING = True
    for family, env_id in MF_ENV_IDS.items():
        if env_id not in gym.registry:
            gym.register(id=env_id, entry_point="archgym.envs.multifidelity:MultiFidelityEnv",
                         kwargs={"family": family, "env_id": env_id})
    ensure_registry()
    add_registry_listener(_register_env)


def env_ids() -> dict[str, str]:
    """``{simulator name: Gymnasium id}`` for every registered simulator (the multi-fidelity
    ids are in :data:`MF_ENV_IDS`)."""
    register_envs()
    ensure_registry()
    return dict(sorted(_ENV_IDS.items()))
