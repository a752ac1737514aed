"""Calibration against DRAMSys 4.0: every row of ``data/reference/dramsys4_calibration.csv``.

15 controller designs (the page-policy x scheduler grid at the baseline's other knobs, and three
random designs with small request buffers) on the four ArchGym traces, as the DRAMSys 4.0 binary
reports them. The model must land within 2 % on total time and energy (and so on power).
"""

from __future__ import annotations

import pytest

from archgym.simulators.dram import DramSimulator
from archgym.simulators.dram.reference import dramsys4_reference

ROWS = dramsys4_reference()


@pytest.fixture(scope="module")
def sim() -> DramSimulator:
    return DramSimulator()


def test_the_reference_covers_the_grid_and_small_buffers():
    assert len(ROWS) == 60
    assert {r.workload for r in ROWS} == {"stream", "random", "cloud-1", "cloud-2"}
    assert {r.cmd_mux for r in ROWS} == {"Oldest"}  # the model's only command multiplexer
    assert sum(r.design["RequestBufferSize"] <= 4 for r in ROWS) == 12


@pytest.mark.parametrize("row", ROWS, ids=[f"{r.workload}-{r.design_id}" for r in ROWS])
def test_within_2_percent_of_dramsys4(sim, row):
    m = sim.evaluate(row.design, row.workload)
    assert m["total_time_ns"] == pytest.approx(row.total_time_ns, rel=0.02)
    assert m["energy_pj"] == pytest.approx(row.energy_pj, rel=0.02)
    assert m["power_mw"] == pytest.approx(row.power_mw, rel=0.02)
