"""DRAM simulator: golden timings hand-derived from the DDR3-1600 memspec, calibration, sanity."""

from __future__ import annotations

import numpy as np
import pytest

from archgym.simulators.dram import DramSimulator
from archgym.simulators.dram.checker import check_command_log
from archgym.simulators.dram.engine import ACT, COMMAND_NAMES, RDA, REFA
from archgym.simulators.dram.trace import Trace

# MICRON_1Gb_DDR3-1600_8bit_G: tCK = 1.25 ns, RCD = RP = CL = 10, BL8 -> 4 cycles, RRD = 5,
# FAW = 24, RFC = 88, REFI = 6240 cycles. Mapping rbc: bank = bits 13-15, row = bits 16-29.
TCK = 1.25
ROW = 1 << 16
BANK = 1 << 13


@pytest.fixture(scope="module")
def sim() -> DramSimulator:
    return DramSimulator()


def trace(cycles, addresses, writes=None) -> Trace:
    n = len(cycles)
    w = np.zeros(n, bool) if writes is None else np.asarray(writes, bool)
    return Trace(np.asarray(cycles, np.int64), w, np.asarray(addresses, np.int64), "test")


def test_read_to_idle_bank_costs_rcd_cl_burst(sim):
    r = sim.run_trace(sim.default_design(), trace([0], [0]))
    assert r["latency_ns"][0] == pytest.approx((10 + 10 + 4) * TCK)
    assert r["metrics"]["total_time_ns"] == pytest.approx(24 * TCK)


def test_row_hit_costs_cl_burst(sim):
    r = sim.run_trace(sim.default_design(), trace([0, 100], [0, 64]))
    assert r["latency_ns"][1] == pytest.approx((10 + 4) * TCK)
    assert r["metrics"]["row_hit_rate"] == pytest.approx(0.5)


def test_row_conflict_costs_rp_rcd_cl_burst(sim):
    r = sim.run_trace(sim.default_design(), trace([0, 100], [0, ROW]))
    assert r["latency_ns"][1] == pytest.approx((10 + 10 + 10 + 4) * TCK)
    assert r["metrics"]["row_hit_rate"] == 0.0


def test_fifth_activate_waits_for_tfaw(sim):
    r = sim.run_trace(sim.default_design(), trace([0] * 5, [b * BANK for b in range(5)]), log=True)
    acts = [int(t) for t, c, *_ in r["command_log"] if c == ACT]
    # tRRD = 5; one command per cycle, oldest first: bank 0's RD takes cycle 10 (tRCD), so the
    # third ACT slips to 11 and the fourth to 16. tRRD alone would allow the fifth at 21;
    # tFAW = 24 after the first holds it to 24.
    assert acts == [0, 5, 11, 16, 24]


def test_refresh_blocks_the_rank_for_trfc(sim):
    # Idle until the first refresh at tREFI = 6240; a read arriving one cycle later waits tRFC.
    r = sim.run_trace(sim.default_design(), trace([6241], [0]), log=True)
    refs = [int(t) for t, c, *_ in r["command_log"] if c == REFA]
    assert refs[0] == 6240
    act = next(int(t) for t, c, *_ in r["command_log"] if c == ACT)
    assert act == 6240 + 88
    assert r["latency_ns"][0] == pytest.approx((6240 + 88 + 10 + 10 + 4 - 6241) * TCK)
    no_ref = sim.run_trace({**sim.default_design(), "RefreshPolicy": "NoRefresh"}, trace([6241], [0]))
    assert no_ref["latency_ns"][0] == pytest.approx(24 * TCK)


def test_refresh_keeps_pace_under_load(sim):
    d = {**sim.default_design(), "RefreshMaxPostponed": 2}
    r = sim.run(d, "random", log=True)
    refs = [int(t) for t, c, *_ in r["command_log"] if c == REFA]
    # postponed at most 2 intervals: every window of 3 tREFI holds a refresh
    assert len(refs) >= r["end_cycle"] // 6240 - 2
    assert np.all(np.diff(refs) >= 88)


