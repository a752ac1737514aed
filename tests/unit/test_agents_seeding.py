"""Issue 18 item 8: each agent draws from its own seed stream, derived from (seed, agent name)."""

from __future__ import annotations

import numpy as np
import pytest

import archgym  # noqa: F401
from archgym.agents import make_agent
from archgym.agents.seeding import agent_rng, agent_seed, stable_hash
from archgym.envs import DesignEnv
from archgym.errors import ConfigError
from archgym.simulator import Metric, Simulator
from archgym.space import Integer, ParameterSpace


class _Bowl(Simulator):
    """A cheap simulator with a large space (100^6 designs)."""

    name = "seed-bowl"
    design_space = ParameterSpace({f"x{i}": Integer(0, 99) for i in range(6)})
    metrics = (Metric("cost", "1", "min"),)
    workloads = ("w",)

    def default_design(self):
        return {f"x{i}": 50 for i in range(6)}

    def _evaluate(self, design, workload):
        return {"cost": 1.0 + sum((v - 30) ** 2 for v in design.values())}


def _first_designs(agent: str, seed: int, n: int = 10) -> list[tuple]:
    env = DesignEnv(_Bowl())
    res = make_agent(agent).search(env, n, seed=seed)
    return [tuple(sorted(h.design.items())) for h in res.history[:n]]


def test_ga_first_generation_is_not_random_walks_first_designs():
    # issue 18: same seed -> 8 of 10 identical. The space has 1e12 designs, so two
    # independent streams share none of 10 designs but with negligible probability.
    for seed in (0, 1):
        ga, rnd, aco = (_first_designs(a, seed) for a in ("ga", "random", "aco"))
        assert not set(ga) & set(rnd), seed
        assert not set(aco) & set(rnd) and not set(aco) & set(ga), seed


def test_streams_differ_by_name_and_seed_and_repeat():
    a = agent_rng(0, "ga").integers(0, 2**32, 4)
    assert np.array_equal(a, agent_rng(0, "ga").integers(0, 2**32, 4))
    assert not np.array_equal(a, agent_rng(0, "random").integers(0, 2**32, 4))
    assert not np.array_equal(a, agent_rng(1, "ga").integers(0, 2**32, 4))
    assert 0 <= agent_seed(0, "ppo") < 2**31 and agent_seed(0, "ppo") != agent_seed(0, "a2c")


def test_stable_across_processes():
    # pinned: the same in every process (Python's hash() of a str is salted per process, so
    # a hash()-based stream would fail this in all but one in 2^32 processes); changing the
    # derivation changes every agent's draws, which this test makes a deliberate decision.
    assert stable_hash("ga") == 0x51D0BE51
    assert agent_seed(5, "bo") == agent_seed(5, "bo") == int(np.random.SeedSequence([5, 0xCB1F6713]).generate_state(1, np.uint32)[0] >> 1)


@pytest.mark.parametrize("seed", [-1, 1.5, True])
def test_bad_seed_is_one_clear_error(seed):
    with pytest.raises(ConfigError, match="seed must be an integer >= 0"):
        agent_rng(seed, "ga")
