"""Per-layer, per-phase cost model of one training iteration on SAT (vectorised over layers).

Training GEMMs of a layer whose forward GEMM is ``Y[M×N] = X[M×K] · W[K×N]`` (conv lowered by
im2col: ``M = batch·Y·X`` output pixels, ``N`` output channels, ``K = C·R·S``):

| phase | product | GEMM ``(M, N, K)`` | N:M sparse under BDWP |
|---|---|---|---|
| FF | ``Y = X · W`` | ``(M, N, K)`` | reduction ``K`` → ``⌈K·n/m⌉`` (W pruned along its rows) |
| BP | ``dX = dY · Wᵀ`` | ``(M, K, N)`` | reduction ``N`` → ``⌈N·n/m⌉`` (Wᵀ pruned along the transposed direction) |
| WU | ``dW = Xᵀ · dY`` | ``(K, N, M)`` | never (no weights in it) |

All three have ``M·N·K`` MACs when dense. The first layer computes no BP (its input gradient
is not needed). Attention's activation × activation GEMMs (``Q·Kᵀ``, ``P·V``) run the same three
shapes dense; their "WU" is the gradient of the second operand.

Compute cycles come from the shared systolic kernel :func:`archgym.simulators.systolic.gemm_cycles`
(SCALE-Sim's ``folds · τ``, every fold paying its own fill and drain inside ``τ``). With
**interleave mapping** consecutive folds are pipelined — the next fold's operands enter while
the previous fold drains, so a fold costs ``max(T, R)`` (``R`` cycles to swap the stationary
tile) and the last one ``T`` — and the fill/drain (read off the shared kernel as
``gemm_cycles / folds − T``) is paid once per dependency barrier (see :mod:`.schedule`).
This is :func:`pipelined_cycles`, the one timing function this module adds to the shared kernel.

DRAM bytes per phase follow a two-operand blocking model: hold a block of one input operand
in its buffer and stream the other once per block, whichever order moves fewer bytes, then
write the output once. FP16 activations and gradients; sparse weights as FP16 non-zeros plus
``⌈log2 M⌉`` index bits each; FP32 master weights in the vector engine's update.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from archgym.simulators.sparse_sat.config import SATConfig
from archgym.simulators.sparse_sat.constants import BYTES_FP16, BYTES_FP32, MASTER_UPDATE_BYTES, MASTER_UPDATE_FMAS
from archgym.simulators.sparse_sat.layers import LayerTable
from archgym.simulators.sparse_sat.sparsity import Sparsity
from archgym.simulators.systolic import fold_shape, gemm_cycles, sparse_k

__all__ = ["PHASES", "PhaseCosts", "phase_costs", "pipelined_cycles", "training_gemms"]

PHASES: tuple[str, ...] = ("ff", "bp", "wu")
_STCE_DATAFLOWS = ("os", "ws")


def _ceil_div(a, b):
    return -(-np.asarray(a, dtype=np.int64) // np.asarray(b, dtype=np.int64))


def training_gemms(table: LayerTable, sp: Sparsity) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``(M, N, K)`` of the FF, BP and WU GEMMs of every layer, each shaped ``(3, L)``.

    The reduction of FF (and of BP under BDWP) is shrunk by :func:`sparse_k` for layers with weights.
    """
    M, N, K = table.M, table.N, table.K
    Mp = np.stack([M, M, K])
    Np = np.stack([N, K, N])
    Kp = np.stack([K, N, M]).copy()
    w = table.has_weights
    if sp.ff_sparse:
        Kp[0] = np.where(w, sparse_k(K, sp.n, sp.m), K)
    if sp.bp_sparse:
        Kp[1] = np.where(w, sparse_k(N, sp.n, sp.m), N)
    return Mp, Np, Kp