def test_closed_page_has_no_row_hits(sim):
    d = {**sim.default_design(), "PagePolicy": "Closed"}
    r = sim.run(d, "stream", log=True)
    assert r["metrics"]["row_hit_rate"] == 0.0
    cas = [c for _, c, *_ in r["command_log"] if COMMAND_NAMES[c] in ("RD", "RDA")]
    assert set(cas) == {RDA}


# -- small request buffers: the slot frees at the CAS; RDA waits tRCD only (DRAMSys 4.0) -------
CLOSED_1 = {"PagePolicy": "Closed", "RequestBufferSize": 1}


def test_one_entry_buffer_by_hand(sim):
    # Bankwise, 1 entry, Closed page; reads at cycle 0 to bank 0 row 0, bank 0 row 1, bank 1 row 0.
    # r0 stored at 0: ACT 0, RDA 10 (tRCD; no tRAS lock-out), data until 10 + CL + BL/2 = 24.
    # The RDA frees r0's slot; r1 is stored at 10 (same bank): ACT waits for max(RDA + tRTP + tRP,
    # ACT + tRC) = max(26, 38) = 38, RDA 48, data until 62. Bankwise checks the bank of the last
    # stored request, so r2 (bank 1, empty) waits for r1's RDA: stored at 48, ACT 49 (bus), RDA 59,
    # data until 73.
    tr = trace([0, 0, 0], [0, ROW, BANK])
    r = sim.run_trace({**sim.default_design(), **CLOSED_1}, tr, log=True)
    cmds = [(int(t), COMMAND_NAMES[c], int(x)) for t, c, _, _, _, x in r["command_log"]]
    assert cmds == [(0, "ACT", 0), (10, "RDA", 0), (38, "ACT", 1), (48, "RDA", 1), (49, "ACT", 2), (59, "RDA", 2)]
    assert list(r["response_cycle"]) == [24, 62, 73]
    assert r["metrics"]["total_time_ns"] == pytest.approx(73 * TCK)
    # With 8 entries all three are stored at once: ACT b0 0, ACT b1 5 (tRRD), RDA b0 10, RDA b1 15,
    # ACT b0 38 (tRC), RDA b0 48: data until 24, 62 and 29.
    r8 = sim.run_trace({**sim.default_design(), **CLOSED_1, "RequestBufferSize": 8}, tr)
    assert list(r8["response_cycle"]) == [24, 62, 29]


@pytest.mark.parametrize("arbiter", ["Simple", "Fifo"])
def test_trace_player_waits_for_end_req_and_its_next_clock_edge(arbiter):
    # A 100 MHz player (8 controller cycles per player cycle); two reads stamped 0, banks 0 and 1.
    # r0 is accepted at cycle 0 (END_REQ from the controller, or from the Fifo arbiter on
    # admission); the player sends r1 at its next edge, 10 ns = cycle 8, not at 0. So ACT b1 at 8
    # (not tRRD = 5), RD 18, data until 18 + CL + BL/2 = 32; r0: ACT 0, RD 10, data until 24.
    s = DramSimulator(player_clk_mhz=100)
    r = s.run_trace({**s.default_design(), "Arbiter": arbiter}, trace([0, 0], [0, BANK]), log=True)
    acts = [int(t) for t, c, *_ in r["command_log"] if c == ACT]
    assert acts == [0, 8]
    assert list(r["response_cycle"]) == [24, 32]


# -- calibration against DRAMSys 4.0 ------------------------------------------------------------
# -- sanity relations ----------------------------------------------------------------------------
def test_frfcfs_hits_at_least_fifo_on_stream(sim):
    fifo = sim.evaluate(sim.default_design(), "stream")
    fr = sim.evaluate({**sim.default_design(), "Scheduler": "FrFcfs"}, "stream")
    assert fr["row_hit_rate"] >= fifo["row_hit_rate"]


