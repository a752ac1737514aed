"""Per-access energy and per-component area tables of the analytical accelerator model.

Everything is for a 45 nm process at 0.9 V, the node of the one widely quoted table of
arithmetic and memory energies:

    M. Horowitz, "Computing's energy problem (and what we can do about it)", ISSCC 2014,
    slide "Energy and area of operations" (45 nm, 0.9 V).

| operation (Horowitz 2014) | energy | area |
|---|---|---|
| 8-bit integer add | 0.03 pJ | 36 µm² |
| 32-bit integer add | 0.1 pJ | 137 µm² |
| 8-bit integer multiply | 0.2 pJ | 282 µm² |
| 32-bit integer multiply | 3.1 pJ | 3495 µm² |
| 64-bit SRAM read, 8 KB / 32 KB / 1 MB | 10 / 20 / 100 pJ | — |
| 64-bit DRAM read | 1.3–2.6 nJ | — |

What we derive from it (each line is an assumption of this model, stated here once):

* **MAC** = a ``b``-bit multiplier plus a ``2b``-bit accumulator adder; 16-bit figures are the
  geometric mean of the 8- and 32-bit ones: 8-bit MAC 0.255 pJ / 352 µm², 16-bit MAC
  0.887 pJ / 1130 µm².
* **SRAM** (global buffer, and the ``"sram"`` register-file class): a fit through Horowitz's
  three points, ``E64(S) = 1.27 + 3.09·√(S / KiB)`` pJ per 64-bit access of a bank of ``S``
  bytes (8 KiB → 10.0, 32 KiB → 18.7, 1 MiB → 100.1 pJ); a ``b``-bit word costs ``E64·b/64``.
  Area 0.7 µm² per bit (a 0.35 µm² 6T cell at 50 % array efficiency) plus 2,000 µm² of
  periphery per bank or macro.
* **Register file** (class ``"regfile"``, flip-flops): anchored to Eyeriss's normalised costs
  (Chen, Emer, Sze, ISCA 2016; Sze et al., Proc. IEEE 2017 — RF 1×, inter-PE/NoC 2×, global buffer 6×, DRAM 200×
  the energy of a MAC): a 512-byte RF access costs one 16-bit MAC (0.887 pJ) per 16-bit word
  and scales linearly with the RF size (the read multiplexer grows with the entries); 3 µm² per
  bit. A flip-flop RF is cheaper than an SRAM macro below 512 B and dearer above.
* **NoC** (global buffer ↔ PE array): 2 × a 16-bit MAC per 16-bit word (Eyeriss's 2×),
  growing with the array's side ``√(PEs / 168)`` (wire length); area 50 µm² per bit of port
  width per unit of array side ``√PEs``. **Neighbour forwarding** inside a systolic array
  (a pipeline register and a short wire): 0.25 × a 16-bit MAC per 16-bit word.
* **DRAM**: 20 pJ per bit (Horowitz's 1.3 nJ per 64-bit access). The off-chip interface's
  area is 0.05 mm² per GB/s (an LPDDR-class PHY and controller of ~0.8 mm² for 16 GB/s, an
  order-of-magnitude assumption) so that bandwidth is not free.
* **PE overhead** (control, pipeline registers): 15 µm² per bit of precision.

All functions take scalars or NumPy arrays and broadcast.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "DRAM_PJ_PER_BIT",
    "PHY_MM2_PER_GBPS",
    "e_dram_word",
    "e_glb_word",
    "e_hop_word",
    "e_mac",
    "e_noc_word",
    "e_rf_word",
    "a_glb_mm2",
    "a_mac_um2",
    "a_noc_mm2",
    "a_pe_mm2",
    "a_rf_um2",
    "sram_e64",
]

# -- Horowitz 2014, 45 nm ------------------------------------------------------------------
_ADD_PJ = {8: 0.03, 32: 0.1}
_MUL_PJ = {8: 0.2, 32: 3.1}
_ADD_UM2 = {8: 36.0, 32: 137.0}
_MUL_UM2 = {8: 282.0, 32: 3495.0}


def _interp(table: dict[int, float], bits):
    """Geometric interpolation in ``log2(bits)`` between the 8- and 32-bit entries."""
    frac = (np.log2(np.asarray(bits, dtype=np.float64)) - 3.0) / 2.0  # 8 → 0, 32 → 1
    return table[8] * (table[32] / table[8]) ** frac


MAC16_PJ = float(_interp(_MUL_PJ, 16) + _interp(_ADD_PJ, 32))  # 0.887 pJ
DRAM_PJ_PER_BIT = 1300.0 / 64.0  # 20.3 pJ/bit
SRAM_UM2_PER_BIT = 0.7
SRAM_UM2_PER_BANK = 2000.0
RF_UM2_PER_BIT = 3.0
NOC_UM2_PER_BIT_SIDE = 50.0
PHY_MM2_PER_GBPS = 0.05
PE_OVERHEAD_UM2_PER_BIT = 15.0
#: Width of one SRAM bank port (bits): the 64-bit access of Horowitz's SRAM figures.
SRAM_PORT_BITS = 64
RF_ANCHOR_BYTES = 512.0


def e_mac(bits):
    """Energy of one MAC (pJ): a ``bits`` multiplier and a ``2·bits`` accumulator adder."""
    return _interp(_MUL_PJ, bits) + _interp(_ADD_PJ, 2 * np.asarray(bits))


def a_mac_um2(bits):
    """Area of one MAC unit (µm²)."""
    return _interp(_MUL_UM2, bits) + _interp(_ADD_UM2, 2 * np.asarray(bits))


def sram_e64(bank_bytes):
    """Energy of one 64-bit access to an SRAM bank of ``bank_bytes`` (pJ), fit to Horowitz 2014."""
    return 1.27 + 3.09 * np.sqrt(np.asarray(bank_bytes, dtype=np.float64) / 1024.0)


def e_glb_word(bank_bytes, bits):
    """Energy of one ``bits``-wide global-buffer access to a bank of ``bank_bytes`` (pJ)."""
    return sram_e64(bank_bytes) * np.asarray(bits) / 64.0


def e_rf_word(rf_bytes, bits, is_sram):
    """Energy of one register-file access (pJ) for the ``"regfile"`` or ``"sram"`` class."""
    rf_bytes = np.asarray(rf_bytes, dtype=np.float64)
    bits = np.asarray(bits, dtype=np.float64)
    flops = MAC16_PJ * (bits / 16.0) * (rf_bytes / RF_ANCHOR_BYTES)
    sram = sram_e64(rf_bytes) * bits / 64.0
    return np.where(is_sram, sram, flops)


def e_noc_word(bits, pes):
    """Energy of moving one word between the global buffer and a PE (pJ)."""
    return 2.0 * MAC16_PJ * (np.asarray(bits) / 16.0) * np.sqrt(np.asarray(pes, dtype=np.float64) / 168.0)


def e_hop_word(bits):
    """Energy of forwarding one word to a neighbouring PE in a systolic array (pJ)."""
    return 0.25 * MAC16_PJ * (np.asarray(bits) / 16.0)


def e_dram_word(bits):
    """Energy of moving one word to or from DRAM (pJ)."""
    return DRAM_PJ_PER_BIT * np.asarray(bits, dtype=np.float64)


def a_rf_um2(rf_bytes, is_sram):
    """Area of one PE's register file (µm²)."""
    bits = np.asarray(rf_bytes, dtype=np.float64) * 8.0
    return np.where(is_sram, bits * SRAM_UM2_PER_BIT + SRAM_UM2_PER_BANK, bits * RF_UM2_PER_BIT)


def a_pe_mm2(bits, rf_bytes, is_sram):
    """Area of one PE: MAC, register file and overhead (mm²)."""
    um2 = a_mac_um2(bits) + a_rf_um2(rf_bytes, is_sram) + PE_OVERHEAD_UM2_PER_BIT * np.asarray(bits)
    return um2 * 1e-6


def a_glb_mm2(glb_bytes, banks):
    """Area of the global buffer (mm²)."""
    return (np.asarray(glb_bytes, dtype=np.float64) * 8.0 * SRAM_UM2_PER_BIT + SRAM_UM2_PER_BANK * np.asarray(banks)) * 1e-6


def a_noc_mm2(noc_words, bits, pes):
    """Area of the global-buffer ↔ array network (mm²): port width × array side."""
    side = np.sqrt(np.asarray(pes, dtype=np.float64))
    return NOC_UM2_PER_BIT_SIDE * np.asarray(noc_words) * np.asarray(bits) * side * 1e-6
