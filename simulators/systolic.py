"""Systolic-array GEMM timing: the one implementation shared by every accelerator model.

A GEMM ``C[M×N] = A[M×K] · B[K×N]`` runs on an ``R × C`` systolic array in *folds*: each fold
maps a tile of two GEMM dimensions onto the array's rows and columns and streams the third
(the temporal dimension ``T``) through it. The dataflow decides which dimensions are spatial
and which is temporal:

| dataflow | rows ← | cols ← | T | folds | cycles per fold τ |
|---|---|---|---|---|---|
| ``os`` output-stationary | M | N | K | ⌈M/R⌉·⌈N/C⌉ | ``T + R + C − 2`` |
| ``ws`` weight-stationary | K | N | M | ⌈K/R⌉·⌈N/C⌉ | ``2·R + C + T − 2`` |
| ``is`` input-stationary  | K | M | N | ⌈K/R⌉·⌈M/C⌉ | ``2·R + C + T − 2`` |

so the compute cycles with everything on chip are ``folds · τ``. The per-fold times are the
ones SCALE-Sim 3.0 builds its demand matrices from (Samajdar et al., "A Systematic Methodology
for Characterizing Scalability of DNN Accelerators using SCALE-Sim", ISPASS 2020; the code in
``scalesim/compute/systolic_compute_{os,ws,is}.py``):

* ``os``: the ``T`` operand pairs stream in, skewed by ``R − 1`` cycles across the rows, and
  the fold waits ``C − 1`` cycles for the last column before the next fold starts:
  ``T + (C − 1) + (R − 1)``;
* ``ws``/``is``: ``R`` cycles to preload the stationary operand, then ``T`` streaming cycles,
  ``C − 1`` cycles to drain the partial sums across the columns and ``R − 1`` of skew:
  ``R + T + (C − 1) + (R − 1)``.

SCALE-Sim reports one cycle fewer per layer (it prints the index of the last busy cycle);
the cross-check test in ``tests/integration/test_scalesim_crosscheck.py`` shows exact
agreement on ResNet-18 otherwise. Folds are charged at the full array size (partly filled
folds take as long as full ones), as in SCALE-Sim. Utilisation is
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
        ``int64`` cycles, ``folds · τ`` with ``τ = T + rows + cols − 2`` for ``os`` and
        ``τ = T + 2·rows + cols − 2`` for ``ws`` and ``is``; 0 where any dimension is 0.
    """
    sr, sc, t = fold_shape(M, N, K, dataflow)
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    t = np.asarray(t, dtype=np.int64)
    folds = _ceil_div(sr, rows) * _ceil_div(sc, cols)
    preload = 0 if dataflow == "os" else rows  # the stationary operand is loaded first in ws/is
    cycles = folds * (preload + rows + cols + t - 2)
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
