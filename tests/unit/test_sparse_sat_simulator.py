"""SparseSAT simulator: registry, card, metrics, resources, infeasible designs, objective, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from archgym import InfeasibleDesign, make_simulator
from archgym.errors import InvalidDesignError, UnknownWorkloadError
from archgym.objective import Constrained
from archgym.simulators.sparse_sat.config import SATConfig
from archgym.simulators.sparse_sat.resources import estimate_resources
from archgym.simulators.sparse_sat.simulator import SparseSATSimulator


@pytest.fixture(scope="module")
def sim() -> SparseSATSimulator:
    return make_simulator("sparse_sat")


def test_registered_and_card(sim):
    assert isinstance(sim, SparseSATSimulator)
    card = sim.card()
    assert card["baseline"]["pattern"] == "2:8" and card["baseline"]["scheme"] == "bdwp"
    assert set(sim.workloads) == {"resnet18", "resnet50", "vgg16", "vit_b16"}
    for name in sim.design_space.names + sim.metric_names:
        assert name.isidentifier()


def test_default_evaluation_is_sane(sim):
    m = sim.evaluate(sim.default_design())
    assert all(math.isfinite(v) for v in m.values())
    assert m["throughput_samples_s"] == pytest.approx(32 / (m["iteration_time_ms"] / 1e3))
    assert 0 < m["array_utilisation"] <= 1
    assert m["accuracy_cost_pct"] == 0.56 and m["accuracy_cost_assumed"] == 0.0
    assert m["power_w"] == pytest.approx(m["energy_mj"] / m["iteration_time_ms"])


def test_deterministic(sim):
    d = sim.default_design()
    assert sim.evaluate(d, "vgg16") == sim.evaluate(d, "vgg16")


def test_assumed_accuracy_is_flagged(sim):
    d = dict(sim.default_design(), pattern="1:8")
    m = sim.evaluate(d)
    assert m["accuracy_cost_assumed"] == 1.0 and m["accuracy_cost_pct"] > 0.56
    m = sim.evaluate(dict(sim.default_design(), scheme="dense"))
    assert m["accuracy_cost_pct"] == 0.0 and m["accuracy_cost_assumed"] == 0.0


def test_resources_golden_for_the_baseline():
    # 48×64 PEs × 2 DSP + 64 vector lanes × 3 = 6144 + 192 = 6336 DSP.
    # LUT: 3072·250 + 32·1800 + 64·900 + 4·12000 + 60000 = 991,200.
    # BRAM36: output buffer max(⌈3072·8/4608⌉ = 6, 2·⌈64·32/72⌉ = 58) + 32·2 + 64 + 4·25 = 286.
    # URAM: act ⌈4 MiB / 36 KiB⌉ = 114 (ports 2·⌈48·16/72⌉ = 22), weights ⌈2 MiB / 36 KiB⌉ = 57
    # (ports 2·⌈64·19/72⌉ = 34) → 171.
    r = estimate_resources(SATConfig())
    assert (r.dsp, r.lut, r.bram36, r.uram) == (6336, 991_200, 286, 171)


def test_over_budget_design_is_infeasible_with_the_reason(sim):
    d = dict(sim.default_design(), rows=64, cols=64)  # 8192 + 192 DSP > 6833
    with pytest.raises(InfeasibleDesign, match=r"DSP 8,384 > 6,833"):
        sim.evaluate(d)
    d = dict(sim.default_design(), act_buffer_kib=16384, weight_buffer_kib=16384, rows=32, cols=32)
    assert sim.evaluate(d)["uram_used"] <= 960  # 455 + 455 URAM still fits
    d = dict(sim.default_design(), rows=128, cols=128)
    with pytest.raises(InfeasibleDesign, match="LUT"):
        sim.evaluate(d)


def test_bad_inputs(sim):
    with pytest.raises(UnknownWorkloadError, match="resnet18"):
        sim.evaluate(sim.default_design(), "resnet19")
    with pytest.raises(InvalidDesignError, match="pattern"):
        sim.evaluate(dict(sim.default_design(), pattern="3:8"))
    with pytest.raises(InvalidDesignError, match="rows"):
        sim.evaluate(dict(sim.default_design(), rows=40))


def test_extra_networks_accepted(sim):
    m = sim.evaluate(dict(sim.default_design(), batch=2), "mobilenet_v2")
    assert m["iteration_time_ms"] > 0


def test_default_objective_is_constrained_throughput(sim):
    obj = sim.default_objective()
    assert isinstance(obj, Constrained)
    base = sim.evaluate(sim.default_design())
    s = obj.score(base)
    assert s.feasible and s.reward == pytest.approx(1.0)
    risky = dict(base, accuracy_cost_pct=1.5)
    assert not obj.score(risky).feasible


def test_more_sparsity_and_bigger_batches_raise_throughput(sim):
    base = sim.default_design()
    t = {p: sim.evaluate(dict(base, pattern=p))["throughput_samples_s"] for p in ("dense", "2:4", "2:8", "1:16")}
    assert t["dense"] < t["2:4"] < t["2:8"] < t["1:16"]
    b = [sim.evaluate(dict(base, batch=x))["throughput_samples_s"] for x in (1, 8, 64)]
    assert b[0] < b[1] < b[2]


def test_fewer_ddr_channels_never_faster(sim):
    base = dict(sim.default_design(), batch=2)
    times = [sim.evaluate(dict(base, ddr_channels=c), "vgg16")["iteration_time_ms"] for c in (4, 3, 2, 1)]
    assert np.all(np.diff(times) >= 0) and times[-1] > times[0]


def test_gymnasium_env_if_available(sim, test_seed):
    gym = pytest.importorskip("gymnasium")
    envs = pytest.importorskip("archgym.envs")  # noqa: F841  (the lead's env layer)
    env = gym.make("archgym/SparseSAT-v0")
    obs, info = env.reset(seed=0)
    env.action_space.seed(test_seed)
    obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
    assert np.isfinite(reward)
