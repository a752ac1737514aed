"""Stated constants of the SAT model: device budget, per-unit resource costs, energy, accuracy.

Every number here is either a vendor or paper fact (cited) or a modelling assumption (marked
``ASSUMPTION``). Nothing is fitted to the paper's speed-up: the 2:8-vs-dense figure must come
out of the mechanisms in :mod:`.model` and :mod:`.schedule`.
"""

from __future__ import annotations

from dataclasses import dataclass

# --------------------------------------------------------------------------------------
# Device: Xilinx VCU1525 board, XCVU9P FPGA (UltraScale+ product tables, DS890; VCU1525 UG1268)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeviceBudget:
    """Resources left to the user design on the card (after the platform shell)."""

    name: str = "XCVU9P (VCU1525)"
    dsp: int = 6833  #: DSP48E2 slices left by a typical shell (6,840 on the die)
    bram36: int = 1896  #: 36 Kb block RAMs left by a typical shell (2,160 on the die)
    uram: int = 960  #: 288 Kb UltraRAMs (all of them)
    lut: int = 1_182_240  #: CLB LUTs on the die
    ddr_channels: int = 4  #: DDR4-2400 channels on the card


XCVU9P = DeviceBudget()

#: DDR4-2400, 64-bit channel: 2400 MT/s × 8 B = 19.2 GB/s peak (JEDEC JESD79-4).
DDR4_2400_GBPS_PER_CHANNEL = 19.2
#: ASSUMPTION: sustained fraction of peak DDR bandwidth for long sequential bursts.
DDR_EFFICIENCY = 0.85

BRAM36_BYTES = 4608  #: 36 Kb = 4.5 KiB (data + parity, usable as 72-bit words)
BRAM36_PORT_BITS = 72
URAM_BYTES = 36864  #: 288 Kb = 36 KiB
URAM_PORT_BITS = 72

# --------------------------------------------------------------------------------------
# Per-unit resource costs (ASSUMPTION: orders of magnitude from Xilinx Floating-Point
# Operator v7.1 (PG060) resource tables for UltraScale+, rounded; documented in docs/sparse_sat.md)
# --------------------------------------------------------------------------------------

DSP_PER_PE = 2  #: FP16 multiplier (1 DSP48E2) + FP32 accumulate adder (1 DSP48E2)
LUT_PER_PE = 250  #: N:M index decode and M-to-1 operand mux, FP32 adder glue logic, control
DSP_PER_VECTOR_LANE = 3  #: one FP32 fused multiply-add per lane
LUT_PER_VECTOR_LANE = 900
LUT_PER_SORE_LANE = 1800  #: an M-input FP16 compare/select (top-k) pipeline per lane
BRAM_PER_SORE_LANE = 2  #: group input and pruned-output FIFOs
BRAM_PER_VECTOR_LANE = 1
BRAM_PER_DDR_CHANNEL = 25  #: DDR4 memory-interface (MIG) buffers
LUT_PER_DDR_CHANNEL = 12_000  #: DDR4 memory-interface (MIG) controller logic
LUT_FIXED = 60_000  #: host DMA, control, schedulers and interconnect

# --------------------------------------------------------------------------------------
# Energy (per operation / per byte). Operation energies from M. Horowitz, "Computing's energy
# problem (and what we can do about it)", ISSCC 2014, 45 nm; DRAM from the same talk's
# 1.3–2.6 nJ per 64-bit DRAM access (lower end). FPGA static power: ASSUMPTION, typical
# Xilinx Power Estimator figure for a large UltraScale+ part at 85 °C junction.
# --------------------------------------------------------------------------------------

E_MAC_FP16_PJ = 1.1 + 0.9  #: FP16 multiply (1.1 pJ) + FP32 accumulate add (0.9 pJ)
E_FMA_FP32_PJ = 3.7 + 0.9  #: FP32 multiply (3.7 pJ) + FP32 add (0.9 pJ), vector engine
E_CMP_FP16_PJ = 0.4  #: an FP16 compare ≈ an FP16 add (0.4 pJ), SORE top-k step
E_SRAM_PJ_PER_BYTE = 10.0 / 8  #: 8 KB SRAM, 64-bit read ≈ 10 pJ
E_DRAM_PJ_PER_BYTE = 1300.0 / 8  #: 1.3 nJ per 64-bit DRAM access
STATIC_POWER_W = 3.0  #: ASSUMPTION: FPGA static + board idle power

# --------------------------------------------------------------------------------------
# Precision (the paper: FP16 compute, FP32 master weights)
# --------------------------------------------------------------------------------------

BYTES_FP16 = 2
BYTES_FP32 = 4
#: Master-weight update, per weight: read FP32 master and momentum, read FP16 gradient,
#: write FP32 master and momentum, write the FP16 working copy (SGD with momentum).
MASTER_UPDATE_BYTES = 4 + 4 + 2 + 4 + 4 + 2
MASTER_UPDATE_FMAS = 2  #: momentum update and weight update, one FMA each

# --------------------------------------------------------------------------------------
# Accuracy cost of the sparsity pattern (top-1 points lost vs dense training)
# --------------------------------------------------------------------------------------

#: The one published point: BDWP at 2:8 loses 0.56 % on average (Fang et al., TCAD 2023).
PAPER_ACCURACY_COST_PCT = {("bdwp", 2, 8): 0.56}
