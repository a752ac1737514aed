"""FPGA resource estimates of a SAT design against the XCVU9P budget.

| unit | DSP | LUT | BRAM36 | URAM |
|---|---|---|---|---|
| STCE PE (× rows·cols) | 2 | 250 | — | — |
| STCE output (accumulator) buffer | — | — | ``max(⌈rows·cols·8 B / 4.5 KiB⌉, 2·⌈cols·32 b / 72 b⌉)`` | — |
| activation/gradient buffer | — | — | — | ``max(⌈size / 36 KiB⌉, 2·⌈rows·16 b / 72 b⌉)`` |
| weight buffer | — | — | — | ``max(⌈size / 36 KiB⌉, 2·⌈cols·(16 + idx) b / 72 b⌉)`` |
| SORE lane (× lanes) | — | 1,800 | 2 | — |
| vector-engine lane (× cols) | 3 | 900 | 1 | — |
| DDR4 channel (× channels) | — | 12,000 | 25 | — |
| fixed (DMA, control, interconnect) | — | 60,000 | — | — |

A buffer needs enough blocks for its capacity *and* for its port width (one operand per array
row or column per cycle, double-buffered), whichever is more. Per-unit figures are stated
assumptions (see :mod:`.constants`); the budget is the vendor's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from archgym.simulators.sparse_sat import constants as K
from archgym.simulators.sparse_sat.config import SATConfig

__all__ = ["Resources", "estimate_resources", "over_budget"]


@dataclass(frozen=True)
class Resources:
    """Estimated FPGA resources of one design."""

    dsp: int
    lut: int
    bram36: int
    uram: int

    def utilisation(self, budget: K.DeviceBudget = K.XCVU9P) -> dict[str, float]:
        """Fraction of the budget used, per resource."""
        return {
            "dsp": self.dsp / budget.dsp,
            "lut": self.lut / budget.lut,
            "bram36": self.bram36 / budget.bram36,
            "uram": self.uram / budget.uram,
        }


def estimate_resources(cfg: SATConfig) -> Resources:
    """Resource estimate of ``cfg`` (see the module table)."""
    pes = cfg.rows * cfg.cols
    vec = cfg.vector_lanes
    idx_bits = cfg.sparsity.index_bits
    dsp = pes * K.DSP_PER_PE + vec * K.DSP_PER_VECTOR_LANE
    lut = (
        pes * K.LUT_PER_PE
        + cfg.sore_lanes * K.LUT_PER_SORE_LANE
        + vec * K.LUT_PER_VECTOR_LANE
        + cfg.ddr_channels * K.LUT_PER_DDR_CHANNEL
        + K.LUT_FIXED
    )
    out_buf = max(math.ceil(pes * 8 / K.BRAM36_BYTES), 2 * math.ceil(cfg.cols * 32 / K.BRAM36_PORT_BITS))
    bram = (
        out_buf
        + cfg.sore_lanes * K.BRAM_PER_SORE_LANE
        + vec * K.BRAM_PER_VECTOR_LANE
        + cfg.ddr_channels * K.BRAM_PER_DDR_CHANNEL
    )
    act = max(math.ceil(cfg.act_buffer_kib * 1024 / K.URAM_BYTES), 2 * math.ceil(cfg.rows * 16 / K.URAM_PORT_BITS))
    wgt = max(
        math.ceil(cfg.weight_buffer_kib * 1024 / K.URAM_BYTES),
        2 * math.ceil(cfg.cols * (16 + idx_bits) / K.URAM_PORT_BITS),
    )
    return Resources(dsp=dsp, lut=lut, bram36=bram, uram=act + wgt)


def over_budget(res: Resources, cfg: SATConfig, budget: K.DeviceBudget = K.XCVU9P) -> str | None:
    """Why ``res`` does not fit ``budget`` (every exceeded resource, with numbers), or ``None``."""
    problems = []
    for name in ("dsp", "lut", "bram36", "uram"):
        used, avail = getattr(res, name), getattr(budget, name)
        if used > avail:
            problems.append(f"{name.upper()} {used:,} > {avail:,}")
    if cfg.ddr_channels > budget.ddr_channels:
        problems.append(f"DDR channels {cfg.ddr_channels} > {budget.ddr_channels}")
    if not problems:
        return None
    return (
        f"over the {budget.name} budget ({'; '.join(problems)}) with a {cfg.rows}×{cfg.cols} STCE, "
        f"{cfg.sore_lanes} SORE lanes, {cfg.act_buffer_kib} KiB + {cfg.weight_buffer_kib} KiB buffers"
    )
