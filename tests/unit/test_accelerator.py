"""The analytical accelerator model (dnn_accel): golden values, invariants, errors."""

from __future__ import annotations

import numpy as np
import pytest

from archgym.errors import InfeasibleDesign, InvalidDesignError, UnknownWorkloadError
from archgym.simulators.accelerator import tables
from archgym.simulators.accelerator.costmodel import Hardware, LayerArrays, evaluate_layers
from archgym.simulators.accelerator.simulator import BASELINE, TARGET_IMPROVEMENT, DNNAccelSimulator
from archgym.simulators.networks import Layer, network_macs


@pytest.fixture(scope="module")
def sim():
    return DNNAccelSimulator()


def _hw(**overrides):
    return Hardware.from_designs([{**BASELINE, **overrides}])


# -- golden values --------------------------------------------------------------------------
def test_dense_gemm_all_on_chip_output_stationary():
    # 64×64×64 GEMM on an 8×8 output-stationary array: ⌈64/8⌉·⌈64/8⌉ = 64 folds of
    # (K + R + C − 2) = 78 cycles = 4992 cycles; a 2 MiB GLB holds the operands, so DRAM moves
    # each operand exactly once (3·4096 words).
    la = LayerArrays.from_layers([Layer("g", "gemm", K=64, C=64, Y=64)])
    hw = _hw(pe_rows=8, pe_cols=8, glb_kib=2048, dram_gbps=128, noc_words=256, glb_banks=64, dataflow="os")
    costs = evaluate_layers(la, hw, "os")
    assert costs.compute_cycles[0, 0] == 4992
    assert costs.dram_words[0, 0] == 3 * 64 * 64
    assert costs.bound[0, 0] == 0  # compute-bound
    # The smallest tiling that still moves each operand once keeps all of C (64×64) and streams
    # one k-slice of A and B (64 + 64 words); the prologue loads it: 4224 words · 2 B / 128 B/cycle.
    assert tuple(costs.tiling.tiles[0, 0]) == (64, 64, 1)
    assert costs.prologue_cycles[0, 0] == pytest.approx(4224 * 2 / 128)
    assert costs.cycles[0, 0] == pytest.approx(4992 + 66)


def test_memory_bound_layer_counts_its_first_load_and_last_store_once():
    # The same 64×64×64 GEMM with 4 GB/s of DRAM (4 B/cycle): its 12,288 compulsory words take
    # 24,576 B / 4 = 6,144 cycles > 4,992 of compute, so it is DRAM-bound. Timeline (tiles 64×64×1):
    # the first k-slice of A and B (128 words) arrives in 64 cycles, the 64 k-steps of 78 cycles
    # each overlap the next slice's load (64 cycles), compute ends at 64 + 4,992 = 5,056, then the
    # 4,096 output words leave in 2,048 cycles: 7,104. The DRAM's 6,144 busy cycles already include
    # that first load and last store (version 2 added them again: 6,144 + 2,112 = 8,256).
    la = LayerArrays.from_layers([Layer("g", "gemm", K=64, C=64, Y=64)])
    hw = _hw(pe_rows=8, pe_cols=8, glb_kib=2048, dram_gbps=4, noc_words=256, glb_banks=64, dataflow="os")
    costs = evaluate_layers(la, hw, "os")
    assert costs.dram_cycles[0, 0] == pytest.approx(6144)
    assert costs.bound[0, 0] == 1  # DRAM
    assert costs.prologue_cycles[0, 0] == pytest.approx(64 + 2048)
    assert costs.cycles[0, 0] == pytest.approx(7104)
    # With 1 GB/s the DRAM sets the pace outright: 24,576 cycles, nothing added.
    costs = evaluate_layers(la, _hw(pe_rows=8, pe_cols=8, glb_kib=2048, dram_gbps=1, noc_words=256, glb_banks=64, dataflow="os"), "os")
    assert costs.cycles[0, 0] == pytest.approx(24576)