def pipelined_cycles(M, N, K, rows: int, cols: int, dataflow: str, repeats=1):
    """Cycles of ``repeats`` copies of a GEMM with interleaved (pipelined) folds, fill/drain excluded.

    Returns ``(cycles, fill_drain)``: ``cycles = (F − 1)·max(T, rows) + T`` with ``F`` the total
    folds over all repeats and ``T`` the temporal length of a fold, and ``fill_drain`` the
    per-fold pipeline fill and drain of the shared kernel (``gemm_cycles / folds − T``), which
    an interleaved schedule pays once per dependency barrier.
    """
    sr, sc, t = fold_shape(M, N, K, dataflow)
    t = np.asarray(t, dtype=np.int64)
    folds = _ceil_div(sr, rows) * _ceil_div(sc, cols)
    full = gemm_cycles(M, N, K, rows, cols, dataflow)
    nonempty = full > 0
    safe = np.where(nonempty, folds, 1)
    fill_drain = np.where(nonempty, full // safe - t, 0)
    total_folds = folds * np.asarray(repeats, dtype=np.int64)
    cycles = np.where(nonempty, (total_folds - 1) * np.maximum(t, rows) + t, 0)
    return cycles, fill_drain


@dataclass(frozen=True, eq=False)
class PhaseCosts:
    """Costs of every (phase, layer), arrays shaped ``(3, L)`` (rows FF, BP, WU) unless stated.

    Attributes:
        active: bool, whether the phase runs (BP of the first layer does not).
        macs: multiply-accumulates actually executed (after N:M skipping).
        cycles: STCE compute cycles (interleaved: without the per-barrier fill/drain).
        fill_drain: pipeline fill/drain cycles paid per dependency barrier when interleaved
            (0 when not interleaved: then every fold's fill/drain is inside ``cycles``).
        dataflow: chosen dataflow, ``"os"``/``"ws"`` per entry (object array).
        edge_words: words injected at the array edges (on-chip buffer reads, for energy).
        dram_bytes: DRAM traffic of the phase.
        exposed_bytes: the first stationary block, which must arrive before the phase can start
            unless the offline schedule prefetched it.
        shared_dy_bytes: ``(L,)`` bytes of dY that WU re-reads unless fused with BP.
        sore_cycles, sore_bytes, sore_compares: ``(2, L)`` SORE work producing the FF-direction
            (row 0) and BP-direction (row 1) N:M weights.
        vector_cycles, vector_bytes, vector_fmas: ``(L,)`` FP32 master-weight update.
    """

    active: np.ndarray
    macs: np.ndarray
    cycles: np.ndarray
    fill_drain: np.ndarray
    dataflow: np.ndarray
    edge_words: np.ndarray
    dram_bytes: np.ndarray
    exposed_bytes: np.ndarray
    shared_dy_bytes: np.ndarray
    sore_cycles: np.ndarray
    sore_bytes: np.ndarray
    sore_compares: np.ndarray
    vector_cycles: np.ndarray
    vector_bytes: np.ndarray
    vector_fmas: np.ndarray


def _stce_costs(cfg: SATConfig, Mp, Np, Kp, rep, active):
    """Compute cycles, fill/drain, chosen dataflow and edge words for every (phase, layer).

    ``adaptive`` picks, per layer, the dataflow that minimises what the schedule charges: for
    FF the GEMM's cycles plus its barrier fill/drain; for the backward slot the BP and WU
    dataflows jointly (their cycles plus one shared barrier, :mod:`.schedule`).
    """
    R, C = cfg.rows, cfg.cols
    cyc, fd, edge = {}, {}, {}
    for df in _STCE_DATAFLOWS:
        if cfg.interleave:
            cyc[df], fd[df] = pipelined_cycles(Mp, Np, Kp, R, C, df, rep)
        else:
            cyc[df], fd[df] = rep * gemm_cycles(Mp, Np, Kp, R, C, df), np.zeros(Mp.shape, dtype=np.int64)
        cyc[df] = np.where(active, cyc[df], 0)
        fd[df] = np.where(active, fd[df], 0)
        sr, sc, t = fold_shape(Mp, Np, Kp, df)
        folds = _ceil_div(sr, R) * _ceil_div(sc, C) * rep
        edge[df] = np.where(active, folds * np.asarray(t, dtype=np.int64) * (R + C), 0)
    allowed = [_STCE_DATAFLOWS if p == "adaptive" else (p,) for p in (cfg.dataflow_ff, cfg.dataflow_bp, cfg.dataflow_wu)]
    L = Mp.shape[1]
    use_ws = np.zeros((3, L), dtype=bool)
    # FF: one GEMM per slot.
    best = None
    for df in allowed[0]:
        cost = cyc[df][0] + fd[df][0]
        if best is None:
            best = cost
            use_ws[0] = df == "ws"
        else:
            better = cost < best
            best = np.where(better, cost, best)
            use_ws[0] = np.where(better, df == "ws", use_ws[0])
    # Backward slot: BP and WU share one barrier.
    best = None
    for a in allowed[1]:
        for b in allowed[2]:
            cost = cyc[a][1] + cyc[b][2] + np.maximum(fd[a][1], fd[b][2])
            if best is None:
                best = cost
                use_ws[1], use_ws[2] = a == "ws", b == "ws"
            else:
                better = cost < best
                best = np.where(better, cost, best)
                use_ws[1] = np.where(better, a == "ws", use_ws[1])
                use_ws[2] = np.where(better, b == "ws", use_ws[2])
    pick = [np.where(use_ws, d["ws"], d["os"]) for d in (cyc, fd, edge)]
    dataflow = np.where(use_ws, "ws", "os").astype(object)
    return pick[0], pick[1], dataflow, pick[2]


def _blocked_traffic(p_bytes, p_buf, q_bytes, q_buf):
    """Input traffic of a GEMM whose inputs are ``p`` and ``q`` and the stationary block fetched first.

    Either hold ``p`` in blocks of ``p_buf`` and stream ``q`` once per block, or the converse;
    returns ``(bytes, first_block_bytes)`` of the cheaper order.
    """
    a = p_bytes + q_bytes * _ceil_div(np.maximum(p_bytes, 1), p_buf)
    b = q_bytes + p_bytes * _ceil_div(np.maximum(q_bytes, 1), q_buf)
    use_a = a <= b
    first = np.where(use_a, np.minimum(p_bytes, p_buf // 2), np.minimum(q_bytes, q_buf // 2))
    return np.where(use_a, a, b), first


def phase_costs(cfg: SATConfig, table: LayerTable, sp: Sparsity | None = None) -> PhaseCosts:
    """All per-layer, per-phase costs of one training iteration of ``table`` on ``cfg``."""
    sp = cfg.sparsity if sp is None else sp
    L = len(table)
    rep = table.rep
    Mp, Np, Kp = training_gemms(table, sp)
    active = np.ones((3, L), dtype=bool)
    active[1] = ~table.first
    macs = np.where(active, rep * Mp * Np * Kp, 0)

    cycles, fill_drain, dataflow, edge = _stce_costs(cfg, Mp, Np, Kp, rep, active)

    # ---- DRAM traffic ----------------------------------------------------------------
    w = table.has_weights
    words = table.b_words  # weights (or the second activation operand of attention)
    idx_bytes = sp.index_bits / 8.0
    nnz_ff = rep * table.N * sparse_k(table.K, sp.n, sp.m) if sp.ff_sparse else words
    nnz_bp = rep * table.K * sparse_k(table.N, sp.n, sp.m) if sp.bp_sparse else words
    dense_b = words * BYTES_FP16
    w_ff = np.where(w & sp.ff_sparse, np.ceil(nnz_ff * (BYTES_FP16 + idx_bytes)), dense_b).astype(np.int64)
    w_bp = np.where(w & sp.bp_sparse, np.ceil(nnz_bp * (BYTES_FP16 + idx_bytes)), dense_b).astype(np.int64)
    x_b = table.in_words * BYTES_FP16
    y_b = table.out_words * BYTES_FP16
    abuf, wbuf = cfg.act_buffer_kib * 1024, cfg.weight_buffer_kib * 1024

    # Repeats (groups, attention heads × samples) are independent GEMMs: block each one.
    r = rep
    ff_in, ff_first = _blocked_traffic(w_ff // r, wbuf, x_b // r, abuf)
    bp_in, bp_first = _blocked_traffic(w_bp // r, wbuf, y_b // r, abuf)
    # WU: hold a block of FP32 dW accumulators (weight buffer) and stream X and dY per block,
    # or hold X/dY blocks (activation buffer) and spill/reload FP32 partial sums per block.
    acc = words * BYTES_FP32 // r
    xy = (x_b + y_b) // r
    wu_a = xy * _ceil_div(np.maximum(acc, 1), wbuf)
    wu_b = xy + acc * 2 * (_ceil_div(np.maximum(xy, 1), abuf) - 1)
    use_a = wu_a <= wu_b
    wu_in = np.where(use_a, wu_a, wu_b)
    wu_first = np.where(use_a, np.minimum(acc, wbuf // 2), np.minimum(xy, abuf // 2))
    ff_in, bp_in, wu_in = ff_in * r, bp_in * r, wu_in * r
    dram = np.stack([ff_in + y_b, bp_in + x_b, wu_in + dense_b])
    exposed = np.stack([ff_first, bp_first, wu_first])
    dram = np.where(active, dram, 0)
    exposed = np.where(active, exposed, 0)
    shared_dy = np.where(active[1], y_b, 0)

    # ---- SORE: N:M weights for FF (groups along K) and BP (groups along N) ------------
    lanes = cfg.sore_lanes
    sore_cyc = np.zeros((2, L), dtype=np.int64)
    sore_bytes = np.zeros((2, L), dtype=np.int64)
    sore_cmp = np.zeros((2, L), dtype=np.int64)
    for row, on, groups, wbytes in (
        (0, sp.ff_sparse, rep * table.N * _ceil_div(table.K, sp.m), w_ff),
        (1, sp.bp_sparse, rep * table.K * _ceil_div(table.N, sp.m), w_bp),
    ):
        if on:
            sore_cyc[row] = np.where(w, _ceil_div(groups, lanes) * sp.m, 0)
            sore_bytes[row] = np.where(w, dense_b + wbytes, 0)
            sore_cmp[row] = np.where(w, groups * sp.m, 0)
    if sp.bp_sparse:
        sore_cyc[1] = np.where(active[1], sore_cyc[1], 0)  # no BP, no BP-direction weights
        sore_bytes[1] = np.where(active[1], sore_bytes[1], 0)
        sore_cmp[1] = np.where(active[1], sore_cmp[1], 0)

    # ---- vector engine: FP32 master-weight update ---------------------------------------
    wt = table.weight_words
    vec_fmas = wt * MASTER_UPDATE_FMAS
    vec_cyc = _ceil_div(vec_fmas, cfg.vector_lanes)
    vec_bytes = wt * MASTER_UPDATE_BYTES

    return PhaseCosts(
        active=active,
        macs=macs,
        cycles=cycles,
        fill_drain=fill_drain,
        dataflow=dataflow,
        edge_words=edge,
        dram_bytes=dram,
        exposed_bytes=exposed,
        shared_dy_bytes=shared_dy,
        sore_cycles=sore_cyc,
        sore_bytes=sore_bytes,
        sore_compares=sore_cmp,
        vector_cycles=vec_cyc,
        vector_bytes=vec_bytes,
        vector_fmas=vec_fmas,
    )