def test_frfcfs_beats_fifo_on_interleaved_rows(sim):
    # two rows of one bank interleaved: FR-FCFS serves the open row's requests first
    addr = [(i % 2) * ROW + (i // 2) * 64 for i in range(64)]
    fifo = sim.run_trace(sim.default_design(), trace([0] * 64, addr))["metrics"]
    fr = sim.run_trace({**sim.default_design(), "Scheduler": "FrFcfs"}, trace([0] * 64, addr))["metrics"]
    assert fr["row_hit_rate"] > fifo["row_hit_rate"]
    assert fr["total_time_ns"] < fifo["total_time_ns"]


def test_no_refresh_uses_less_energy(sim):
    on = sim.evaluate(sim.default_design(), "random")
    off = sim.evaluate({**sim.default_design(), "RefreshPolicy": "NoRefresh"}, "random")
    assert off["energy_pj"] < on["energy_pj"]


def test_energy_is_the_sum_of_components(sim):
    r = sim.run({**sim.default_design(), "PowerDownPolicy": "Staggered"}, "synthetic:random:n=2000:read=0.6:interval=40")
    assert r["metrics"]["energy_pj"] == pytest.approx(sum(r["energy_components"].values()))
    assert r["energy_components"]["pre_powerdown_pj"] + r["energy_components"]["act_powerdown_pj"] > 0
    assert r["metrics"]["power_mw"] == pytest.approx(r["metrics"]["energy_pj"] / r["metrics"]["total_time_ns"])


def test_power_down_saves_energy_when_idle(sim):
    w = "synthetic:random:n=1000:interval=200:seed=1"
    on = sim.evaluate({**sim.default_design(), "PowerDownPolicy": "Staggered"}, w)
    off = sim.evaluate(sim.default_design(), w)
    assert on["energy_pj"] < off["energy_pj"]


def test_stream_runs_at_peak_bandwidth(sim):
    m = sim.evaluate(sim.default_design(), "stream")
    assert m["bandwidth_gbps"] == pytest.approx(12.8, rel=0.01)  # 64 bit x 1600 MT/s
    assert m["p99_latency_ns"] >= m["avg_latency_ns"] > 0


def test_deterministic_and_batch_matches_single(sim):
    rng = np.random.default_rng(7)
    designs = sim.design_space.sample(rng, 4)
    batch = sim.evaluate_batch(designs, "cloud-1")
    assert batch == [sim.evaluate(d, "cloud-1") for d in designs]


def test_default_log_is_legal(sim):
    r = sim.run(sim.default_design(), "cloud-2", log=True)
    s = sim.memspec
    assert check_command_log(r["command_log"], sim.timing, s.banks, s.bank_groups, s.ranks) == []


@pytest.mark.parametrize("device", ["ddr4", "lpddr4"])
def test_other_devices_run_legally(device):
    s = DramSimulator(device=device)
    d = s.default_design()
    if device == "lpddr4":
        d["RefreshPolicy"] = "PerBank"
    r = s.run(d, "synthetic:mixed:n=3000:read=0.7:seed=2", log=True)
    ms = s.memspec
    assert check_command_log(r["command_log"], s.timing, ms.banks, ms.bank_groups, ms.ranks) == []
    assert r["metrics"]["total_time_ns"] > 0 and r["metrics"]["energy_pj"] > 0
    if device == "lpddr4":
        assert r["counts"]["refpb"] > 0


def test_ddr4_bank_groups_matter():
    s = DramSimulator(device="ddr4")
    # same bank group (bank bits vary) vs different bank groups (group bits vary), row hits
    same = s.run_trace(s.default_design(), trace([0] * 64, [(i % 4) * (1 << 30) + (i // 4) * 64 for i in range(64)]))
    diff = s.run_trace(s.default_design(), trace([0] * 64, [(i % 4) * (1 << 28) + (i // 4) * 64 for i in range(64)]))
    assert diff["metrics"]["total_time_ns"] < same["metrics"]["total_time_ns"]  # tCCD_S < tCCD_L