def test_weight_stationary_glb_traffic_hand_derived():
    # ws on 8×8, M=N=K=64, 16-byte RFs (no room to keep words across folds):
    # reads = K·N + M·K·⌈N/8⌉ + M·N·(⌈K/8⌉ − 1) = 4096 + 32768 + 28672,
    # writes = M·N·⌈K/8⌉ = 32768 (partial sums leave the array once per K fold).
    la = LayerArrays.from_layers([Layer("g", "gemm", K=64, C=64, Y=64)])
    costs = evaluate_layers(la, _hw(pe_rows=8, pe_cols=8, glb_kib=2048, rf_bytes=16, dataflow="ws"), "ws")
    assert costs.noc_words[0, 0] == 4096 + 32768 + 28672 + 32768
    # 512-byte RFs (128 words a half): each PE keeps its 64 inputs across the 8 column folds and its
    # 64 partial sums across the 8 row folds, so every operand crosses the NoC once: 3 · 4096.
    costs = evaluate_layers(la, _hw(pe_rows=8, pe_cols=8, glb_kib=2048, rf_bytes=512, dataflow="ws"), "ws")
    assert costs.noc_words[0, 0] == 3 * 4096


def test_fc_layer_at_batch_one_is_dram_bound(sim):
    # ResNet-18's fc streams 512·1000 16-bit weights once: ≥ 1,024,000 B / 16 B per cycle = 64,000 cycles.
    rows = {r["layer"]: r for r in sim.report(BASELINE, "resnet18")}
    fc = rows["fc"]
    assert fc["bound"] == "dram"
    assert fc["dram_cycles"] >= 64_000
    assert fc["dram_cycles"] == pytest.approx(64_000, rel=0.01)


def test_row_stationary_fills_a_3x3_layer(sim):
    # conv2_1a (64→64, 3×3, 56×56) on 12×14 row-stationary: 3 filter rows × 4 channels fill the
    # 12 rows (⌈64/4⌉ = 16 row folds), 14 output rows × 1 filter the 14 columns (⌈56/14⌉·64 = 256
    # column folds); each fold streams T = 56 px · 3 taps = 168 cycles with no fill (multicast):
    # 16 · 256 · 168 = 688,128 = MACs / 168 PEs exactly (every PE busy).
    rows = {r["layer"]: r for r in sim.report(BASELINE, "resnet18")}
    assert rows["conv2_1a"]["compute_cycles"] == 688_128 == 64 * 64 * 9 * 56 * 56 // 168


def test_energy_table_values():
    assert tables.e_mac(16) == pytest.approx(0.887, abs=1e-3)
    assert tables.e_mac(8) == pytest.approx(0.2 + 0.0548, abs=1e-3)
    assert tables.sram_e64(8 * 1024) == pytest.approx(10.0, rel=0.01)  # Horowitz: 8 KB → 10 pJ
    assert tables.sram_e64(1024 * 1024) == pytest.approx(100.0, rel=0.01)  # 1 MB → 100 pJ
    assert tables.e_dram_word(64) == pytest.approx(1300.0)  # 1.3 nJ per 64-bit access


def test_energy_is_the_sum_of_its_per_level_terms(sim):
    rows = sim.report(BASELINE, "resnet18")
    total = sum(v for r in rows for k, v in r.items() if k.startswith("energy_"))
    assert sim.evaluate(BASELINE, "resnet18")["energy_uj"] == pytest.approx(total * 1e-6, rel=1e-12)
    mac = sum(r["energy_mac_pj"] for r in rows)
    assert mac == pytest.approx(network_macs("resnet18") * tables.e_mac(16))


def test_area_is_the_sum_of_its_terms(sim):
    parts = sim.area_breakdown(BASELINE)
    assert sim.evaluate(BASELINE, "alexnet")["area_mm2"] == pytest.approx(sum(parts.values()))
    assert parts["dram_phy"] == pytest.approx(0.05 * 16)


# -- invariants -----------------------------------------------------------------------------
def test_doubling_off_chip_bandwidth_never_slows_a_design(sim):
    rng = np.random.default_rng(7)
    checked = 0
    for design in sim.design_space.sample(rng, 60):
        if design["dram_gbps"] == 256:
            continue
        faster = dict(design, dram_gbps=design["dram_gbps"] * 2)
        try:
            slow = sim.evaluate(design, "resnet18")["latency_cycles"]
        except InfeasibleDesign:
            continue
        assert sim.evaluate(faster, "resnet18")["latency_cycles"] <= slow
        checked += 1
    assert checked > 20


