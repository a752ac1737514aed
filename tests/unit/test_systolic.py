"""The shared systolic GEMM timing: golden values derived by hand (and matching SCALE-Sim 3.0)."""

from __future__ import annotations

import numpy as np
import pytest

from archgym.simulators.systolic import fold_shape, gemm_cycles, gemm_utilisation, sparse_k


def test_output_stationary_golden():
    # 64×64×64 on 8×8, os: ⌈64/8⌉·⌈64/8⌉ = 64 folds of (K + R + C − 2) = 64 + 8 + 8 − 2 = 78 cycles.
    assert gemm_cycles(64, 64, 64, 8, 8, "os") == 64 * 78
    # 20×12×30 on 8×8: 3·2 = 6 folds of 30 + 14 = 44 cycles (SCALE-Sim 3.0 prints 263 = 264 − 1).
    assert gemm_cycles(20, 12, 30, 8, 8, "os") == 264


def test_weight_and_input_stationary_golden():
    # ws: rows ← K, cols ← N, T = M; τ = 2R + C + T − 2.
    # 20×12×30 on 8×8: ⌈30/8⌉·⌈12/8⌉ = 8 folds of 16 + 8 + 20 − 2 = 42 → 336 (SCALE-Sim: 335).
    assert gemm_cycles(20, 12, 30, 8, 8, "ws") == 336
    # is: rows ← K, cols ← M, T = N: ⌈30/8⌉·⌈20/8⌉ = 12 folds of 16 + 8 + 12 − 2 = 34 → 408 (SCALE-Sim: 407).
    assert gemm_cycles(20, 12, 30, 8, 8, "is") == 408


def test_rectangular_array_uses_rows_and_cols_correctly():
    # os on 4 rows × 16 cols: ⌈10/4⌉·⌈40/16⌉ = 3·3 = 9 folds of 5 + 4 + 16 − 2 = 23.
    assert gemm_cycles(10, 40, 5, 4, 16, "os") == 9 * 23
    # ws on 4 × 16: ⌈5/4⌉·⌈40/16⌉ = 2·3 = 6 folds of 8 + 16 + 10 − 2 = 32.
    assert gemm_cycles(10, 40, 5, 4, 16, "ws") == 6 * 32


def test_vectorised_broadcast_matches_scalar():
    rows = np.array([4, 8, 16, 32])
    out = gemm_cycles(100, 50, 70, rows[:, None], np.array([4, 8, 16])[None, :], "ws")
    assert out.shape == (4, 3)
    assert out[2, 1] == gemm_cycles(100, 50, 70, 16, 8, "ws")


def test_empty_gemm_and_bad_dataflow():
    assert gemm_cycles(0, 5, 5, 4, 4, "os") == 0
    with pytest.raises(ValueError, match="os"):
        fold_shape(1, 1, 1, "rs")


def test_utilisation_bounds_and_value():
    u = gemm_utilisation(64, 64, 64, 8, 8, "os")
    assert u == pytest.approx(64**3 / (64 * 78 * 64))
    big = gemm_utilisation(4096, 4096, 4096, 16, 16, "os")
    assert 0.99 < big <= 1.0


def test_sparse_k():
    assert sparse_k(64, 2, 4) == 32
    assert sparse_k(10, 1, 4) == 3
    assert sparse_k(10, 4, 4) == 10
    with pytest.raises(ValueError):
        sparse_k(10, 5, 4)
