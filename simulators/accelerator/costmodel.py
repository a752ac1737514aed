"""Analytical cost model of a spatial DNN accelerator, vectorised over designs and layers.

The machine: DRAM → global buffer (GLB, ``banks`` SRAM banks of 64-bit ports) → NoC (``noc``
words/cycle) → an ``rows × cols`` PE array, each PE a MAC with a private register file (RF).
A layer (lowered to a GEMM ``M × N × K``, repeated ``rep`` times; :mod:`archgym.simulators.networks`) runs as:

**Compute (array timing)** and **GLB ↔ array traffic**: :func:`loop_nest`. A systolic array
(``ws``, ``os``, ``is``) streams the layer's im2col GEMM (``M = B·OY·OX``, ``N = K``,
``K = C·FY·FX`` per group) in folds of the shared systolic formula
(:func:`archgym.simulators.systolic.gemm_cycles`: ``⌈·/R⌉·⌈·/C⌉`` folds of ``T + R + C − 2`` for
``os``, ``T + 2R + C − 2`` for ``ws``/``is``), which is SCALE-Sim's timing exactly (version 5;
versions 2–4 timed the named-loop unrolling below, which SCALE-Sim does not do). Row-stationary
``rs`` folds (multicast, not systolic) run the named-loop unrolling: one fold per combination of
spatial fold indices (:mod:`.loops`), ``T`` = product of the temporal loops each. Partly filled
folds cost full ones: that is the spatial under-use. Data movement follows the named-loop
unrolling for every dataflow (the GLB feeds the array the distinct words a fold touches; an im2col
stream is generated from the real tensor, not stored). Each fold reads the
distinct words it touches of every operand and writes its outputs; a PE keeps one input operand
across the folds of loops it does not depend on, and its partial sums across reduction folds,
when its RF has room (each takes half; chosen where fewer words move). Register-file accesses:
:data:`RF_PER_MAC` per MAC (the stationary input operand is not re-read; a streamed one is read
once; the partial sum read and written) plus every word entering or leaving the array.

The row-stationary and systolic helpers below give each dataflow's register-file need and the
minimum DRAM tile of the mapper (one fold of the lowered GEMM).

**DRAM ↔ GLB traffic**: the mapper of :mod:`.mapper` (best loop order and tile sizes that fit).

**Cycles** of a layer: ``max(max(compute, GLB, NoC) + prologue, DRAM)`` — double-buffering
overlaps memory with compute, so the slowest of the four sets the pace (the layer is *compute-*
or *memory-bound*); the on-chip work cannot start before the first tile has arrived from DRAM
nor end before the last tile's outputs have left (``prologue = one tile's bytes / DRAM bytes per
cycle``: its inputs in, its outputs out), while the DRAM's own busy time already contains those
transfers (version 2 added the prologue to a DRAM-bound layer's DRAM time as well, counting them twice). DRAM cycles = bytes / (GB/s ÷ GHz); GLB
cycles = the busier of its read and write ports (each bank has one of each, 64 bits wide): reads
to the array and write-backs to DRAM, or writes from the array and fills from DRAM, over
``banks · 64 / bits`` words per cycle; NoC cycles = the busier direction / NoC width.

**Energy** = MAC + RF + NoC + GLB + DRAM terms (:mod:`.tables`): ``MACs·e_mac``,
``RF accesses·e_rf(rf size)``, ``NoC words·e_noc``, ``(NoC words + DRAM words)·e_glb(GLB size)``
(every DRAM word is also written to or read from the GLB; the GLB is charged at its total
size), ``DRAM words·e_dram``.

**Infeasible**: the GLB cannot hold the smallest legal tile of some layer, or (row-stationary)
the RF cannot hold one filter row, one input window and one partial sum (``2·S + 1`` words).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from archgym.simulators.accelerator import tables
from archgym.simulators.accelerator.loops import LOOP_DIMS, SPATIAL, STATIONARY, layer_loops, spatial_unrolling
from archgym.simulators.accelerator.mapper import Tiling, best_tiling, fixed_tiling
from archgym.simulators.networks import Layer
from archgym.simulators.systolic import DATAFLOWS as SYSTOLIC_DATAFLOWS
from archgym.simulators.systolic import gemm_cycles

__all__ = ["DATAFLOWS", "Hardware", "LayerArrays", "LayerCosts", "evaluate_layers"]

DATAFLOWS: tuple[str, ...] = ("rs", "ws", "os", "is")
SRAM_PORT_BITS = tables.SRAM_PORT_BITS


def _ceil_div(a, b):
    return -(-np.asarray(a, dtype=np.int64) // np.asarray(b, dtype=np.int64))


@dataclass(frozen=True)
class LayerArrays:
    """Per-layer quantities as ``(L,)`` arrays (one GEMM repeat unless stated)."""

    names: tuple[str, ...]
    M: np.ndarray
    N: np.ndarray
    K: np.ndarray
    rep: np.ndarray  # repeats of the GEMM (groups, heads × batch)
    rho: np.ndarray  # real input words / (M·K), ≤ 1
    in_words: np.ndarray  # real input words of one repeat
    R: np.ndarray
    S: np.ndarray
    X: np.ndarray
    rows_out: np.ndarray  # batch·Y output rows (row-stationary columns)
    C_group: np.ndarray  # input channels per group
    macs: np.ndarray  # MACs of the whole layer (all repeats)
    loops: dict[str, np.ndarray]  # loop bounds of one group (:func:`.loops.layer_loops`), plus "stride"

    @classmethod
    def from_layers(cls, layers: tuple[Layer, ...] | list[Layer]) -> LayerArrays:
        cols: dict[str, list] = {k: [] for k in ("M", "N", "K", "rep", "in_words", "R", "S", "X", "rows_out", "C_group")}
        for layer in layers:
            m, n, k = layer.gemm()
            rep = layer.repeats()
            if layer.kind == "conv":
                h, w = layer.input_hw
                in_words = layer.batch * (layer.C // layer.groups) * h * w
                x, r, s, rows_out = layer.X, layer.R, layer.S, layer.batch * layer.Y
            else:  # fc / gemm: one "row" per token, no sliding window
                in_words, x, r, s, rows_out = m * k, 1, 1, 1, m
            for key, val in zip(cols, (m, n, k, rep, min(in_words, m * k), r, s, x, rows_out, k // (r * s))):
                cols[key].append(val)
        arr = {k: np.asarray(v, dtype=np.int64) for k, v in cols.items()}
        nests = [layer_loops(layer) for layer in layers]
        loops = {d: np.asarray([n[d] for n in nests], dtype=np.int64) for d in (*LOOP_DIMS, "stride")}
        return cls(
            loops=loops,
            names=tuple(layer.name for layer in layers),
            rho=arr["in_words"] / (arr["M"] * arr["K"]).astype(np.float64),
            macs=arr["rep"] * arr["M"] * arr["N"] * arr["K"],
            **arr,
        )


@dataclass(frozen=True)
class Hardware:
    """Hardware parameters of ``D`` designs as ``(D, 1)`` arrays (broadcast against layers)."""

    rows: np.ndarray
    cols: np.ndarray
    rf_bytes: np.ndarray
    rf_sram: np.ndarray  # bool: RF class "sram" (else flip-flop "regfile")
    glb_kib: np.ndarray
    glb_banks: np.ndarray
    noc_words: np.ndarray  # words per cycle
    dram_gbps: np.ndarray
    bits: np.ndarray
    clock_ghz: float = 1.0

    @classmethod
    def from_designs(cls, designs: list[dict[str, Any]], clock_ghz: float = 1.0) -> Hardware:
        def col(key, dtype=np.int64):
            return np.asarray([d[key] for d in designs], dtype=dtype)[:, None]

        return cls(
            rows=col("pe_rows"),
            cols=col("pe_cols"),
            rf_bytes=col("rf_bytes"),
            rf_sram=np.asarray([d["rf_class"] == "sram" for d in designs])[:, None],
            glb_kib=col("glb_kib"),
            glb_banks=col("glb_banks"),
            noc_words=col("noc_words"),
            dram_gbps=col("dram_gbps", np.float64),
            bits=col("precision_bits"),
            clock_ghz=clock_ghz,
        )

    @property
    def pes(self) -> np.ndarray:
        return self.rows * self.cols

    def area_mm2(self) -> dict[str, np.ndarray]:
        """Area terms (mm²) of each design, ``(D,)`` arrays."""
        pe = self.pes * tables.a_pe_mm2(self.bits, self.rf_bytes, self.rf_sram)
        glb = tables.a_glb_mm2(self.glb_kib * 1024, self.glb_banks)
        noc = tables.a_noc_mm2(self.noc_words, self.bits, self.pes)
        phy = tables.PHY_MM2_PER_GBPS * self.dram_gbps
        return {k: np.asarray(v, dtype=np.float64)[:, 0] for k, v in (("pe_array", pe), ("glb", glb), ("noc", noc), ("dram_phy", phy))}


@dataclass
class LayerCosts:
    """Per-(design, layer) results, ``(D, L)`` arrays; ``feasible`` False rows hold NaN."""

    feasible: np.ndarray
    reason: np.ndarray  # 0 ok, 1 GLB too small, 2 RF too small
    cycles: np.ndarray
    compute_cycles: np.ndarray
    dram_cycles: np.ndarray
    glb_cycles: np.ndarray
    noc_cycles: np.ndarray
    prologue_cycles: np.ndarray
    energy_pj: dict[str, np.ndarray]
    dram_words: np.ndarray
    glb_accesses: np.ndarray
    noc_words: np.ndarray
    glb_required_words: np.ndarray
    min_glb_words: np.ndarray
    rf_required_words: np.ndarray
    tiling: Tiling

    @property
    def energy_total_pj(self) -> np.ndarray:
        return sum(self.energy_pj.values())

    @property
    def bound(self) -> np.ndarray:
        """Which resource sets each layer's pace: 0 compute, 1 DRAM, 2 GLB, 3 NoC."""
        return np.argmax(np.stack([self.compute_cycles, self.dram_cycles, self.glb_cycles, self.noc_cycles]), axis=0)