def test_utilisation_in_unit_interval(sim):
    rng = np.random.default_rng(3)
    metrics, feasible, _ = sim.evaluate_arrays(sim.design_space.sample(rng, 200), "mobilenet_v2")
    u = metrics["utilisation"][feasible]
    assert np.all((u > 0) & (u <= 1.0))


def test_deterministic_and_batch_equals_single(sim):
    rng = np.random.default_rng(11)
    designs = [d for d in sim.design_space.sample(rng, 40) if d["rf_bytes"] >= 64 and d["glb_kib"] >= 64]
    batch = sim.evaluate_batch(designs, "resnet18")
    for d, b in zip(designs, batch):
        single = sim.evaluate(d, "resnet18")
        assert single == sim.evaluate(d, "resnet18")
        for k in single:
            assert single[k] == pytest.approx(b[k], rel=1e-12)


# -- infeasible and invalid designs ---------------------------------------------------------
def test_glb_that_fits_no_tile_is_infeasible(sim):
    # 64×64 output-stationary needs at least a 64×64 output tile + a row and column of operands:
    # 2·(64·64 + 64 + 64) 16-bit words = 16.5 KiB > 8 KiB.
    design = dict(BASELINE, pe_rows=64, pe_cols=64, glb_kib=8, dataflow="os")
    with pytest.raises(InfeasibleDesign, match="global buffer of 8 KiB"):
        sim.evaluate(design, "resnet18")


def test_rf_too_small_for_row_stationary_is_infeasible(sim):
    # AlexNet conv1 has 11-tap filter rows: 2·11 + 1 = 23 words = 46 B > 32 B.
    with pytest.raises(InfeasibleDesign, match="register file"):
        sim.evaluate(dict(BASELINE, rf_bytes=32), "alexnet")
    sim.evaluate(dict(BASELINE, rf_bytes=32, dataflow="ws"), "alexnet")  # systolic flows need 3 words


def test_batch_raises_on_an_infeasible_member(sim):
    bad = dict(BASELINE, pe_rows=64, pe_cols=64, glb_kib=8, dataflow="os")
    with pytest.raises(InfeasibleDesign, match="design 1 of the batch"):
        sim.evaluate_batch([BASELINE, bad], "resnet18")


def test_bad_inputs(sim):
    with pytest.raises(InvalidDesignError):
        sim.evaluate(dict(BASELINE, pe_rows=13), "resnet18")
    with pytest.raises(UnknownWorkloadError, match="resnet18"):
        sim.evaluate(BASELINE, "resnet81")
    with pytest.raises(ValueError):
        DNNAccelSimulator(batch=0)


# -- objective and batch --------------------------------------------------------------------
def test_default_objective_targets(sim):
    obj = sim.default_objective("alexnet")
    base = sim.evaluate(BASELINE, "alexnet")
    for metric, frac in TARGET_IMPROVEMENT.items():
        assert obj.targets[metric] == pytest.approx(base[metric] * (1 - frac))
    assert set(obj.targets) == {"energy_uj", "area_mm2", "latency_cycles"}


def test_batch_size_scales_work():
    one = DNNAccelSimulator(batch=1).evaluate(BASELINE, "resnet18")
    four = DNNAccelSimulator(batch=4).evaluate(BASELINE, "resnet18")
    assert four["latency_cycles"] > 2 * one["latency_cycles"]
    assert four["energy_uj"] > 2 * one["energy_uj"]


def test_distinct_layer_shapes_are_costed_once_and_counted_by_multiplicity(sim):
    # ResNet-18 has 21 layers of 12 shapes (conv2_1a–conv2_2b are four of one shape, ...);
    # the network sums equal the layer-by-layer sums over all 21.
    la, counts = sim.distinct_layer_arrays("resnet18")
    assert len(la.names) == 12 and counts.sum() == 21 and counts[la.names.index("conv2_1a")] == 4
    from archgym.simulators.networks import load_network

    for design in (BASELINE, {**BASELINE, "pe_rows": 32, "pe_cols": 8, "dataflow": "ws", "glb_kib": 64}):
        rows = [sim.layer_report(design, layer) for layer in load_network("resnet18")]
        m = sim.evaluate(design, "resnet18")
        assert m["latency_cycles"] == pytest.approx(sum(r["cycles"] for r in rows), rel=1e-12)
        assert m["energy_uj"] == pytest.approx(sum(r["energy_pj"] for r in rows) * 1e-6, rel=1e-12)
