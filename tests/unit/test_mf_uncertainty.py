"""The screener's use of a tier's per-prediction uncertainty (``mf-sh``'s ``kappa``), by hand.

A toy two-tier family over ``x`` in 0..2 (metric ``y``, maximised; reward = ``y``):

| x | cheap tier's ``y`` (its std) | expensive tier's ``y`` |
|---|---|---|
| 0 | 1.00 (0.0) | 0.5 |
| 1 | 0.95 (0.1) | 2.0 |
| 2 | 0.50 (0.0) | 0.1 |

The reward is ``y`` itself, so the reward's std is the metric's: 0.1 for ``x = 1``, 0 else.
One bracket of all three designs, ``eta = 3``: one design is promoted.

* ``kappa = 0`` ranks by the mean: 1.00 > 0.95 > 0.50, promotes ``x = 0`` (verified 0.5);
* ``kappa = 1.645`` ranks by the upper end of the 90 % interval: 0.95 + 0.1645 = 1.1145 > 1.00,
  promotes ``x = 1`` (verified 2.0);
* ``kappa = 0.6``: 0.95 + 0.06 = 1.01 > 1.00, ``x = 1``; ``kappa = 0.4``: 0.99 < 1.00, ``x = 0``;
* ``kappa = -1.645`` (pessimistic): 0.95 − 0.1645 = 0.7855 < 1.00, ``x = 0``.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

import archgym
from archgym.agents import make_agent
from archgym.agents.bo.multifidelity import reward_stds, uncertainty_sources
from archgym.envs import MultiFidelityEnv
from archgym.fidelity import Budget, Tier
from archgym.objective import Weighted
from archgym.parameters import Integer
from archgym.simulator import Metric, Simulator
from archgym.space import ParameterSpace

SPACE = ParameterSpace({"x": Integer(0, 2)})
CHEAP_Y, CHEAP_STD, TRUE_Y = (1.0, 0.95, 0.5), (0.0, 0.1, 0.0), (0.5, 2.0, 0.1)


class _Toy(Simulator):
    version = "1"
    design_space = SPACE
    metrics = (Metric("y", "1", "max", "the toy's figure of merit"),)
    workloads = ("w",)

    def default_design(self):
        return {"x": 0}

    def default_objective(self, workload=None):
        return Weighted({"y": 1.0}, {"y": "max"})


class CheapWithStd(_Toy):
    """The cheap tier: a 'proxy' that knows its std per prediction (a calibrated model)."""

    name = "toy-unc-cheap"
    fidelity = "guess"
    model = SimpleNamespace(calibrated=True)

    def _evaluate(self, design, workload):
        return {"y": CHEAP_Y[design["x"]]}

    def uncertainty(self, designs, workload=None, metrics=None):
        return {"y": np.array([CHEAP_STD[d["x"]] for d in designs])}


class Truth(_Toy):
    name = "toy-unc-truth"
    fidelity = "truth"

    def _evaluate(self, design, workload):
        return {"y": TRUE_Y[design["x"]]}


archgym.register_simulator("toy-unc-cheap", CheapWithStd, overwrite=True)
archgym.register_simulator("toy-unc-truth", Truth, overwrite=True)
TIERS = [Tier("guess", "toy-unc-cheap", cost=1.0), Tier("truth", "toy-unc-truth", cost=10.0)]


def _search(kappa: float):
    env = MultiFidelityEnv(tiers=TIERS, max_steps=100)
    agent = make_agent("mf-sh", n0=3, eta=3, kappa=kappa)
    res = agent.search(env, Budget(cost=13), seed=0)  # exactly one bracket: 3 guesses + 1 verification
    env.close()
    return agent, res


@pytest.mark.parametrize(("kappa", "promoted", "verified"),
                         [(0.0, 0, 0.5), (1.645, 1, 2.0), (0.6, 1, 2.0), (0.4, 0, 0.5), (-1.645, 0, 0.5)])
def test_promotion_by_the_bound_by_hand(kappa, promoted, verified):
    agent, res = _search(kappa)
    assert agent.promotions == [(1, {"x": promoted})]
    assert res.ledger["tiers"]["guess"]["calls"] == 3 and res.ledger["tiers"]["truth"]["calls"] == 1
    assert res.best_reward == pytest.approx(verified)


def test_reward_std_through_the_objective_by_hand():
    env = MultiFidelityEnv(tiers=TIERS, max_steps=100)
    sources = uncertainty_sources(env)
    assert list(sources) == [0]  # the truth tier reports no uncertainty
    std = reward_stds(sources[0], [{"x": 0}, {"x": 1}], [{"y": 1.0}, {"y": 0.95}])
    np.testing.assert_allclose(std, [0.0, 0.1])  # reward = y: its std is y's
    env.close()


def test_kappa_is_ignored_where_no_tier_knows_its_uncertainty():
    # the cheap tier is the exact one (no uncertainty); the proxy-like simulator is the top tier,
    # whose rungs are never ranked for promotion
    tiers = [Tier("truth", "toy-unc-truth", cost=1.0), Tier("guess", "toy-unc-cheap", cost=10.0)]
    for kappa in (0.0, 5.0):
        env = MultiFidelityEnv(tiers=tiers, max_steps=100)
        agent = make_agent("mf-sh", n0=3, eta=3, kappa=kappa)
        agent.search(env, Budget(cost=13), seed=0)
        env.close()
        assert agent.promotions == [(1, {"x": 1})]  # by the mean of the cheap 'truth' tier: 2.0 is best


def test_bad_kappa_one_line_error():
    with pytest.raises(Exception, match="kappa"):
        make_agent("mf-sh", kappa=100.0)


# -- the scalesim tier of dnn_accel (no SCALE-Sim call here) --------------------------------
def test_dnn_accel_scalesim_tier_subset_and_translation_by_hand():
    from archgym.fidelity import SCALESIM_SUBSET, dnn_to_scalesim, tiers_for
    from archgym.simulator import make_simulator
    from archgym.simulators.accelerator.simulator import DNNAccelSimulator

    analytical, scalesim = tiers_for("dnn_accel", "resnet18:fc", verify="scalesim", array_sides=[64, 32])
    assert (analytical.name, scalesim.name, scalesim.simulator) == ("analytical", "scalesim", "scalesim")
    sim = make_simulator(analytical.simulator, **analytical.simulator_kwargs)
    space = sim.design_space
    assert space["pe_rows"].values() == [32, 64] and space["dataflow"].values() == ["ws", "os", "is"]
    assert space.size == 2 * 2 * 3 * 6  # sides x sides x dataflows x GLB sizes; the rest fixed
    base = sim.default_design()
    assert space.validate(base) == base and (base["pe_rows"], base["pe_cols"], base["dataflow"]) == (32, 32, "ws")
    # GLB 256 KiB -> SRAMs 64 / 64 / 128 KiB (1/4 : 1/4 : 1/2)
    d = dict(base, pe_rows=64, glb_kib=256, dataflow="os")
    assert scalesim.design_for(d) == dnn_to_scalesim(d) == {
        "array_rows": 64, "array_cols": 32, "dataflow": "os", "ifmap_sram_kib": 64, "filter_sram_kib": 64, "ofmap_sram_kib": 128}
    full = DNNAccelSimulator().design_space
    for name, values in SCALESIM_SUBSET.items():  # every subset value is a value of the card
        assert set(values) <= set(full[name].values())
    # the subset changes the space, not the metrics
    assert sim.evaluate(d, "resnet18:fc") == DNNAccelSimulator().evaluate(d, "resnet18:fc")


@pytest.mark.parametrize(("options", "message"), [
    ({"verify": "timeloop"}, "verify must be 'zigzag' or 'scalesim'"),
    ({"verify": "scalesim", "array_sides": [12]}, "array_sides must be a non-empty subset"),
    ({"array_sides": [32]}, "apply to verify='scalesim' only"),
    ({"verify": "scalesim", "scalesim_kwargs": {"mode": "USER"}}, "CALC mode"),
])
def test_dnn_accel_tier_options_bad_input(options, message):
    from archgym.errors import ConfigError
    from archgym.fidelity import tiers_for

    with pytest.raises(ConfigError, match=message):
        tiers_for("dnn_accel", "resnet18:fc", **options)


def test_dnn_accel_subset_bad_input():
    from archgym.errors import ConfigError
    from archgym.simulators.accelerator.simulator import DNNAccelSimulator

    with pytest.raises(ConfigError, match="unknown parameter 'pe_size'"):
        DNNAccelSimulator(subset={"pe_size": [8]})
    with pytest.raises(ConfigError, match="subset of 'dataflow' must be a non-empty list"):
        DNNAccelSimulator(subset={"dataflow": []})
