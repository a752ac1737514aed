"""DRAM simulator: command-log checker over random traces and random controller configurations."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archgym.simulators.dram import DramSimulator
from archgym.simulators.dram.checker import check_command_log
from archgym.simulators.dram.trace import Trace

pytestmark = pytest.mark.slow

SIMS = {d: DramSimulator(device=d) for d in ("ddr3", "ddr4", "lpddr4")}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    device=st.sampled_from(sorted(SIMS)),
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 400),
    max_gap=st.sampled_from([1, 8, 100, 2500]),
    write_fraction=st.floats(0, 1),
    hot_rows=st.booleans(),
)
def test_every_issued_command_is_legal(device, seed, n, max_gap, write_fraction, hot_rows):
    sim = SIMS[device]
    rng = np.random.default_rng(seed)
    bpb = sim.memspec.bytes_per_burst
    slots = (1 << sim.mapping.address_bits) // bpb
    addr = rng.integers(0, slots, n) * bpb
    if hot_rows:  # few rows and columns: many hits, conflicts and same-address hazards
        addr = (addr & ~((1 << 22) - 1)) % (1 << 24) | (rng.integers(0, 4, n) * bpb)
    cycles = np.cumsum(rng.integers(0, max_gap + 1, n))
    tr = Trace(cycles.astype(np.int64), rng.random(n) < write_fraction, addr.astype(np.int64), "hypothesis")
    design = sim.design_space.sample(rng, 1)[0]
    r = sim.run_trace(design, tr, log=True)
    ms = sim.memspec
    errors = check_command_log(r["command_log"], sim.timing, ms.banks, ms.bank_groups, ms.ranks)
    assert errors == [], (design, errors[:5])
    assert (r["response_cycle"] >= 0).all()
    # nothing returns faster than the data latency of an open-row access
    min_latency = min(sim.timing["RL"], sim.timing["WL"]) + sim.timing["BURST"]
    assert (r["latency_ns"] >= min_latency * ms.tck_ns - 1e-6).all()
    cas = r["counts"]["rd"] + r["counts"]["wr"]
    assert cas == n
    if design["RefreshPolicy"] == "NoRefresh":
        assert r["counts"]["ref"] == r["counts"]["refpb"] == 0
    m = r["metrics"]
    assert m["energy_pj"] == pytest.approx(sum(r["energy_components"].values()))
    assert 0.0 <= m["row_hit_rate"] <= 1.0


def test_batch_of_100_designs_on_one_trace():
    sim = SIMS["ddr3"]
    designs = sim.design_space.sample(np.random.default_rng(0), 100)
    out = sim.evaluate_batch(designs, "cloud-1")
    assert len(out) == 100 and all(m["total_time_ns"] > 0 for m in out)
    assert out[3] == sim.evaluate(designs[3], "cloud-1")
