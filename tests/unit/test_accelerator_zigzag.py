"""The ZigZag translation and backend's error handling (no ZigZag run needed; those are in integration)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archgym.errors import ConfigError, UnknownWorkloadError
from archgym.simulators.accelerator import tables
from archgym.simulators.accelerator.simulator import BASELINE
from archgym.simulators.accelerator.zigzag_backend import ZigZagSimulator
from archgym.simulators.accelerator.zigzag_translate import zigzag_accelerator, zigzag_inputs
from archgym.simulators.networks import find_layer

DATA = Path(__file__).resolve().parents[1] / "data"


def test_translation_pins_the_dataflows_unrolling():
    design = dict(BASELINE, pe_rows=16, pe_cols=16, dataflow="ws")
    acc, mapping, workload = zigzag_inputs(design, find_layer("resnet18:conv1"))
    assert mapping[0]["spatial_mapping"] == {"D1": ["C, 3"], "D2": ["K, 16"]}  # 3 of 16 rows under-used
    assert acc["operational_array"]["sizes"] == [16, 16]
    assert acc["operational_array"]["systolic_dimensions"] == ["D1", "D2"]
    layer = workload[0]
    assert dict(zip(layer["loop_dims"], layer["loop_sizes"])) == {"B": 1, "K": 64, "C": 3, "OY": 112, "OX": 112, "FY": 7, "FX": 7}
    assert layer["dimension_relations"] == ["ix=2*ox+1*fx", "iy=2*oy+1*fy"]
    rs = zigzag_inputs(dict(BASELINE), find_layer("resnet18:conv2_1a"))
    assert rs[1][0]["spatial_mapping"] == {"D1": ["FY, 3", "C, 4"], "D2": ["OY, 14", "K, 1"]}
    assert "systolic_dimensions" not in rs[0]["operational_array"]  # row-stationary multicasts


def test_translation_memories_carry_the_models_per_word_energy():
    design = dict(BASELINE, glb_kib=256, glb_banks=4, noc_words=64, dram_gbps=32, rf_bytes=256, precision_bits=8)
    mem = zigzag_accelerator(design)["memories"]
    assert mem["rf"]["size"] == 256 * 8 and mem["glb"]["size"] == 256 * 1024 * 8
    glb_bw = min(4 * 64, 64 * 8)  # the banks bind before the NoC: 256 bits per cycle
    port = mem["glb"]["ports"][0]
    assert (port["bandwidth_min"], port["bandwidth_max"]) == (8, glb_bw)
    # energy per access of bandwidth_max bits = per-word energy × words per access
    assert mem["glb"]["r_cost"] == pytest.approx(tables.e_glb_word(256 * 1024, 8) * glb_bw / 8)
    assert mem["dram"]["ports"][0]["bandwidth_max"] == 8 * 32  # 32 GB/s at 1 GHz
    assert mem["rf"]["r_cost"] == pytest.approx(tables.e_rf_word(256, 8, False))


def test_bad_backend_arguments_are_refused():
    with pytest.raises(ConfigError, match="lpf_limit"):
        ZigZagSimulator(lpf_limit=8)
    with pytest.raises(ConfigError, match="opt"):
        ZigZagSimulator(opt="area")
    sim = ZigZagSimulator(cache_dir="/nonexistent-never-written")
    with pytest.raises(UnknownWorkloadError, match="conv9"):
        sim.check_workload("resnet18:conv9")
    with pytest.raises(UnknownWorkloadError, match="layer subset"):
        sim.check_workload("resnet99")


def test_recorded_tpu_like_layers_sum_to_zigzags_own_expected_figure():
    # zigzag-dse 3.9.1's tests/main/test_origin/test_tpu_like.py expects ResNet-18 (ONNX) on its
    # bundled tpu_like to cost 1,871,436,380.656 pJ and 3,865,041 cycles; the per-layer figures it
    # dumped (tests/data) add up to exactly that. The integration test re-runs two of those layers live.
    layers = json.loads((DATA / "zigzag_tpu_like_resnet18.json").read_text())["layers"]
    assert len(layers) == 21
    assert sum(r["energy_pj"] for r in layers.values()) == pytest.approx(1871436380.6559997, rel=1e-12)
    assert sum(r["latency_cycles"] for r in layers.values()) == 3865041.0


def test_scalesim_takes_the_systolic_designs():
    from archgym.simulators.accelerator.zigzag_translate import scalesim_design

    d = dict(BASELINE, pe_rows=32, pe_cols=64, dataflow="ws", glb_kib=256)
    # 256 KiB / 3 = 85 KiB → 64 KiB per SRAM
    assert scalesim_design(d) == {"array_rows": 32, "array_cols": 64, "dataflow": "ws", "ifmap_sram_kib": 64, "filter_sram_kib": 64, "ofmap_sram_kib": 64}
    with pytest.raises(ValueError, match="systolic"):
        scalesim_design(dict(d, dataflow="rs"))
    with pytest.raises(ValueError, match="powers of two"):
        scalesim_design(dict(d, pe_rows=12))


def test_layer_subsets_are_workloads_of_both_backends():
    from archgym.simulators.accelerator.simulator import DNNAccelSimulator
    from archgym.simulators.networks import resolve_workload

    assert [la.name for la in resolve_workload("resnet18:conv1+fc")] == ["conv1", "fc"]
    sim = DNNAccelSimulator()
    whole = sim.report(BASELINE, "resnet18")
    part = sim.evaluate(BASELINE, "resnet18:conv1+fc")
    by_name = {r["layer"]: r for r in whole}
    assert part["latency_cycles"] == pytest.approx(by_name["conv1"]["cycles"] + by_name["fc"]["cycles"])
    with pytest.raises(UnknownWorkloadError, match="conv9"):
        sim.evaluate(BASELINE, "resnet18:conv9")
