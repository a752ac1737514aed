"""The QNetSched simulator: card, registry, workloads, determinism, objective, stochastic mode."""

from __future__ import annotations

import pytest

from archgym.errors import InvalidDesignError, UnknownWorkloadError
from archgym.objective import Constrained
from archgym.simulator import list_simulators, make_simulator, simulator_spec
from archgym.simulators.qnet import QNetSimulator
from archgym.simulators.qnet.workload import parse_workload


@pytest.fixture(scope="module")
def sim():
    return QNetSimulator()


def test_registered():
    assert "qnet" in list_simulators()
    assert simulator_spec("qnet").env_id == "archgym/QNetSched-v0"
    assert isinstance(make_simulator("qnet"), QNetSimulator)


def test_card_names_are_columns(sim):
    for name in (*sim.design_space.names, *sim.metric_names):
        assert name.isidentifier()
    assert {"throughput_pairs_s", "latency_s", "jitter_s2", "admitted_fraction", "fidelity"} <= set(sim.metric_names)
    sim.design_space.validate(sim.default_design())


def test_default_evaluation(sim):
    m = sim.evaluate(sim.default_design())
    assert m["throughput_pairs_s"] > 0
    assert 0 < m["admitted_fraction"] <= 1
    assert m["fidelity"] >= 0.6
    assert m["deadline_miss_fraction"] == 0.0
    assert m == sim.evaluate(sim.default_design(), sim.default_workload)  # deterministic


@pytest.mark.parametrize("workload", QNetSimulator.workloads)
def test_listed_workloads_evaluate(sim, workload):
    m = sim.evaluate(sim.default_design(), workload)
    assert set(m) == set(sim.metric_names)


def test_workload_syntax():
    w = parse_workload("h-f0.75-load20-s3-km10-stoch")
    assert (w.topology, w.fmin, w.load, w.seed, w.length_km, w.link_model, w.stochastic) == ("h", 0.75, 20.0, 3, 10.0, "nv", True)
    assert parse_workload("surfnet-f0.98-load20").link_model == "futuristic"
    assert parse_workload("line-f0.6-load5-fut").link_model == "futuristic"


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        ("symetric-f0.6-load50", "did you mean 'symmetric'"),
        ("symmetric-load50", "missing field 'f'"),
        ("symmetric-f0.6", "missing field 'load'"),
        ("symmetric-f1.2-load50", "F_min"),
        ("symmetric-f0.6-load0", "load"),
        ("symmetric-f0.6-load50-x3", "unrecognised field 'x3'"),
        ("symmetric-f0.6-load50-km80", "5-50 km"),
        ("symmetric-f0.6-load50-nv-fut", "conflicting"),
        ("symmetric-f0.6-f0.7-load50", "twice"),
    ],
)
def test_bad_workloads(sim, bad, match):
    with pytest.raises(UnknownWorkloadError, match=match):
        sim.evaluate(sim.default_design(), bad)


def test_bad_design(sim):
    with pytest.raises(InvalidDesignError, match="scheduler"):
        sim.evaluate({**sim.default_design(), "scheduler": "fifo"})


def test_design_knobs_matter(sim):
    base = sim.evaluate(sim.default_design(), "symmetric-f0.6-load50")
    pts = sim.evaluate({**sim.default_design(), "scheduler": "pts_np_edf"}, "symmetric-f0.6-load50")
    assert pts["throughput_pairs_s"] < base["throughput_pairs_s"]
    none = sim.evaluate({**sim.default_design(), "link_policy": "max_rate"}, "symmetric-f0.6-load50")
    assert none["admitted_fraction"] == 0.0 and none["throughput_pairs_s"] == 0.0


def test_default_objective(sim):
    obj = sim.default_objective()
    assert isinstance(obj, Constrained)
    obj.check(sim)
    good = obj.score(sim.evaluate(sim.default_design()))
    assert good.feasible
    slow = obj.score({"throughput_pairs_s": 1.0, "admitted_fraction": 0.5, "latency_s": 10.0})
    assert not slow.feasible


def test_stochastic_mode_measures_losses(sim):
    det = sim.evaluate(sim.default_design(), "symmetric-f0.6-load50")
    sto = sim.evaluate(sim.default_design(), "symmetric-f0.6-load50-stoch")
    assert sto == sim.evaluate(sim.default_design(), "symmetric-f0.6-load50-stoch")  # seeded
    assert sto["admitted_fraction"] == det["admitted_fraction"]
    assert 0 < sto["deadline_miss_fraction"] < 1
    assert sto["throughput_pairs_s"] == pytest.approx(det["throughput_pairs_s"] * (1 - sto["deadline_miss_fraction"]))
    assert sto["fidelity"] < det["fidelity"]  # stored pairs dephase


def test_stochastic_futuristic_links_rarely_miss():
    # 1400 pairs/s in a 10 ms slot: P(no success in 14 mean times) ≈ e^-14; misses come only from
    # no failures at all, and T2 costs fidelity
    sim = QNetSimulator(repetitions=4)
    m = sim.evaluate(sim.default_design(), "line-f0.9-load20-fut-stoch")
    assert m["deadline_miss_fraction"] == pytest.approx(0.0, abs=1e-3)
    assert 0.5 < m["fidelity"] < 0.999


def test_demands_follow_the_reference_recipe(sim):
    ds = sim.demands("symmetric-f0.6-load50-s2")
    total = sum(d.rate for d in ds)
    assert total >= 50
    assert total - ds[-1].rate < 50  # drawing stopped as soon as the load was reached
    assert all(d.rate in [100 / 2**i for i in range(10)] for d in ds)
    assert all(d.src != d.dst and d.hops == 3 for d in ds)
    assert ds == sim.demands("symmetric-f0.6-load50-s2")
    assert ds != sim.demands("symmetric-f0.6-load50-s3")
