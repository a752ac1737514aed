"""dnn_mapping: one layer's mapping on a fixed array."""

from __future__ import annotations

import itertools

import pytest

from archgym.errors import InfeasibleDesign, UnknownWorkloadError
from archgym.simulators.accelerator.mapping import MAPPING_BASELINE, PARALLEL_DATAFLOW, DNNMappingSimulator
from archgym.simulators.accelerator.simulator import BASELINE, DNNAccelSimulator


@pytest.fixture(scope="module")
def sim():
    return DNNMappingSimulator()


def test_baseline_mapping_is_feasible_on_every_listed_layer(sim):
    for workload in sim.workloads:
        m = sim.evaluate(MAPPING_BASELINE, workload)
        assert m["latency_cycles"] > 0 and 0 < m["utilisation"] <= 1


def test_workload_identifiers(sim):
    assert sim.default_workload == "resnet18:conv2_1a"
    assert sim.check_workload("bert_base:enc7_qkv") == "bert_base:enc7_qkv"  # unlisted but real
    with pytest.raises(UnknownWorkloadError, match="conv2_1a"):
        sim.evaluate(MAPPING_BASELINE, "resnet18:conv2_1")
    with pytest.raises(UnknownWorkloadError):
        sim.evaluate(MAPPING_BASELINE, "lenet:conv1")


def test_tiles_too_big_are_infeasible_with_the_reason(sim):
    whole = dict(MAPPING_BASELINE, parallel="mn", split_m=1, split_n=1, split_k=1)
    with pytest.raises(InfeasibleDesign, match="KiB of global buffer"):
        sim.evaluate(whole, "vgg16:conv1_2")


def test_deterministic(sim):
    d = dict(MAPPING_BASELINE, parallel="kn", loop_order="kmn", split_m=8)
    assert sim.evaluate(d, "resnet18:conv3_1b") == sim.evaluate(d, "resnet18:conv3_1b")


def test_mapper_is_at_least_as_good_as_any_mapping_of_the_same_dataflow(sim):
    # The dnn_accel mapper searches a superset of this env's tilings (same orders, tiles clamped
    # to the same minimum), so no mapping here moves fewer DRAM words than the mapper's choice.
    accel = DNNAccelSimulator()
    layer = "conv3_1b"
    mapper_rows = {r["layer"]: r for r in accel.report(dict(BASELINE, dataflow="ws"), "resnet18")}
    best_mapper = mapper_rows[layer]["dram_words"] * 2 / 1e6  # 16-bit words → MB
    best_env = float("inf")
    for order, sm, sn, sk in itertools.product(("mnk", "nkm", "kmn", "knm"), (1, 4, 16, 64), (1, 4, 16), (1, 16, 256)):
        d = {"parallel": "kn", "loop_order": order, "split_m": sm, "split_n": sn, "split_k": sk}
        try:
            best_env = min(best_env, sim.evaluate(d, f"resnet18:{layer}")["dram_traffic_mb"])
        except InfeasibleDesign:
            pass
    assert best_mapper <= best_env + 1e-9


def test_parallel_choice_changes_compute(sim):
    out = {p: sim.evaluate(dict(MAPPING_BASELINE, parallel=p), "resnet18:conv2_1a")["latency_cycles"] for p in PARALLEL_DATAFLOW}
    assert len(set(out.values())) == 4


def test_default_objective(sim):
    obj = sim.default_objective()
    base = sim.evaluate(MAPPING_BASELINE)
    assert obj.targets == pytest.approx({"latency_cycles": 0.8 * base["latency_cycles"], "energy_uj": 0.8 * base["energy_uj"]})


def test_custom_hardware():
    big = DNNMappingSimulator(hardware={"glb_kib": 1024})
    # conv2_1a's weights and outputs whole, one sixteenth of the reduction: 2·(3136·36·ρ + 36·64
    # + 3136·64) words ≈ 0.8 MiB at 16 bit — too big for the default 128 KiB, fits in 1 MiB.
    d = dict(MAPPING_BASELINE, parallel="mn", split_m=1, split_n=1, split_k=16)
    with pytest.raises(InfeasibleDesign):
        DNNMappingSimulator().evaluate(d, "resnet18:conv2_1a")
    assert 128 < big.evaluate(d, "resnet18:conv2_1a")["glb_required_kib"] <= 1024
