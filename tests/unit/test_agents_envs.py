"""Every NumPy agent on every registered fast environment (new simulators are covered automatically).

The torch agents (BO, PPO, A2C, DQN) run over the same ids in
``tests/integration/test_agents_envs_slow.py``.
"""

from __future__ import annotations

import gymnasium as gym
import pytest

import archgym  # noqa: F401  (registers the environments)
from archgym.agents import make_agent
from archgym.envs import env_ids
from archgym.simulator import simulator_spec


def fast_env_ids() -> list[str]:
    """Ids of registered simulators whose class says ``fast``; a simulator that fails to load stays in (its case fails)."""
    out = []
    for name, env_id in env_ids().items():
        try:
            fast = getattr(simulator_spec(name).load_factory(), "fast", True)
        except Exception:  # noqa: BLE001 - a broken simulator must show up as a failing case
            fast = True
        if fast:
            out.append(env_id)
    return out


BUDGET = 12


@pytest.mark.parametrize("env_id", fast_env_ids())
@pytest.mark.parametrize("agent", ["random", "ga", "aco"])
def test_agent_runs_on_env(agent, env_id):
    env = gym.make(env_id)
    params = {"ga": {"population": 6}, "aco": {"ants": 6}}.get(agent, {})
    res = make_agent(agent, **params).search(env, BUDGET, seed=0)
    space_size = env.unwrapped.space.size
    assert res.calls == min(BUDGET, space_size or BUDGET) == env.unwrapped.unique_calls
    assert res.best_design is not None
    env.unwrapped.space.validate(res.best_design)
    feasible = [r.reward for r in res.history if r.feasible]
    if feasible:
        assert res.best_reward == max(feasible)
