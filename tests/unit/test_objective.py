"""Objectives: golden values derived by hand."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from archgym.errors import ConfigError
from archgym.objective import (
    Constrained,
    MultiObjective,
    TargetSpec,
    Weighted,
    hypervolume,
    make_objective,
    pareto_front,
)


def test_target_spec_two_sided_matches_archgym():
    # ArchGym: power reward P_t / |P - P_t|; P_t = 100, P = 125 -> 4. Ours: 1 / (0.25 + eps).
    obj = TargetSpec({"power_mw": 100.0}, one_sided=False, eps=1e-9)
    assert obj.score({"power_mw": 125.0}).reward == pytest.approx(4.0)
    assert obj.score({"power_mw": 75.0}).reward == pytest.approx(4.0)  # two-sided: under-shoot penalised too


def test_target_spec_product_of_metrics():
    obj = TargetSpec({"power_mw": 100.0, "latency_ns": 50.0}, eps=1e-9)
    # distances 0.25 and 0.5 -> 4 * 2 = 8 (ArchGym's "both" = product)
    assert obj.score({"power_mw": 125.0, "latency_ns": 75.0}).reward == pytest.approx(8.0)
    mean = TargetSpec({"power_mw": 100.0, "latency_ns": 50.0}, eps=1e-9, combine="mean")
    assert mean.score({"power_mw": 125.0, "latency_ns": 75.0}).reward == pytest.approx(3.0)


def test_target_hit_exactly_is_finite():
    obj = TargetSpec({"power_mw": 100.0}, eps=1e-3)
    assert obj.score({"power_mw": 100.0}).reward == pytest.approx(1000.0)


def test_one_sided_beating_target_is_not_punished():
    obj = TargetSpec({"power_mw": 100.0, "throughput": 10.0}, {"power_mw": "min", "throughput": "max"}, eps=1e-3)
    best = obj.score({"power_mw": 100.0, "throughput": 10.0}).reward
    assert obj.score({"power_mw": 50.0, "throughput": 20.0}).reward == pytest.approx(best)
    assert obj.success({"power_mw": 99.0, "throughput": 10.5})
    assert not obj.success({"power_mw": 101.0, "throughput": 10.5})
    assert obj.score({"power_mw": 150.0, "throughput": 10.0}).reward < best


def test_target_spec_from_baseline(roofline):
    obj = TargetSpec.from_baseline(roofline, "axpy", improvement=0.2)
    base = roofline.evaluate(roofline.default_design(), "axpy")
    assert obj.targets["runtime_ns"] == pytest.approx(0.8 * base["runtime_ns"])
    # baseline distance 0.25 per metric -> 1/(0.25+eps)^3
    assert obj.score(base).reward == pytest.approx((1 / (0.25 + 1e-3)) ** 3)


def test_zero_target_rejected():
    with pytest.raises(ConfigError, match="non-zero"):
        TargetSpec({"x": 0.0})


def test_weighted_signs_and_scales():
    obj = Weighted({"energy_pj": 2.0, "throughput": 1.0}, {"energy_pj": "min", "throughput": "max"}, {"energy_pj": 10.0})
    assert obj.score({"energy_pj": 5.0, "throughput": 3.0}).reward == pytest.approx(-2 * 0.5 + 3.0)


def test_constrained_marks_not_drops():
    base = Weighted({"energy_pj": 1.0})
    obj = Constrained(base, {"area_mm2": ("<=", 2.0)}, penalty=10.0)
    ok = obj.score({"energy_pj": 1.0, "area_mm2": 2.0})
    assert ok.feasible and ok.reward == pytest.approx(-1.0)
    bad = obj.score({"energy_pj": 1.0, "area_mm2": 3.0})
    assert not bad.feasible and bad.reward == pytest.approx(-1.0 - 10.0 * 0.5)
    assert "area_mm2 <= 2 violated" in bad.reason
    with pytest.raises(ConfigError, match="operator"):
        Constrained(base, {"area_mm2": ("=<", 2.0)})


def test_multiobjective_vector():
    obj = MultiObjective(["energy_pj", "throughput"], {"energy_pj": "min", "throughput": "max"})
    s = obj.score({"energy_pj": 4.0, "throughput": 2.0})
    assert s.vector == (-4.0, 2.0)
    assert s.reward == pytest.approx(-1.0)
    assert obj.failure("x").vector == (obj.failure_reward, obj.failure_reward)


def test_pareto_front_hand_example():
    pts = np.array([[1, 5], [2, 4], [2, 2], [3, 1], [0, 0], [3, 1]])
    assert pareto_front(pts).tolist() == [True, True, False, True, False, True]


def test_hypervolume_2d_hand():
    # staircase: (1,3), (2,2), (3,1) over ref (0,0): 3 + 2 + 1 = 6
    assert hypervolume(np.array([[1, 3], [2, 2], [3, 1]]), np.array([0, 0])) == pytest.approx(6.0)
    assert hypervolume(np.array([[1, 3], [2, 2], [3, 1], [1, 1]]), np.array([0, 0])) == pytest.approx(6.0)


def test_hypervolume_3d_matches_grid_count():
    rng = np.random.default_rng(0)
    pts = rng.integers(1, 6, size=(6, 3)).astype(float)
    ref = np.zeros(3)
    # count unit cells dominated by at least one point
    cells = sum(
        1 for c in itertools.product(range(5), repeat=3) if np.any(np.all(pts >= np.array(c) + 1, axis=1))
    )
    assert hypervolume(pts, ref) == pytest.approx(cells)
    assert hypervolume(np.array([[2.0, 3.0, 4.0]]), ref) == pytest.approx(24.0)


def test_make_objective_checks_metric_names(roofline):
    with pytest.raises(ConfigError, match="runtime_ns"):
        make_objective({"kind": "target", "metrics": ["runtme_ns"]}, roofline, "axpy")
    obj = make_objective({"kind": "constrained", "base": {"kind": "weighted"}, "limits": {"area_mm2": ["<=", 1.0]}}, roofline, "axpy")
    assert isinstance(obj, Constrained)
