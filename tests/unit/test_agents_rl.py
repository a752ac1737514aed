"""Reinforcement-learning agents (Stable-Baselines3): action wrappers and tiny searches."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

pytest.importorskip("stable_baselines3")

from archgym.agents import make_agent  # noqa: E402
from archgym.agents.rl_wrappers import FlatDiscreteWrapper, OneChangeWrapper, RecordingWrapper, symlog  # noqa: E402
from archgym.errors import ConfigError  # noqa: E402

TINY = {"hidden": 8, "layers": 1}


def test_symlog_by_hand():
    np.testing.assert_allclose(symlog(np.array([0.0, np.e - 1, -(np.e**2 - 1)])), [0.0, 1.0, -2.0])


def test_flat_wrapper_numbers_designs_in_index_order():
    env = gym.make("archgym/Roofline-v0")
    space = env.unwrapped.space  # nvec (7, 4, 4, 7)
    w = FlatDiscreteWrapper(env, space)
    assert w.action_space.n == 784
    # flat 4*7*4 + 2*7 + 5 = 131 -> indices (1, 0, 2, 5) -> lanes 2, clock 0.5, bw 32, sram 512
    assert 1 * 112 + 0 * 28 + 2 * 7 + 5 == 131
    assert w.action(131) == {"lanes": 2, "clock_ghz": 0.5, "mem_bw_gbps": 32, "sram_kib": 512}


def test_one_change_wrapper_changes_one_parameter_of_the_current_design():
    env = gym.make("archgym/Roofline-v0")
    space = env.unwrapped.space
    base = env.unwrapped.simulator.default_design()  # 8 lanes, 1.0 GHz, 16 GB/s, 64 KiB
    w = OneChangeWrapper(env, space, base)
    assert w.action_space.n == 7 + 4 + 4 + 7
    obs, _ = w.reset(seed=0)
    assert obs.shape == (4 + 4,)
    # action 7 + 3 = 10: parameter 1 (clock_ghz) takes its value 3 (2.0 GHz)
    _, _, _, _, info = w.step(10)
    assert info["design"] == {**base, "clock_ghz": 2.0}
    _, _, _, _, info = w.step(0)  # then lanes -> 1, clock stays 2.0
    assert info["design"] == {**base, "clock_ghz": 2.0, "lanes": 1}
    w.reset()
    assert w.design_for(0) == {**base, "lanes": 1}


def test_recording_wrapper_counts_cache_hits_and_squashes(test_seed):
    class Tracker:
        def __init__(self, env):
            self.env = env

        def record(self, info):
            return self.env.unwrapped.evaluator.last_record

    env = gym.make("archgym/Roofline-v0")
    w = RecordingWrapper(env, Tracker(env))
    w.reset(seed=0)
    env.action_space.seed(test_seed)
    a = env.action_space.sample()
    _, r1, *_ = w.step(a)
    _, r2, *_ = w.step(a)
    assert w.stall == 1 and r1 == r2
    assert r1 == pytest.approx(float(symlog(env.unwrapped.evaluator.last_record.reward)))


@pytest.mark.parametrize("name, params", [("ppo", {"n_steps": 8, "batch_size": 8}), ("a2c", {"n_steps": 4}), ("dqn", {"learning_starts": 4}), ("dqn", {"action_mode": "change", "learning_starts": 4})])
def test_rl_search_spends_exact_budget_and_is_deterministic(name, params):
    runs = [make_agent(name, **TINY, **params).search(gym.make("archgym/Roofline-v0"), 24, seed=2) for _ in range(2)]
    for r in runs:
        assert r.calls == 24 == len(r.best_so_far)
        assert len(r.history) >= 24
    assert [h.design for h in runs[0].history] == [h.design for h in runs[1].history]


def test_dqn_flat_mode_rejects_continuous_space():
    from archgym.envs import DesignEnv
    from archgym.simulator import Metric, Simulator
    from archgym.space import ParameterSpace, Real

    class Cont(Simulator):
        name = "cont_test"
        design_space = ParameterSpace({"x": Real(0.0, 1.0)})
        metrics = (Metric("y_ns", "ns", "min"),)
        workloads = ("w",)

        def default_design(self):
            return {"x": 0.5}

        def _evaluate(self, d, w):
            return {"y_ns": 1.0 + (d["x"] - 0.3) ** 2}

    with pytest.raises(ConfigError, match="action_mode='flat' needs a discrete space"):
        make_agent("dqn", action_mode="flat").search(DesignEnv(Cont()), 5)
    res = make_agent("dqn", **TINY, learning_starts=2).search(DesignEnv(Cont()), 6, seed=0)
    assert res.calls == 6


def test_rl_ask_samples_from_the_trained_policy():
    agent = make_agent("ppo", **TINY, n_steps=8, batch_size=8)
    env = gym.make("archgym/Roofline-v0")
    agent.search(env, 10, seed=0)
    designs = agent.ask(3)
    assert len(designs) == 3
    for d in designs:
        env.unwrapped.space.validate(d)
