"""Benchmark metrics by hand: value curves, normalised regret, AUC, calls to reach, hypervolume ratio."""

from __future__ import annotations

import math

import numpy as np
import pytest

from archgym.bench.metrics import Reference, hv_curve, normalised_regret, run_metrics, value_curve


def test_value_curve_floors_at_the_baseline_and_ignores_infeasible():
    # baseline -1; call 1 worse than the baseline, call 2 infeasible (but "better"), then -0.8, -0.6, -0.5
    v = value_curve([-2.0, 5.0, -0.8, -0.6, -0.5], [True, False, True, True, True], baseline=-1.0)
    np.testing.assert_allclose(v, [-1.0, -1.0, -0.8, -0.6, -0.5])


def test_regret_auc_and_calls_to_reach_by_hand():
    # v* = -0.5 (a minimised metric at half the baseline), v0 = -1: gap 0.5.
    ref = Reference(best=-0.5, baseline=-1.0)
    curve = np.array([-1.0, -0.8, -0.6, -0.5])
    # regret: (v* - v) / 0.5 = [1, 0.6, 0.2, 0]
    np.testing.assert_allclose(normalised_regret(curve, ref), [1.0, 0.6, 0.2, 0.0])
    m = run_metrics(curve, ref, budget=4)
    # 10 % of 4 calls -> ceil(0.4) = call 1; 25 % -> call 1; 50 % -> call 2; 100 % -> call 4
    assert m["regret@10"] == 1.0 and m["regret@25"] == 1.0
    assert m["regret@50"] == pytest.approx(0.6) and m["regret@100"] == 0.0
    assert m["auc"] == pytest.approx((0.0 + 0.4 + 0.8 + 1.0) / 4)  # 0.55
    # within 1 % of |v*| = 0.005 and 5 % = 0.025: only call 4 (-0.6 is 0.1 away)
    assert m["calls_to_1pct"] == 4 and m["calls_to_5pct"] == 4
    assert m["final_value"] == -0.5 and m["calls"] == 4 and "hv_ratio" not in m


def test_short_run_keeps_its_last_value_and_never_reaching_is_none():
    ref = Reference(best=2.0, baseline=1.0)  # a maximised metric: reward 2 = twice the baseline
    m = run_metrics(np.array([1.0, 1.92]), ref, budget=10)
    # the curve is padded with 1.92: regret 0.08 from call 2 on; within 5 % of 2 (0.1) -> call 2
    assert m["regret@100"] == pytest.approx(0.08) and m["regret@10"] == pytest.approx(1.0)
    assert m["calls_to_5pct"] == 2 and m["calls_to_1pct"] is None
    assert m["auc"] == pytest.approx((0.0 + 9 * 0.92) / 10)


def test_beating_the_reference_is_zero_regret_and_equal_reference_is_zero():
    assert normalised_regret(np.array([3.0]), Reference(2.0, 1.0)).tolist() == [0.0]
    assert normalised_regret(np.array([1.0]), Reference(1.0, 1.0)).tolist() == [0.0]
    with pytest.raises(ValueError, match="below the baseline"):
        Reference(0.5, 1.0)


def test_hv_curve_and_ratio_by_hand():
    # 2 objectives, larger is better, reference point (0, 0); baseline (1, 1): HV 1.
    ref_point = [0.0, 0.0]
    vectors = [(2.0, 0.5), (0.5, 0.5), None, (3.0, 3.0)]
    feasible = [True, True, False, True]
    hv = hv_curve(vectors, feasible, (1.0, 1.0), ref_point)
    # + (2, 0.5): union of [0,1]x[0,1] and [0,2]x[0,0.5] = 1 + 0.5 = 1.5; (0.5, 0.5) is dominated;
    # the failed call adds nothing; (3, 3) dominates everything: 9.
    np.testing.assert_allclose(hv, [1.5, 1.5, 1.5, 9.0])
    m = run_metrics(hv, Reference(best=12.0, baseline=1.0), budget=4, multi_objective=True)
    assert m["hv_ratio"] == pytest.approx(9.0 / 12.0)
    assert m["regret@100"] == pytest.approx((12.0 - 9.0) / 11.0)
    assert math.isfinite(m["auc"])
