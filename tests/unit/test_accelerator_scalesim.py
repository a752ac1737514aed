"""The SCALE-Sim adapter's input writing and report parsing (no SCALE-Sim run; see the integration test)."""

from __future__ import annotations

import configparser

import pytest

from archgym.errors import ArchGymError, ConfigError
from archgym.simulator import make_simulator
from archgym.simulators.accelerator.scalesim_backend import ScaleSimSimulator, parse_compute_report, topology_rows
from archgym.simulators.networks import load_network


def test_registered_and_slow():
    sim = make_simulator("scalesim")
    assert isinstance(sim, ScaleSimSimulator) and sim.fast is False
    assert "dram_words_per_cycle" not in sim.design_space.names
    assert "dram_words_per_cycle" in ScaleSimSimulator(mode="USER").design_space.names
    with pytest.raises(ConfigError):
        ScaleSimSimulator(mode="FAST")


def test_topology_rows_deduplicate_and_count():
    rows = topology_rows(load_network("resnet18"))
    assert len(rows) == 12  # 21 layers, 12 distinct shapes
    assert sum(count for _, count, _, _ in rows) == 21
    by_name = {name: (row, count) for row, count, _, name in rows}
    assert by_name["conv2_1a"] == ((58, 58, 3, 3, 64, 64, 1), 4)  # padded 56×56 input
    assert by_name["fc"] == ((1, 512, 1, 512, 1, 1000, 1), 1)  # SCALE-Sim's GEMM lowering
    macs = sum(count * m for _, count, m, _ in rows)
    assert macs == sum(layer.macs() for layer in load_network("resnet18"))


def test_depthwise_becomes_groups_runs():
    rows = topology_rows(load_network("mobilenet_v2"))
    row, count, _, _ = next(r for r in rows if r[3] == "b1_dw")
    assert row[4:6] == (1, 1) and count == 96


def test_inputs_have_every_section(tmp_path):
    sim = ScaleSimSimulator()
    config, topology, layout = sim.write_inputs(sim.default_design(), topology_rows(load_network("alexnet")), tmp_path)
    cfg = configparser.ConfigParser()
    cfg.read(config)
    assert {"general", "architecture_presets", "layout", "sparsity", "run_presets"} <= set(cfg.sections())
    assert cfg["run_presets"]["InterfaceBandwidth"] == "CALC"
    assert len(topology.read_text().splitlines()) == 1 + 8
    assert len(layout.read_text().splitlines()) == 1 + 8


def test_compute_report_parsing_and_errors(tmp_path):
    report = tmp_path / "COMPUTE_REPORT.csv"
    report.write_text(
        "LayerID, Total Cycles (incl. prefetch), Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, Compute Util %,\n"
        "0, 1341, 263, 0, 42.7, 62.5, 42.6,\n"
    )
    assert parse_compute_report(report) == [{"total_cycles": 263.0, "total_with_prefetch": 1341.0, "stall_cycles": 0.0, "overall_util_pct": 42.7}]
    report.write_text(report.read_text() + "1, x, 5, 0, 1, 1, 1,\n")
    with pytest.raises(ArchGymError, match="COMPUTE_REPORT.csv:3"):
        parse_compute_report(report)
    with pytest.raises(ArchGymError, match="wrote no"):
        parse_compute_report(tmp_path / "missing.csv")
