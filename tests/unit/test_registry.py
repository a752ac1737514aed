"""Simulator registry and protocol."""

from __future__ import annotations

import gymnasium as gym
import pytest

import archgym
from archgym.errors import ArchGymError, InvalidDesignError, UnknownSimulatorError, UnknownWorkloadError
from archgym.simulator import Metric, Simulator, simulator_spec
from archgym.space import Integer, ParameterSpace


class _Square(Simulator):
    """x squared, for registry tests."""

    name = "square-test"
    design_space = ParameterSpace({"x": Integer(-3, 3)})
    metrics = (Metric("y", "1", "min"),)
    workloads = ("w",)

    def default_design(self):
        return {"x": 1}

    def _evaluate(self, design, workload):
        return {"y": design["x"] ** 2}


def test_register_decorator_and_make():
    archgym.register_simulator("square-test", overwrite=True)(_Square)
    sim = archgym.make_simulator("square-test")
    assert sim.evaluate({"x": -2}) == {"y": 4.0}
    assert "square-test" in archgym.list_simulators()
    assert simulator_spec("square-test").env_id == "archgym/SquareTest-v0"
    assert "archgym/SquareTest-v0" in gym.registry


def test_duplicate_registration_refused():
    archgym.register_simulator("square-dup", _Square)
    with pytest.raises(ArchGymError, match="already registered"):
        archgym.register_simulator("square-dup", lambda: _Square())


def test_unknown_simulator_lists_registered():
    with pytest.raises(UnknownSimulatorError) as e:
        archgym.make_simulator("rooflne")
    assert "did you mean 'roofline'" in str(e.value) and "registered:" in str(e.value)


def test_evaluate_validates(roofline):
    with pytest.raises(InvalidDesignError, match="lanes"):
        roofline.evaluate({**roofline.default_design(), "lanes": 3}, "axpy")
    with pytest.raises(UnknownWorkloadError, match="allowed: axpy, dot, gemv, stencil"):
        roofline.evaluate(roofline.default_design(), "gem")


def test_evaluate_batch_loops(roofline):
    designs = roofline.design_space.sample(__import__("numpy").random.default_rng(0), 4)
    assert roofline.evaluate_batch(designs, "dot") == [roofline.evaluate(d, "dot") for d in designs]


def test_roofline_golden(roofline):
    # axpy, n = 2^20: 2n FLOP, 12n bytes. 8 lanes @1 GHz -> 16 FLOP/ns: 131072 ns compute;
    # 16 GB/s -> 12·2^20/16 = 786432 ns memory-bound.
    m = roofline.evaluate(roofline.default_design(), "axpy")
    assert m["runtime_ns"] == pytest.approx(786432.0)
    assert m["area_mm2"] == pytest.approx(8 * 0.05 + 64 * 0.002)


def test_card_is_json(roofline):
    import json

    card = roofline.card()
    assert json.loads(json.dumps(card))["baseline"] == roofline.default_design()


def test_factory_must_return_simulator():
    archgym.register_simulator("not-a-sim", lambda: object(), overwrite=True)
    with pytest.raises(ArchGymError, match="not a Simulator"):
        archgym.make_simulator("not-a-sim")
