"""DRAM simulator: DRAMSys formats, workloads and bad-input errors (file and line)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from archgym.errors import ConfigError, InvalidDesignError, UnknownWorkloadError
from archgym.simulators.dram import DramSimulator
from archgym.simulators.dram.config import DATA_DIR, load_mcconfig, load_memspec, load_simulation
from archgym.simulators.dram.trace import load_stl, synthetic

DDR3 = DATA_DIR / "memspecs" / "MICRON_1Gb_DDR3-1600_8bit_G.json"


@pytest.fixture(scope="module")
def sim() -> DramSimulator:
    return DramSimulator()


def test_card(sim):
    assert sim.name == "dram"
    assert sim.workloads == ("stream", "random", "cloud-1", "cloud-2")
    for m in sim.metrics:
        assert m.name.isidentifier() and m.unit
    space = sim.design_space
    assert space["RequestBufferSize"].contains(128) and space["MaxActiveTransactions"].contains(128)
    assert space["RefreshMaxPostponed"].values() == list(range(1, 9))
    assert space["PowerDownPolicy"].values() == ["NoPowerDown", "Staggered"]
    assert space["RefreshPolicy"].values() == ["NoRefresh", "AllBank"]
    assert DramSimulator(device="lpddr4").design_space["RefreshPolicy"].values() == ["NoRefresh", "AllBank", "PerBank"]


def test_default_objective_targets_power_and_time(sim):
    obj = sim.default_objective("stream")
    base = sim.evaluate(sim.default_design(), "stream")
    assert set(obj.targets) == {"power_mw", "total_time_ns"}
    assert obj.targets["total_time_ns"] == pytest.approx(0.8 * base["total_time_ns"])


def test_simulation_json_loads_as_is(sim):
    s = DramSimulator()
    design, workload = s.design_from_config(DATA_DIR / "simulations" / "ddr3-example.json")
    assert workload == "random"
    assert design["RequestBufferSize"] == 1 and design["RefreshPolicy"] == "NoRefresh"
    assert design["MaxActiveTransactions"] == 1
    assert s.evaluate(design, workload)["total_time_ns"] > sim.evaluate(sim.default_design(), "random")["total_time_ns"]


def test_users_own_dramsys_layout(tmp_path):
    """A DRAMSys resource tree (configs/<kind>/…, traces/) with its own trace and a DDR4 device."""
    for kind in ("memspecs", "amconfigs", "mcconfigs"):
        (tmp_path / kind).mkdir()
    shutil.copy(DATA_DIR / "memspecs" / "JEDEC_4Gb_DDR4-2400_8bit_A.json", tmp_path / "memspecs")
    shutil.copy(DATA_DIR / "amconfigs" / "am_ddr4_8x4Gbx8_dimm_p1KB_brc.json", tmp_path / "amconfigs")
    shutil.copy(DATA_DIR / "mcconfigs" / "fr_fcfs.json", tmp_path / "mcconfigs")
    (tmp_path / "traces").mkdir()
    (tmp_path / "traces" / "mine.stl").write_text("".join(f"{i}:\twrite\t{hex(i * 64)}\n" for i in range(200)))
    (tmp_path / "simulations").mkdir()
    cfg = {"simulation": {"addressmapping": "am_ddr4_8x4Gbx8_dimm_p1KB_brc.json", "mcconfig": "fr_fcfs.json",
                          "memspec": "JEDEC_4Gb_DDR4-2400_8bit_A.json", "simconfig": "ddr4.json",
                          "simulationid": "mine", "tracesetup": [{"clkMhz": 1200, "name": "mine.stl"}]}}
    path = tmp_path / "simulations" / "mine.json"
    path.write_text(json.dumps(cfg, indent=2))
    s = DramSimulator()
    design, workload = s.design_from_config(path)
    assert s.memspec.memory_type == "DDR4"
    assert design["Scheduler"] == "FrFcfs"
    assert Path(workload).name == "mine.stl"
    m = s.evaluate(design, workload)
    assert m["bandwidth_gbps"] > 0


def test_mcconfig_alone(sim):
    design, workload = DramSimulator().design_from_config(DATA_DIR / "mcconfigs" / "fr_fcfs_grp.json")
    assert workload is None and design["Scheduler"] == "FrFcfsGrp"


def test_malformed_trace_line_names_file_and_line(tmp_path):
    p = tmp_path / "bad.stl"
    p.write_text("0:\tread\t0x0\n1:\tread\t0x40\n2:\tfetch\t0x80\n")
    with pytest.raises(ConfigError, match=r"bad\.stl:3: malformed trace line"):
        load_stl(p)


def test_address_beyond_device_names_file_and_line(tmp_path, sim):
    p = tmp_path / "far.stl"
    p.write_text("0:\tread\t0x0\n# comment\n5:\tread\t0x40000000\n")
    with pytest.raises(ConfigError, match=r"far\.stl:3: address 0x40000000 is beyond the device"):
        sim.evaluate(sim.default_design(), str(p))


def test_unknown_memspec_field_names_file_and_line(tmp_path):
    text = DDR3.read_text().replace('"RFC": 88,', '"RFC": 88,\n            "tFOO": 3,')
    p = tmp_path / "spec.json"
    p.write_text(text)
    line = text.splitlines().index('            "tFOO": 3,') + 1
    with pytest.raises(ConfigError, match=rf"spec\.json:{line}: unknown memtimingspec field 'tFOO'"):
        load_memspec(p)


def test_malformed_json_names_line(tmp_path):
    p = tmp_path / "broken.json"
    p.write_text('{"mcconfig": {\n  "PagePolicy": "Open",\n  "Scheduler" "Fifo"\n}}')
    with pytest.raises(ConfigError, match=r"broken\.json:3:"):
        load_mcconfig(p)


def test_bad_mcconfig_value(tmp_path):
    p = tmp_path / "mc.json"
    p.write_text('{"mcconfig": {"PagePolicy": "Opne"}}')
    with pytest.raises(ConfigError, match=r"mc\.json:1: PagePolicy 'Opne' is not modelled.*did you mean 'Open'"):
        load_mcconfig(p)


def test_missing_reference_in_simulation(tmp_path):
    p = tmp_path / "sim.json"
    p.write_text(json.dumps({"simulation": {"memspec": "nope.json", "addressmapping": "x", "mcconfig": "y"}}))
    with pytest.raises(ConfigError, match="memspec file 'nope.json' not found"):
        load_simulation(p)


def test_bad_workloads_and_designs(sim):
    with pytest.raises(UnknownWorkloadError, match="did you mean 'stream'"):
        sim.evaluate(sim.default_design(), "steam")
    with pytest.raises(UnknownWorkloadError, match="synthetic pattern 'zigzag'"):
        sim.evaluate(sim.default_design(), "synthetic:zigzag")
    with pytest.raises(UnknownWorkloadError, match="unknown key 'reads'"):
        sim.evaluate(sim.default_design(), "synthetic:random:reads=0.5")
    with pytest.raises(InvalidDesignError):
        sim.evaluate({**sim.default_design(), "RequestBufferSize": 0}, "stream")
    with pytest.raises(ConfigError, match="unknown device"):
        DramSimulator(device="ddr9")


def test_synthetic_traces_are_seeded():
    a = synthetic("synthetic:random:n=100:read=0.5:seed=3", 64, 1 << 30)
    b = synthetic("synthetic:random:n=100:read=0.5:seed=3", 64, 1 << 30)
    c = synthetic("synthetic:random:n=100:read=0.5:seed=4", 64, 1 << 30)
    assert (a.address == b.address).all() and (a.is_write == b.is_write).all()
    assert not (a.address == c.address).all()
    s = synthetic("synthetic:strided:n=10:stride=4096", 64, 1 << 30)
    assert list(s.address[:3]) == [0, 4096, 8192]
    assert 0.3 < a.is_write.mean() < 0.7
