"""The evaluation path: cache, budget counting, failures recorded not raised."""

from __future__ import annotations

import numpy as np
import pytest

from archgym.envs import DesignEnv, Evaluator
from archgym.errors import InfeasibleDesign, InvalidDesignError
from archgym.objective import TargetSpec
from archgym.simulator import Metric, Simulator
from archgym.space import Constraint, Integer, ParameterSpace


class Flaky(Simulator):
    """Fails on some designs, counts its calls."""

    name = "flaky-test"
    design_space = ParameterSpace({"x": Integer(0, 9)}, [Constraint("not_seven", lambda d: d["x"] != 7, "x != 7")])
    metrics = (Metric("cost", "1", "min"),)
    workloads = ("w",)

    def __init__(self):
        self.calls = 0

    def default_design(self):
        return {"x": 1}

    def _evaluate(self, design, workload):
        self.calls += 1
        if design["x"] == 3:
            raise InfeasibleDesign("x = 3 does not fit")
        if design["x"] == 4:
            raise RuntimeError("simulator crashed")
        return {"cost": float(design["x"] + 1)}


def _evaluator():
    sim = Flaky()
    return sim, Evaluator(sim, "w", TargetSpec({"cost": 2.0}))


def test_cache_hits_do_not_count():
    sim, ev = _evaluator()
    a = ev.evaluate({"x": 2})
    b = ev.evaluate({"x": 2})
    assert (a.cache_hit, b.cache_hit) == (False, True)
    assert ev.unique_calls == 1 and ev.steps == 2 and sim.calls == 1
    assert b.metrics == a.metrics and b.call_index == a.call_index


def test_failures_are_records():
    sim, ev = _evaluator()
    r3, r4, r7 = ev.evaluate({"x": 3}), ev.evaluate({"x": 4}), ev.evaluate({"x": 7})
    assert not r3.feasible and r3.error == "x = 3 does not fit" and r3.metrics is None
    assert not r4.feasible and "RuntimeError: simulator crashed" in r4.error
    assert not r7.feasible and "x != 7" in r7.error
    assert sim.calls == 2  # the constraint was checked without running the simulator
    assert ev.unique_calls == 3
    assert r3.reward == ev.objective.failure_reward


def test_invalid_design_raises():
    _, ev = _evaluator()
    with pytest.raises(InvalidDesignError):
        ev.evaluate({"x": 10})


def test_env_observation_normalised_by_baseline():
    env = DesignEnv(Flaky(), objective=TargetSpec({"cost": 2.0}))
    obs, _ = env.reset(seed=0)
    assert obs.tolist() == [1.0, 1.0]
    obs, reward, term, trunc, info = env.step({"x": 5})
    assert obs.tolist() == [3.0, 1.0]  # cost 6 / baseline 2
    assert info["metrics"] == {"cost": 6.0} and info["design"] == {"x": 5}
    assert reward == pytest.approx(1 / 3)  # shortfall (6 - 2) / 2 = 2 -> 1 / (1 + 2)
    obs, reward, *_ = env.step(np.array([3]))
    assert obs.tolist() == [0.0, 0.0]


def test_truncation_after_max_steps():
    env = DesignEnv(Flaky(), max_steps=2)
    env.reset(seed=0)
    assert env.step({"x": 1})[3] is False
    assert env.step({"x": 2})[3] is True
