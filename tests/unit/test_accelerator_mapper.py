"""The DRAM-level mapper: optimal over its grid (brute force), traffic rule, fixed tilings."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from archgym.simulators.accelerator.mapper import (
    _ORDER_IDX,
    ORDERS,
    SPLITS,
    _operand_tables,
    best_tiling,
    fixed_tiling,
    tile_traffic,
)


def _grid(D, g):
    return sorted({int(-(-D // j)) for j in SPLITS if -(-D // j) >= g} | {int(min(D, g))} | {int(D)})


CASES = [  # (M, N, K, rho, g (m, n, k), capacity in words)
    (3136, 64, 576, 0.12, (12, 14, 1), 16384),
    (1, 1000, 512, 1.0, (1, 14, 1), 4000),
    (784, 128, 1152, 0.3, (1, 14, 12), 6000),
    (196, 256, 2304, 0.11, (14, 1, 36), 65536),
]


@pytest.mark.parametrize("M,N,K,rho,g,cap", CASES)
def test_mapper_matches_brute_force(M, N, K, rho, g, cap):
    t = best_tiling(np.array([M]), np.array([N]), np.array([K]), np.array([rho]), np.array([[g]]), np.array([[cap]]))
    dims = np.array([M, N, K])
    size, scale = _operand_tables(M, N, K, rho)
    best = np.inf
    for oi in range(len(ORDERS)):
        for T in itertools.product(*(_grid(dims[i], g[i]) for i in range(3))):
            words, foot = tile_traffic(_ORDER_IDX[oi], np.array(T), dims, size, scale)
            if foot <= cap:
                best = min(best, words)
    assert t.feasible[0, 0]
    assert t.dram_words[0, 0] == pytest.approx(best)
    assert t.footprint_words[0, 0] <= cap
    w, f = tile_traffic(_ORDER_IDX[t.order[0, 0]], t.tiles[0, 0], dims, size, scale)
    assert w == pytest.approx(t.dram_words[0, 0]) and f == pytest.approx(t.footprint_words[0, 0])


def test_traffic_rule_hand_derived():
    # M=N=K=100, tiles 10 each, order m,n,k (k innermost): A (m,k) is refetched for every n tile
    # (10×), B (k,n) for every m tile (10×), C stays resident (1×): 10·10⁴ + 10·10⁴ + 10⁴.
    size, scale = _operand_tables(100, 100, 100, 1.0)
    words, foot = tile_traffic(_ORDER_IDX[ORDERS.index("mnk")], np.array([10, 10, 10]), np.array([100] * 3), size, scale)
    assert words == 210_000
    assert foot == 2 * 300
    # Order k, m, n: B (k, n) misses m, the middle loop → refetched 10×; A (m, k) misses n, the
    # innermost loop → resident (1×); C misses k, the outermost loop → partial sums written 10×
    # and read back 9× (19 passes).
    words, _ = tile_traffic(_ORDER_IDX[ORDERS.index("kmn")], np.array([10, 10, 10]), np.array([100] * 3), size, scale)
    assert words == 10 * 10_000 + 10_000 + 19 * 10_000


def test_infeasible_when_nothing_fits():
    t = best_tiling(np.array([3136]), np.array([64]), np.array([576]), np.array([0.12]), np.array([[[64, 64, 1]]]), np.array([[1000]]))
    assert not t.feasible[0, 0]
    assert t.min_footprint_words[0, 0] > 1000


def test_fixed_tiling_and_bad_order():
    t = fixed_tiling(np.array([100]), np.array([100]), np.array([100]), np.array([1.0]), "mnk", (10, 10, 10), np.array([[10_000]]))
    assert t.feasible[0, 0] and t.dram_words[0, 0] == 210_000
    small = fixed_tiling(np.array([100]), np.array([100]), np.array([100]), np.array([1.0]), "mnk", (1, 1, 1), np.array([[10_000]]))
    assert not small.feasible[0, 0]  # 2·3·10⁴ words do not fit in 10⁴
    with pytest.raises(ValueError, match="mnk"):
        fixed_tiling(np.array([1]), np.array([1]), np.array([1]), np.array([1.0]), "abc", (1, 1, 1), np.array([[10]]))
