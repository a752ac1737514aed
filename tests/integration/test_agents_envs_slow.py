"""The torch agents (BO, PPO, A2C, DQN) on every registered fast environment, tiny budgets."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import gymnasium as gym
import pytest

pytest.importorskip("botorch")
pytest.importorskip("stable_baselines3")

from archgym.agents import make_agent  # noqa: E402

pytestmark = pytest.mark.slow


def _fast_env_ids() -> list[str]:
    path = Path(__file__).resolve().parents[1] / "unit" / "test_agents_envs.py"
    spec = importlib.util.spec_from_file_location("_agents_envs_unit", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.fast_env_ids()


BUDGET = 6
TINY = {
    "bo": {"n_init": 4, "pool_size": 256, "mc_samples": 16, "fit_maxiter": 30},
    "ppo": {"hidden": 8, "layers": 1, "n_steps": 4, "batch_size": 4},
    "a2c": {"hidden": 8, "layers": 1, "n_steps": 2},
    "dqn": {"hidden": 8, "layers": 1, "learning_starts": 2, "batch_size": 4},
}


@pytest.mark.parametrize("env_id", _fast_env_ids())
@pytest.mark.parametrize("agent", list(TINY))
def test_torch_agent_runs_on_env(agent, env_id):
    env = gym.make(env_id)
    res = make_agent(agent, **TINY[agent]).search(env, BUDGET, seed=0)
    assert res.calls == BUDGET == env.unwrapped.unique_calls
    env.unwrapped.space.validate(res.best_design)