def _row_stationary(la: LayerArrays, hw: Hardware):
    """Register-file need (words) and minimum DRAM tile ``(D, L, 3)`` of the row-stationary dataflow."""
    rows, cols = hw.rows, hw.cols
    R, S, bY, Cg = la.R, la.S, la.rows_out, la.C_group
    p = np.clip(rows // R, 1, Cg)
    shape = np.broadcast_shapes(p.shape, np.shape(bY), np.shape(cols))
    rf_need = np.broadcast_to(2 * S + 1, shape)  # one filter row, one input window, one partial sum
    # Minimum tile: one output pixel per used column (the rest of the row streams through the
    # PE) × the filter rows and channels that fill the used PE rows.
    g_m = np.minimum(la.M, np.minimum(bY, cols))
    g_k = np.minimum(la.K, np.minimum(p * R, rows) * S)
    g = np.stack(np.broadcast_arrays(g_m, np.ones(shape, dtype=np.int64), g_k), axis=-1)
    return rf_need, g


def _systolic(la: LayerArrays, hw: Hardware, dataflow: str):
    """The same for the systolic dataflows ``os``, ``ws``, ``is`` (a tile fills one fold of the array)."""
    rows, cols = hw.rows, hw.cols
    M, N, K = la.M, la.N, la.K
    shape = np.broadcast_shapes(np.shape(M), np.shape(rows))
    if dataflow == "os":
        g = (np.minimum(M, rows), np.minimum(N, cols), 1)
    elif dataflow == "ws":
        g = (1, np.minimum(N, cols), np.minimum(K, rows))
    else:
        g = (np.minimum(M, cols), 1, np.minimum(K, rows))
    g = np.stack(np.broadcast_arrays(*g, np.zeros(shape, dtype=np.int64)), axis=-1)[..., :3]
    return np.full(shape, 3), g


def _whole_windows(g, la: LayerArrays):
    """Raise the minimum reduction tile to one whole filter window (``R·S`` taps).

    The mapper counts a convolution's input at its real size (``ρ·M·K`` words, the sliding-window
    reuse), which holds only if a GLB tile spans whole windows: a tile of fewer taps re-reads the
    input once per tap (the im2col size), and its footprint ``ρ·T_m·T_k`` would be smaller than
    the ``T_m`` distinct inputs even one tap touches. Version 3 therefore never tiles the
    reduction below ``R·S`` (version 2 let it go to 1 tap, and its footprint and traffic were
    then too small)."""
    g = np.array(g, dtype=np.int64, copy=True)
    g[..., 2] = np.maximum(g[..., 2], np.minimum(la.K, la.R * la.S))
    return g


#: Register-file accesses per MAC by dataflow: the stationary input operand is read once per fold
#: (not per MAC), a streamed input once per MAC, the partial sum read and written per MAC.
RF_PER_MAC: dict[str, float] = {"ws": 3.0, "os": 4.0, "is": 3.0, "rs": 3.0}


def _input_extent(o_ext, f_ext, stride):
    """Input rows (or columns) touched by ``o_ext`` output and ``f_ext`` filter rows at ``stride``."""
    return np.minimum((o_ext - 1) * stride + f_ext, o_ext * f_ext)


def loop_nest(la: LayerArrays, hw: Hardware, dataflow: str):
    """Compute cycles and GLB ↔ array traffic of the dataflow's loop-nest unrolling, ``(D, L)``.

    The array runs *folds*: one value of every spatial loop's fold index (``⌈L_d/u_d⌉`` each,
    :func:`.loops.spatial_unrolling`), inside which the temporal loops stream ``T = Π L_t``
    cycles. Cycles: on the systolic dataflows the shared systolic formula
    (:func:`~archgym.simulators.systolic.gemm_cycles`) on the im2col GEMM, as SCALE-Sim times it
    (rows take the flattened ``C·FY·FX`` or ``B·OY·OX``, not one named loop at a time); ``rs``
    folds (multicast, not systolic) take ``T`` cycles each; partly filled folds cost full ones
    (spatial under-use). Each fold reads from the GLB the
    distinct words of every operand it touches (the stationary operand's tile once; a streamed
    input's sliding windows once — convolutional reuse inside the fold) and writes its outputs;
    outputs of a reduction split over several folds are read back as partial sums.

    Returns:
        ``(compute, reads, writes, rf_fills)``: cycles, GLB words read into the array and written
        back, and register-file writes of the words read (each word once per PE it reaches), of one group.
    """
    L = {d: np.asarray(la.loops[d]) for d in LOOP_DIMS}
    u = spatial_unrolling(L, hw.rows, hw.cols, dataflow)
    spatial = set(SPATIAL[dataflow][0] + SPATIAL[dataflow][1])
    folds_r = np.prod([_ceil_div(L[d], u[d]) for d in SPATIAL[dataflow][0]], axis=0)
    folds_c = np.prod([_ceil_div(L[d], u[d]) for d in SPATIAL[dataflow][1]], axis=0)
    if dataflow in SYSTOLIC_DATAFLOWS:  # a systolic array streams the im2col GEMM (SCALE-Sim's timing)
        compute = np.broadcast_to(gemm_cycles(la.M, la.N, la.K, hw.rows, hw.cols, dataflow), folds_r.shape)
    else:  # rs is not systolic: operands are multicast, a fold pays no pipeline fill (the NoC bound covers loading)
        T = np.prod([np.broadcast_to(L[d], u[d].shape) for d in LOOP_DIMS if d not in spatial], axis=0)
        compute = (folds_r * folds_c * T).astype(np.int64)
    ext = {d: (u[d] if d in spatial else np.broadcast_to(L[d], u[d].shape)) for d in LOOP_DIMS}
    folds = folds_r * folds_c
    stride = np.asarray(la.loops["stride"])
    w_fold = ext["K"] * ext["C"] * ext["FY"] * ext["FX"]
    i_fold = ext["B"] * ext["C"] * _input_extent(ext["OY"], ext["FY"], stride) * _input_extent(ext["OX"], ext["FX"], stride)
    o_fold = ext["B"] * ext["K"] * ext["OY"] * ext["OX"]
    writes = folds * o_fold
    o_words = L["B"] * L["K"] * L["OY"] * L["OX"]
    half_rf = np.maximum(hw.rf_bytes * 8 // hw.bits // 2, 1)
    # Input reuse across folds: with the folds of the loops an operand does not depend on run
    # innermost, each PE keeps its words of that operand in half its RF (if they fit) and the
    # operand is read once per fold of the others. The operand that saves more takes the RF half.
    # (Output-stationary PEs may keep the outputs of those folds instead, see below.)
    w_reads, i_reads = folds * w_fold, folds * i_fold
    saved, f_irrs, f_macs, via_outputs = [], [], [], []
    stat_fold = w_fold if STATIONARY[dataflow] == "W" else i_fold
    for op, words, fold, irrelevant, relevant in (("W", w_reads, w_fold, ("B", "OY", "OX"), ("K", "C", "FY", "FX")),
                                                  ("I", i_reads, i_fold, ("K",), ("B", "C", "OY", "OX", "FY", "FX"))):
        f_irr = np.prod([_ceil_div(L[d], u[d]) for d in irrelevant if d in spatial] or [np.ones_like(folds)], axis=0)
        pes = np.prod([u[d] for d in relevant if d in spatial] or [np.ones_like(folds)], axis=0)
        per_pe = _ceil_div(fold, pes)
        held = words - words // f_irr  # the PE holds its words of the operand across those folds
        if dataflow == "os":
            # os: each PE holds one output per fold, so it can instead keep the outputs of g of those
            # folds (g ≤ half the RF) while the operand streams once per group of g folds in chunks
            # of the reduction (version 3 only when all f_irr outputs fit: g = f_irr).
            g = np.minimum(f_irr, half_rf)
            grouped = words - words // f_irr * _ceil_div(f_irr, g)
            in_rf = np.where(per_pe <= half_rf, held, 0)
            saved.append(np.maximum(grouped, in_rf))
            via_outputs.append((grouped >= in_rf) & (grouped > 0))
            f_macs.append(g)
        else:
            # The temporal loops can be cut into chunks whose words fit, at the cost of reloading the
            # stationary operand (a different one) once per chunk.
            if STATIONARY[dataflow] == op:
                chunked = 0
            else:
                chunked = np.maximum(held - folds * stat_fold * (_ceil_div(per_pe, half_rf) - 1), 0)
            saved.append(np.where(per_pe <= half_rf, held, chunked))
            via_outputs.append(np.zeros(np.shape(held), dtype=bool))
            f_macs.append(f_irr)
        f_irrs.append(f_irr)
    # The cross-fold saving goes to the operand that saves more (the other streams as before) ...
    keep_w = saved[0] >= saved[1]
    both = np.zeros_like(keep_w)
    if dataflow == "os":
        # ... except on os when the outputs of both operands' folds fit (f_W·f_I words): the folds of
        # the one with more folds run innermost (it stays in the MAC's input register, ZigZag's
        # MAC-level stationarity), the other's are next (it stays in the RF), and both save.
        both = f_irrs[0] * f_irrs[1] <= half_rf
    w_reads = w_reads - np.where(keep_w | both, saved[0], 0)
    i_reads = i_reads - np.where(keep_w & ~both, 0, saved[1])
    # The operand kept by running its folds innermost with the outputs held is read by the MAC
    # once per f folds instead of every MAC.
    inner_w = np.where(both, f_irrs[0] > f_irrs[1], keep_w)
    f_inner = np.where(inner_w, f_macs[0], f_macs[1])
    by_outputs = np.where(inner_w, via_outputs[0], via_outputs[1]) & (np.where(inner_w, saved[0], saved[1]) > 0)
    macs = np.prod([np.broadcast_to(L[d], u[d].shape) for d in LOOP_DIMS], axis=0).astype(np.float64)
    mac_reads_saved = np.where(by_outputs, macs * (1.0 - 1.0 / f_inner), 0.0)
    psum_back = writes - o_words  # partial sums read back into the array
    if dataflow != "os":  # the reduction is (partly) spatial: partial sums may stay in the PEs instead
        # Keep each PE's partial sums in the other RF half across the reduction folds: outputs per PE
        # (temporal output loops) in chunks of half the RF; the stationary operand is then reloaded
        # once per chunk. Taken where it moves fewer words (a two-level mapping choice).
        rf_psum = half_rf
        per_pe = np.prod([np.broadcast_to(L[d], u[d].shape) for d in ("B", "K", "OY", "OX") if d not in spatial], axis=0)
        chunks = _ceil_div(per_pe, rf_psum)
        stat = w_fold if STATIONARY[dataflow] == "W" else i_fold
        reload = folds * stat * (chunks - 1)
        better = w_reads + i_reads + reload + o_words < w_reads + i_reads + psum_back + writes
        w_reads = w_reads + np.where(better & (STATIONARY[dataflow] == "W"), reload, 0)
        i_reads = i_reads + np.where(better & (STATIONARY[dataflow] != "W"), reload, 0)
        psum_back, writes = np.where(better, 0, psum_back), np.where(better, o_words, writes)
    reads = w_reads + i_reads + psum_back
    # Register-file fills (version 4): a word read from the GLB is written into the RF of every PE
    # that uses it (multicast or forwarded along a row/column), so each operand's fills are its GLB
    # reads × its fan-out: the PEs of a fold / the PEs one word reaches. Weights: the spatial loops
    # they do not depend on (B, OY, OX). Inputs: every PE's own window of the fold (B·C·rows·cols of
    # input under its temporal loops) over the fold's distinct inputs, so sliding windows that
    # overlap across PEs (rs diagonals, os neighbouring pixels) are written once per PE.
    pes_used = np.prod([u[d] for d in spatial], axis=0)
    fan_w = np.prod([u[d] for d in ("B", "OY", "OX") if d in spatial] or [np.ones_like(folds)], axis=0)
    pe = {d: (np.ones_like(u[d]) if d in spatial else np.broadcast_to(L[d], u[d].shape)) for d in LOOP_DIMS}
    i_pe = pe["B"] * pe["C"] * _input_extent(pe["OY"], pe["FY"], stride) * _input_extent(pe["OX"], pe["FX"], stride)
    fan_i = pes_used * i_pe / i_fold
    rf_fills = w_reads * fan_w + i_reads * fan_i + psum_back
    rf_acc = RF_PER_MAC[dataflow] * macs - mac_reads_saved + rf_fills + writes
    return compute, reads.astype(np.float64), writes.astype(np.float64), rf_acc


def evaluate_layers(
    la: LayerArrays, hw: Hardware, dataflow: str, fixed: tuple[str, tuple[int, int, int]] | None = None
) -> LayerCosts:
    """Cost every layer of ``la`` on every design of ``hw`` under one ``dataflow``.

    Args:
        la: the layers.
        hw: ``D`` designs (all with this dataflow).
        dataflow: ``"rs"``, ``"ws"``, ``"os"`` or ``"is"``.
        fixed: ``(loop order, (splits of m, n, k))`` — a given DRAM-level tiling (the mapping
            env), tiles clamped to the minimum tile; ``None`` runs the mapper.

    Returns:
        :class:`LayerCosts` with ``(D, L)`` arrays.
    """
    if dataflow == "rs":
        rf_need, g = _row_stationary(la, hw)
    elif dataflow in ("os", "ws", "is"):
        rf_need, g = _systolic(la, hw, dataflow)
    else:
        raise ValueError(f"unknown dataflow {dataflow!r}; allowed: {', '.join(DATAFLOWS)}")
    g = _whole_windows(g, la)
    compute, reads, writes, rf_acc = loop_nest(la, hw, dataflow)
    shape = np.broadcast_shapes(compute.shape, hw.rows.shape)
    bits = hw.bits.astype(np.float64)
    word_bytes = bits / 8.0
    cap_words = hw.glb_kib * 1024 * 8 // hw.bits
    g = np.broadcast_to(g, shape + (3,))
    if fixed is None:
        tiling = best_tiling(la.M, la.N, la.K, la.rho, g, cap_words)
    else:
        tiling = fixed_tiling(la.M, la.N, la.K, la.rho, fixed[0], fixed[1], cap_words, g)
    rf_words = hw.rf_bytes * 8 // hw.bits
    rf_ok = rf_words >= rf_need
    feasible = tiling.feasible & rf_ok
    reason = np.where(~tiling.feasible, 1, np.where(~rf_ok, 2, 0))

    rep = la.rep.astype(np.float64)
    compute_c = rep * compute
    dram_words = rep * tiling.dram_words
    noc_words = rep * (reads + writes)
    glb_acc = noc_words + dram_words
    bytes_per_cycle = hw.dram_gbps / hw.clock_ghz
    dram_c = dram_words * word_bytes / bytes_per_cycle
    # The GLB banks have a read and a write port each, and the NoC carries its width in each
    # direction (the same machine the ZigZag translation writes): reads feed the array and write
    # outputs back to DRAM, writes take the array's outputs and the DRAM fills.
    write_back = np.minimum(rep * la.M * la.N, dram_words)
    glb_port_words = np.maximum(rep * reads + write_back, rep * writes + dram_words - write_back)
    glb_c = glb_port_words / (hw.glb_banks * (SRAM_PORT_BITS / bits))
    noc_c = rep * np.maximum(reads, writes) / hw.noc_words

    prologue = tiling.footprint_words / 2.0 * word_bytes / bytes_per_cycle
    # On-chip work starts when the first tile has arrived and ends when the last outputs have left:
    # + prologue. The DRAM's own busy time already contains that first load and last store.
    cycles = np.maximum(np.maximum(compute_c, np.maximum(glb_c, noc_c)) + prologue, dram_c)

    macs = la.macs.astype(np.float64)
    rf_acc = rep * rf_acc
    energy = {
        "mac": np.broadcast_to(macs * tables.e_mac(bits), shape),
        "rf": np.broadcast_to(rf_acc * tables.e_rf_word(hw.rf_bytes, bits, hw.rf_sram), shape),
        "noc": noc_words * tables.e_noc_word(bits, hw.pes),
        "glb": glb_acc * tables.e_glb_word(hw.glb_kib * 1024, bits),
        "dram": dram_words * tables.e_dram_word(bits),
    }
    nan = np.where(feasible, 1.0, np.nan)
    return LayerCosts(
        feasible=feasible,
        reason=reason,
        cycles=cycles * nan,
        compute_cycles=compute_c * nan,
        dram_cycles=dram_c * nan,
        glb_cycles=glb_c * nan,
        noc_cycles=noc_c * nan,
        prologue_cycles=prologue * nan,
        energy_pj={k: v * nan for k, v in energy.items()},
        dram_words=dram_words * nan,
        glb_accesses=glb_acc * nan,
        noc_words=noc_words * nan,
        glb_required_words=tiling.footprint_words * nan,
        min_glb_words=tiling.min_footprint_words,
        rf_required_words=np.broadcast_to(rf_need, shape),
        tiling=tiling,
    )
