"""Systolic-array GEMM timing: the one implementation shared by every accelerator model.

A GEMM ``C[M×N] = A[M×K] · B[K×N]`` runs on an ``R × C`` systolic array in *folds*: each fold
maps a tile of two GEMM dimensions onto the array's rows and columns and streams the third
(the temporal dimension ``T``) through it. Following SCALE-Sim's analytical model
(Samajdar et al., "A Systematic Methodology for Characterizing Scalability of DNN Accelerators
using SCALE-Sim", ISPASS 2020), one fold takes

    τ = 2·R + C + T − 2 cycles        (R − 1 to skew inputs in, C − 1 to ripple across,
                                        T to stream, R to drain the outputs)

and the dataflow decides which dimensions are spatial and which is temporal:

| dataflow | rows ← | cols ← | T | folds |
|---|---|---|---|---|
| ``os`` output-stationary | M | N | K | ⌈M/R⌉·⌈N/C⌉ |
| ``ws`` weight-stationary | K | N | M | ⌈K/R⌉·⌈N/C⌉ |
| ``is`` input-stationary  | K | M | N | ⌈K/R⌉·⌈M/C⌉ |

so the compute cycles are ``folds · (2R + C + T − 2)`` with everything on chip. Utilisation is
``M·N·K / (cycles · R · C)``. All functions take scalars or NumPy arrays and broadcast, so a
mapper or a batch of designs is scored in one vectorised call.

An N:M sparse GEMM (the sparse training accelerator) skips the pruned weights: the reduction
dimension ``K`` shrinks to ``⌈K·N/M⌉`` before timing (see :func:`sparse_k`).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

Dataflow = Literal["os", "ws", "is"]
DATAFLOWS: tuple[str, ...] = ("os", "ws", "is")

__all__ = ["DATAFLOWS", "Dataflow", "fold_shape", "gemm_cycles", "gemm_utilisation", "sparse_k"]


def _ceil_div(a, b):
    return -(-np.asarray(a, dtype=np.int64) // np.asarray(b, dtype=np.int64))


def fold_shape(M, N, K, dataflow: str):
    """``(spatial_rows_dim, spatial_cols_dim, temporal_dim)`` of a GEMM under ``dataflow``."""
    if dataflow == "os":
        return M, N, K
    if dataflow == "ws":
        return K, N, M
    if dataflow == "is":
        return K, M, N
    raise ValueError(f"unknown dataflow {dataflow!r}; allowed: {', '.join(DATAFLOWS)}")


def gemm_cycles(M, N, K, rows, cols, dataflow: str = "os"):
    """Compute cycles of an ``M×N×K`` GEMM on a ``rows × cols`` array, everything on chip.

    Args:
        M, N, K: GEMM dimensions (output rows, output columns, reduction), scalars or arrays.
        rows, cols: array shape, scalars or arrays (broadcast against M, N, K).
        dataflow: ``"os"``, ``"ws"`` or ``"is"``.

    Returns:
        ``int64`` cycles, ``folds · (2·rows + cols + T − 2)``; 0 where any dimension is 0.
    """
    sr, sc, t = fold_shape(M, N, K, dataflow)
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    t = np.asarray(t, dtype=np.int64)
    folds = _ceil_div(sr, rows) * _ceil_div(sc, cols)
    cycles = folds * (2 * rows + cols + t - 2)
    empty = (np.asarray(M) == 0) | (np.asarray(N) == 0) | (np.asarray(K) == 0)
    return np.where(empty, 0, cycles).astype(np.int64)


def gemm_utilisation(M, N, K, rows, cols, dataflow: str = "os"):
    """Fraction of MAC slots doing useful work: ``M·N·K / (cycles · rows · cols)``."""
    cycles = gemm_cycles(M, N, K, rows, cols, dataflow)
    macs = np.asarray(M, dtype=np.float64) * np.asarray(N) * np.asarray(K)
    slots = cycles.astype(np.float64) * np.asarray(rows) * np.asarray(cols)
    return np.divide(macs, slots, out=np.zeros(np.broadcast(macs, slots).shape), where=slots > 0)


def sparse_k(K, n: int, m: int):
    """Reduction length after N:M pruning of the weight operand: ``⌈K·n/m⌉`` (``n == m``: dense)."""
    if not (1 <= n <= m):
        raise ValueError(f"an N:M pattern needs 1 <= N <= M, got {n}:{m}")
    return _ceil_div(np.asarray(K, dtype=np.int64) * n, m)
