"""Energy of one training iteration from stated per-operation and per-byte constants.

``E = MACs·e_mac + buffer bytes·e_sram + DRAM bytes·e_dram + SORE compares·e_cmp
+ vector FMAs·e_fma + P_static·time`` with the constants of :mod:`.constants`
(operations and DRAM: Horowitz, ISSCC 2014, 45 nm; static power: an assumption). Buffer bytes
are the FP16 operand words injected at the STCE's edges (``folds · T · (rows + cols)``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from archgym.simulators.sparse_sat import constants as K
from archgym.simulators.sparse_sat.model import PHASES, PhaseCosts
from archgym.simulators.sparse_sat.schedule import IterationTiming

__all__ = ["EnergyBreakdown", "iteration_energy"]


@dataclass(frozen=True)
class EnergyBreakdown:
    """Energy of one iteration by component, in picojoules."""

    mac_pj: float
    sram_pj: float
    dram_pj: float
    sore_pj: float
    vector_pj: float
    static_pj: float

    @property
    def total_pj(self) -> float:
        return self.mac_pj + self.sram_pj + self.dram_pj + self.sore_pj + self.vector_pj + self.static_pj


def iteration_energy(costs: PhaseCosts, timing: IterationTiming, phases: Sequence[str] = PHASES) -> EnergyBreakdown:
    """Energy of the iteration timed by ``timing`` (same ``phases``)."""
    rows = [PHASES.index(p) for p in phases]
    edge_words = float(costs.edge_words[rows].sum())
    sore_rows = [0] + ([1] if "bp" in phases else [])
    compares = float(costs.sore_compares[sore_rows].sum())
    fmas = float(costs.vector_fmas.sum()) if "wu" in phases else 0.0
    return EnergyBreakdown(
        mac_pj=timing.macs * K.E_MAC_FP16_PJ,
        sram_pj=edge_words * K.BYTES_FP16 * K.E_SRAM_PJ_PER_BYTE,
        dram_pj=timing.dram_bytes * K.E_DRAM_PJ_PER_BYTE,
        sore_pj=compares * K.E_CMP_FP16_PJ,
        vector_pj=fmas * K.E_FMA_FP32_PJ,
        static_pj=K.STATIC_POWER_W * timing.time_s * 1e12,
    )
