"""DRAMSys 4.0's own figures for 15 controller designs × the four ArchGym traces.

``data/reference/dramsys4_calibration.csv`` (see ``data/README.md``): the PagePolicy ×
Scheduler grid at the baseline's other knobs and three random designs with small request
buffers, as the DRAMSys 4.0 binary reports them. The calibration test and
``benchmarks/bench_dram.py`` compare the model against every row.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass

from archgym.space import Design

from .config import DATA_DIR

REFERENCE_CSV = DATA_DIR / "reference" / "dramsys4_calibration.csv"


@dataclass(frozen=True)
class ReferenceRow:
    """One DRAMSys 4.0 run.

    Attributes:
        workload: the trace (``stream``, ``random``, ``cloud-1``, ``cloud-2``).
        design_id: ``grid_00`` … ``grid_11``, ``rand_06``, ``rand_08``, ``rand_17``.
        design: the controller knobs, as a design of the ``dram`` simulator.
        cmd_mux: DRAMSys's command multiplexer (``Oldest`` throughout, the model's only one).
        total_time_ns, energy_pj, power_mw, bandwidth_gbit_s: "Total Time", "Total Energy",
            "Average Power" and "AVG BW" (Gb/s) as DRAMSys prints them.
    """

    workload: str
    design_id: str
    design: Design
    cmd_mux: str
    total_time_ns: float
    energy_pj: float
    power_mw: float
    bandwidth_gbit_s: float


def dramsys4_reference() -> list[ReferenceRow]:
    """Every row of the reference file, in file order."""
    from .simulator import BASELINE

    rows = []
    with open(REFERENCE_CSV, newline="") as f:
        for r in csv.DictReader(f):
            design = {k: int(r[k]) if isinstance(BASELINE[k], int) else r[k] for k in BASELINE}
            rows.append(ReferenceRow(
                workload=r["trace"].removesuffix(".stl"), design_id=r["design_id"], design=design,
                cmd_mux=r["CmdMux"], total_time_ns=float(r["total_time_ns"]),
                energy_pj=float(r["total_energy_pj"]), power_mw=float(r["average_power_mw"]),
                bandwidth_gbit_s=float(r["avg_bw_gbps"])))
    return rows
