"""Calibration against DRAMSys 4.0: every row of ``data/reference/dramsys4_calibration.csv``.

15 controller designs (the page-policy x scheduler grid at the baseline's other knobs, and three
random designs with small request buffers) on the four ArchGym traces, as the DRAMSys 4.0 binary
reports them. The model must land within 2 % on total time and energy (and so on power).
"""

from __future__ import annotations

import csv

import pytest

from archgym.simulators.dram import DramSimulator
from archgym.simulators.dram.config import DATA_DIR

CSV = DATA_DIR / "reference" / "dramsys4_calibration.csv"
KNOBS = ("PagePolicy", "Scheduler", "SchedulerBuffer", "RequestBufferSize", "RespQueue", "RefreshPolicy",
         "RefreshMaxPostponed", "RefreshMaxPulledin", "PowerDownPolicy", "Arbiter", "MaxActiveTransactions")
INTEGER_KNOBS = ("RequestBufferSize", "RefreshMaxPostponed", "RefreshMaxPulledin", "MaxActiveTransactions")


def _rows() -> list[dict[str, str]]:
    with open(CSV, newline="") as f:
        return list(csv.DictReader(f))


ROWS = _rows()


@pytest.fixture(scope="module")
def sim() -> DramSimulator:
    return DramSimulator()


def test_the_reference_covers_the_grid_and_small_buffers():
    assert len(ROWS) == 60
    assert {r["trace"] for r in ROWS} == {"stream.stl", "random.stl", "cloud-1.stl", "cloud-2.stl"}
    assert {r["CmdMux"] for r in ROWS} == {"Oldest"}  # the model's only command multiplexer
    assert sum(int(r["RequestBufferSize"]) <= 4 for r in ROWS) == 12


@pytest.mark.parametrize("row", ROWS, ids=[f"{r['trace'][:-4]}-{r['design_id']}" for r in ROWS])
def test_within_2_percent_of_dramsys4(sim, row):
    design = {k: int(row[k]) if k in INTEGER_KNOBS else row[k] for k in KNOBS}
    m = sim.evaluate(design, row["trace"].removesuffix(".stl"))
    assert m["total_time_ns"] == pytest.approx(float(row["total_time_ns"]), rel=0.02)
    assert m["energy_pj"] == pytest.approx(float(row["total_energy_pj"]), rel=0.02)
    assert m["power_mw"] == pytest.approx(float(row["average_power_mw"]), rel=0.02)
