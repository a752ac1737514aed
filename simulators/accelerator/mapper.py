"""The DRAM ↔ global-buffer tiling of one GEMM-lowered layer: traffic, footprint and a vectorised mapper.

A layer lowered to a GEMM (``M`` output pixels, ``N`` output channels, ``K`` reduction; see
:mod:`archgym.simulators.networks`) is split into tiles ``T_m × T_n × T_k`` that sit in the global buffer (GLB)
and a loop nest over the tiles in one of six orders (outer → inner, e.g. ``"mnk"``). The three
operands are ``A[m, k]`` (input activations), ``B[k, n]`` (weights) and ``C[m, n]`` (outputs).

**Traffic rule** (the classic one of Timeloop/MAESTRO-style models). For order ``(a, b, c)``
an operand stays resident while the loops it does not depend on run *inside* its innermost
loop, and is refetched for each iteration of such a loop *outside* it:

    words(order) = |X_bc| · n_a + |X_ac| · n_b + |X_ab|

where ``X_xy`` is the operand indexed by dimensions ``x, y`` and ``n_d = ⌈D_d / T_d⌉``. The
output, when refetched ``f`` times, is written ``f`` times and read back ``f − 1`` times
(partial sums): ``|C|·(2f − 1)``. For convolutions the input operand's size is its real size,
not the im2col size: ``|A| = ρ · M · K`` with ``ρ = input words / (M·K) ≤ 1`` (the sliding-window
reuse); a tile of A occupies ``ρ · T_m · T_k`` words (halo overhead neglected).

**Footprint**: ``2 · (ρ·T_m·T_k + T_k·T_n + T_m·T_n)`` words — every tile is double-buffered
so the next one loads while the array works on this one.

**Legal tiles**: ``T_d = ⌈D_d / j⌉`` for ``j`` in :data:`SPLITS` (near-even splits into 1, 2,
4, 8, … tiles) that are not smaller than the *minimum tile* ``g_d``, plus ``g_d`` itself
(a tile must fill one fold of the PE array along the dimensions the dataflow maps spatially;
``g_d`` is 1 along the temporal one).

**Mapper**: the words moved do not depend on ``T_c`` (the innermost dimension), so the best
``T_c`` is its minimum, and for a given ``T_a`` the best ``T_b`` is the largest legal one that
fits. The mapper therefore enumerates every order × every legal ``T_a`` (6 × |SPLITS|
candidates per layer, plus ``T_a = g_a``), derives ``T_b`` in closed form, scores all candidates of all layers and
all designs in one NumPy expression and keeps, per layer, the candidate with the fewest DRAM
words (ties: the smallest footprint). This finds the optimum of the full grid
``orders × SPLITS³`` (tested against brute force in ``tests/unit/test_accelerator_mapper.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import permutations

import numpy as np

__all__ = ["ORDERS", "SPLITS", "Tiling", "best_tiling", "fixed_tiling", "tile_traffic"]

#: The six loop orders over (m, n, k), outer → inner.
ORDERS: tuple[str, ...] = tuple("".join(p) for p in permutations("mnk"))
_ORDER_IDX = np.array([["mnk".index(ch) for ch in o] for o in ORDERS], dtype=np.int64)  # (6, 3)

#: Numbers of tiles a dimension may be split into (1, 2, 4, ..., 65536).
SPLITS = 2 ** np.arange(17, dtype=np.int64)

_DIM_M, _DIM_N, _DIM_K = 0, 1, 2


@dataclass
class Tiling:
    """The chosen tiling of layers (every array has the broadcast shape ``(designs, layers)``).

    Attributes:
        feasible: a tile fits in the GLB.
        order: index into :data:`ORDERS`.
        tiles: ``(..., 3)`` tile sizes ``T_m, T_n, T_k``.
        dram_words: words moved between DRAM and the GLB for one repeat of the layer.
        footprint_words: GLB words the tiling occupies (double-buffered).
        min_footprint_words: the footprint of the smallest legal tile (for error messages).
    """

    feasible: np.ndarray
    order: np.ndarray
    tiles: np.ndarray
    dram_words: np.ndarray
    footprint_words: np.ndarray
    min_footprint_words: np.ndarray


def _ceil_div(a, b):
    return -(-a // b)


def _operand_tables(M, N, K, rho):
    """Sizes and footprint scales of the operand *missing* dimension m, n, k: B, A, C."""
    M, N, K = (np.asarray(x, dtype=np.float64) for x in (M, N, K))
    rho = np.asarray(rho, dtype=np.float64)
    size = np.stack(np.broadcast_arrays(K * N, rho * M * K, M * N), axis=-1)  # (..., 3)
    scale = np.stack(np.broadcast_arrays(np.ones_like(rho), rho, np.ones_like(rho)), axis=-1)
    return size, scale


def tile_traffic(order_idx, T, dims, size, scale):
    """DRAM words and GLB footprint of given tiles.

    Args:
        order_idx: ``(..., 3)`` dimension indices (0 = m, 1 = n, 2 = k), outer → inner.
        T: ``(..., 3)`` tile sizes in (m, n, k) order.
        dims: ``(..., 3)`` layer dimensions (M, N, K).
        size, scale: ``(..., 3)`` operand sizes and footprint scales by missing dimension.

    Returns:
        ``(dram_words, footprint_words)``.
    """
    n = _ceil_div(np.asarray(dims, dtype=np.int64), np.asarray(T, dtype=np.int64)).astype(np.float64)
    a, b, c = (order_idx[..., i] for i in range(3))

    def take(arr, idx):
        return np.take_along_axis(arr, idx[..., None], axis=-1)[..., 0]

    def term(missing, factor):
        s = take(size, missing)
        return np.where(missing == _DIM_K, s * (2 * factor - 1), s * factor)

    words = term(a, take(n, a)) + term(b, take(n, b)) + term(c, np.ones_like(take(n, c)))
    Tf = np.asarray(T, dtype=np.float64)
    Ta, Tb, Tc = take(Tf, a), take(Tf, b), take(Tf, c)
    foot = 2.0 * (take(scale, c) * Ta * Tb + take(scale, b) * Ta * Tc + take(scale, a) * Tb * Tc)
    return words, foot


def best_tiling(M, N, K, rho, g, cap_words) -> Tiling:
    """The tiling with the fewest DRAM words that fits, for every (design, layer).

    Args:
        M, N, K, rho: ``(L,)`` layer GEMM dimensions and input compaction factor.
        g: ``(D, L, 3)`` minimum tile sizes (m, n, k) for each design's array and dataflow.
        cap_words: ``(D, 1)`` GLB capacity in words.

    Returns:
        A :class:`Tiling` with arrays of shape ``(D, L)`` (tiles ``(D, L, 3)``).
    """
    dims = np.stack([np.asarray(x, dtype=np.int64) for x in (M, N, K)], axis=-1)  # (L, 3)
    size, scale = _operand_tables(M, N, K, rho)  # (L, 3)
    g = np.asarray(g, dtype=np.int64)
    D, L = g.shape[:2]
    f32 = np.float32  # candidates are scored in single precision; the winner is recomputed exactly
    cap = np.asarray(cap_words, dtype=f32)[..., None, None]  # (D, 1, 1, 1)

    o = _ORDER_IDX  # (6, 3)
    a, b, c = o[:, 0], o[:, 1], o[:, 2]
    Da = dims[:, a][:, :, None]  # (L, 6, 1)
    Db = dims[:, b][:, :, None].astype(f32)
    ga = g[:, :, a][..., None]  # (D, L, 6, 1)
    gb = g[:, :, b][..., None].astype(f32)
    gc = g[:, :, c][..., None].astype(f32)
    sa, sb, sc = (scale[:, idx][:, :, None].astype(f32) for idx in (a, b, c))  # scale of the operand missing a/b/c

    # Candidate T_a: every split of D_a that is not below the minimum tile, and the minimum tile.
    Ta_split = _ceil_div(Da, SPLITS[None, None, :]).astype(f32)  # (L, 6, J)
    Ta = np.concatenate([np.broadcast_to(Ta_split, (D, L, len(ORDERS), len(SPLITS))), ga.astype(f32)], axis=-1)
    valid = (Ta >= ga) | np.concatenate([SPLITS == 1, [False]])  # (D, L, 6, J + 1)
    # Largest T_b with 2·(sc·Ta·Tb + sb·Ta·Tc + sa·Tb·Tc) ≤ cap, T_c at its minimum, snapped to a split.
    tb_max = np.floor((cap / 2 - sb * Ta * gc) / (sc * Ta + sa * gc))
    need_j = np.ceil(Db / np.maximum(tb_max, 1))
    j_idx = np.searchsorted(SPLITS, need_j, side="left")
    j_ok = j_idx < len(SPLITS)
    jb = SPLITS.astype(f32)[np.minimum(j_idx, len(SPLITS) - 1)]
    Tb_split = np.ceil(Db / jb)
    Tb = np.where(j_ok & ((Tb_split >= gb) | (jb == 1)), Tb_split, gb)
    valid &= Tb <= tb_max

    # Words moved, in the (a, b, c) frame of each order: |X_bc|·n_a + |X_ac|·n_b + |X_ab|,
    # where X_bc is the operand missing a; the output (missing k) counts 2f − 1 for f fetches.
    size_a, size_b, size_c = (size[:, idx][:, :, None].astype(f32) for idx in (a, b, c))  # (L, 6, 1)
    out_a, out_b = (a == _DIM_K)[None, :, None], (b == _DIM_K)[None, :, None]
    n_a = np.ceil(Da / Ta)
    n_b = np.ceil(Db / Tb)
    words = size_a * np.where(out_a, 2 * n_a - 1, n_a) + size_b * np.where(out_b, 2 * n_b - 1, n_b) + size_c
    foot = 2 * (sc * Ta * Tb + sb * Ta * gc + sa * Tb * gc)
    score = np.where(valid, words * (1 + 1e-6 * foot / np.maximum(cap, 1)), np.inf)

    flat = score.reshape(D, L, -1)
    best = np.argmin(flat, axis=-1)  # (D, L)
    feasible = np.isfinite(np.take_along_axis(flat, best[..., None], axis=-1)[..., 0])

    def pick(arr):
        arr = np.broadcast_to(arr, score.shape).reshape(D, L, -1)
        return np.take_along_axis(arr, best[..., None], axis=2)[..., 0]

    order = best // (len(SPLITS) + 1)
    T_abc = np.stack([pick(Ta), pick(Tb), pick(gc)], axis=-1).astype(np.int64)  # (D, L, 3)
    inv = np.argsort(o, axis=1)[order]  # where m, n, k sit within the chosen order
    tiles = np.take_along_axis(T_abc, inv, axis=-1)
    words64, foot64 = tile_traffic(o[order], tiles, dims[None], size[None], scale[None])
    g_f = g.astype(np.float64)
    min_foot = 2.0 * (scale[None, :, 1] * g_f[..., 0] * g_f[..., 2] + g_f[..., 2] * g_f[..., 1] + g_f[..., 0] * g_f[..., 1])
    return Tiling(
        feasible=feasible,
        order=order,
        tiles=tiles,
        dram_words=np.where(feasible, words64, np.nan),
        footprint_words=np.where(feasible, foot64, np.nan),
        min_footprint_words=min_foot,
    )


def fixed_tiling(M, N, K, rho, order: str, splits, cap_words, g=None) -> Tiling:
    """The tiling given by a loop order and a number of tiles per dimension (the mapping env).

    Args:
        M, N, K, rho: ``(L,)`` layer GEMM dimensions and input compaction factor.
        order: one of :data:`ORDERS`.
        splits: ``(m, n, k)`` numbers of tiles; ``T_d = max(⌈D_d / splits_d⌉, g_d)``.
        cap_words: ``(D, 1)`` GLB capacity in words.
        g: ``(D, L, 3)`` minimum tile sizes (default 1).

    Returns:
        A :class:`Tiling` of shape ``(D, L)``, infeasible where the footprint exceeds the GLB.
    """
    if order not in ORDERS:
        raise ValueError(f"unknown loop order {order!r}; allowed: {', '.join(ORDERS)}")
    dims = np.stack([np.asarray(x, dtype=np.int64) for x in (M, N, K)], axis=-1)[None]  # (1, L, 3)
    size, scale = _operand_tables(M, N, K, rho)
    cap = np.asarray(cap_words, dtype=np.float64)
    T = _ceil_div(dims, np.asarray(splits, dtype=np.int64))
    if g is not None:
        T = np.maximum(T, np.asarray(g, dtype=np.int64))
    T = np.broadcast_to(T, np.broadcast_shapes(T.shape, cap.shape[:1] + dims.shape[1:]))
    oi = np.broadcast_to(_ORDER_IDX[ORDERS.index(order)], T.shape)
    words, foot = tile_traffic(oi, T, dims, size[None], scale[None])
    feasible = foot <= cap
    return Tiling(
        feasible=feasible,
        order=np.full(feasible.shape, ORDERS.index(order)),
        tiles=T,
        dram_words=np.where(feasible, words, np.nan),
        footprint_words=np.where(feasible, foot, np.nan),
        min_footprint_words=foot,
    )
