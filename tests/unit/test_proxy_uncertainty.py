"""The proxy's per-prediction uncertainty: split-conformal calibration, coverage, persistence."""

from __future__ import annotations

import math

import numpy as np
import pytest

from archgym.errors import ConfigError
from archgym.proxy.uncertainty import Z90, calibrate, conformal_quantile, raw_spread


def _synthetic(rng, n, sigma):
    """y = f(x) + N(0, sigma²) on [0, 1]^3, with f smooth (known noise, so a model of f
    plus a sigma-wide band is the truth's 90 % interval)."""
    x = rng.uniform(0.0, 1.0, size=(n, 3))
    f = np.sin(3.0 * x[:, 0]) + x[:, 1] ** 2 + 0.5 * x[:, 2]
    return x, f + rng.normal(0.0, sigma, n)


@pytest.mark.parametrize("kind", ["rf", "knn"])
def test_conformal_interval_covers_90_percent_of_fresh_noisy_truths(kind):
    from archgym.proxy.train import make_candidate

    rng = np.random.default_rng(7)
    sigma = 0.2
    x_fit, y_fit = _synthetic(rng, 1500, sigma)
    x_cal, y_cal = _synthetic(rng, 500, sigma)
    x_new, y_new = _synthetic(rng, 4000, sigma)
    est = make_candidate(kind, seed=0).fit(x_fit, y_fit)
    cal = calibrate(est, x_cal, y_cal)
    q = conformal_quantile(cal, 0.9)
    half = q * (raw_spread(est, x_new) + cal["beta"])
    pred = est.predict(x_new)
    coverage = float(np.mean(np.abs(y_new - pred) <= half))
    # split-conformal: E[coverage] in [0.9, 0.9 + 1/(n+1)]; 4000 fresh points: sd ~ 0.005
    assert 0.87 <= coverage <= 0.93, coverage
    # the noise is known: the average half-width cannot be below the noise's own 90 % half-width
    assert np.mean(half) >= 0.9 * Z90 * sigma


def test_conformal_quantile_by_hand():
    cal = {"beta": 0.0, "n": 9, "scores": [1, 2, 3, 4, 5, 6, 7, 8, 9]}
    assert conformal_quantile(cal, 0.9) == 9.0  # ceil(10 * 0.9) = 9th smallest
    assert conformal_quantile(cal, 0.5) == 5.0  # ceil(10 * 0.5) = 5th
    assert conformal_quantile(cal, 0.95) == math.inf  # ceil(9.5) = 10 > 9 rows
    assert conformal_quantile({"n": 0, "scores": []}, 0.9) == math.inf
    with pytest.raises(ValueError, match="level"):
        conformal_quantile(cal, 1.5)


def test_forest_spread_is_the_trees_std():
    from sklearn.ensemble import RandomForestRegressor

    rng = np.random.default_rng(3)
    x, y = _synthetic(rng, 200, 0.1)
    est = RandomForestRegressor(n_estimators=7, random_state=0).fit(x, y)
    trees = np.stack([t.predict(x[:5]) for t in est.estimators_])
    assert np.allclose(raw_spread(est, x[:5]), trees.std(axis=0))


@pytest.mark.parametrize("kind", ["rf", "et"])
def test_compiled_spread_equals_the_trees_spread(kind):
    """The compiled spread (one walk of every tree per row) is the trees' std: by hand for two
    trees (|a - b| / 2), and against scikit-learn's trees for a larger forest."""
    from archgym.proxy.fastpath import compile_model
    from archgym.proxy.train import make_candidate
    from archgym.proxy.uncertainty import compile_spread

    rng = np.random.default_rng(11)
    x, y = _synthetic(rng, 300, 0.1)
    pair = make_candidate(kind, seed=0).set_params(n_estimators=2).fit(x, y)
    a, b = (t.predict(x[:20].astype(np.float32)) for t in pair.estimators_)
    spread = compile_spread(pair, compile_model(pair, x[:50]), x[:50])
    assert spread is not None
    assert np.allclose(spread(x[:20]), np.abs(a - b) / 2.0, rtol=1e-9, atol=1e-12)
    est = make_candidate(kind, seed=0).fit(x, y)
    compiled = compile_model(est, x[:50])
    spread = compile_spread(est, compiled, x[:50])
    fresh = rng.uniform(0.0, 1.0, size=(64, 3))
    assert np.allclose(spread(fresh), raw_spread(est, fresh), rtol=1e-9, atol=1e-12)
    pred, std = compiled.moments(fresh)  # the same walk gives scikit-learn's prediction
    assert np.allclose(pred, est.predict(fresh), rtol=1e-9, atol=1e-12) and np.array_equal(std, spread(fresh))
    # not a forest: no compiled spread (the constant 1 needs none)
    knn = make_candidate("knn", seed=0).fit(x, y)
    assert compile_spread(knn, compile_model(knn, x[:50]), x[:50]) is None


@pytest.fixture(scope="module")
def roofline_proxy(tmp_path_factory):
    import archgym
    from archgym.proxy.pipeline import train_proxy
    from archgym.proxy.train import TrainConfig
    from tests.unit.test_proxy_model import _log_random

    root = tmp_path_factory.mktemp("unc")
    sim = archgym.make_simulator("roofline")
    _log_random(root / "ds", sim, 200, seed=1)
    cfg = TrainConfig(models=("et",), log_target=True)
    return root, train_proxy(root / "ds", "roofline", root / "model", cfg, speed=False)


def test_report_shows_coverage_and_simulator_exposes_uncertainty(roofline_proxy):
    from archgym.proxy.persist import load_model
    from archgym.proxy.simulator import ProxySimulator

    root, result = roofline_proxy
    for s in result.report["heldout"]["metrics"].values():
        assert 0.0 <= s["coverage90"] <= 1.0
        assert set(s["coverage90_by_workload"]) == set(result.report["workloads"])
    assert "cov90" in (root / "model" / "report.txt").read_text()
    proxy = ProxySimulator(load_model(root / "model"))
    rng = np.random.default_rng(0)
    designs = proxy.design_space.sample(rng, 20)
    w = proxy.workloads[0]
    preds, feas, std = proxy.predict_batch(designs, w, return_std=True)
    iv = proxy.predict_interval(designs, w, 0.9)
    for m in proxy.metric_names:
        lo, hi = iv[m]
        assert np.all(lo <= preds[m] + 1e-12) and np.all(preds[m] <= hi + 1e-12)
        assert np.allclose(std[m], (hi - lo) / (2 * Z90))
        assert np.all(np.isfinite(std[m])) and np.all(std[m] >= 0)
    # the saved and reloaded calibration gives the in-memory model's intervals
    mem = result.model.interval_features(result.model.encoder.transform_designs(designs, w), w)
    for m in proxy.metric_names:
        assert np.allclose(mem[m][0], iv[m][0]) and np.allclose(mem[m][1], iv[m][1])
    # the metrics of evaluate() are unchanged (no <m>_std among them)
    assert set(proxy.evaluate(proxy.default_design(), w)) == set(proxy.metric_names)


def test_uncalibrated_proxy_refuses_uncertainty_with_a_clear_error(roofline_proxy):
    from archgym.proxy.simulator import ProxySimulator

    _, result = roofline_proxy
    model = result.model
    saved = {n: mm.calibration for n, mm in model.metric_models.items()}
    try:
        for mm in model.metric_models.values():
            mm.calibration = {}
        proxy = ProxySimulator(model, check_registered=False)
        with pytest.raises(ConfigError, match="calibration_fraction"):
            proxy.uncertainty([proxy.default_design()])
    finally:
        for n, mm in model.metric_models.items():
            mm.calibration = saved[n]


def test_bad_calibration_fraction_is_refused():
    from archgym.proxy.train import TrainConfig

    with pytest.raises(ConfigError, match="calibration_fraction"):
        TrainConfig(calibration_fraction=1.0)


def test_a_metric_constant_over_most_designs_keeps_an_interval_that_holds_exact_predictions():
    """On the row-hit rate of a streaming trace most designs share one value, the trees agree
    exactly and the median spread is 0: beta comes from the MEAN spread (> 0), and an exact
    prediction is inside its own interval after the round trip through the target transform."""
    from sklearn.ensemble import RandomForestRegressor

    from archgym.proxy.model import MetricModel

    rng = np.random.default_rng(5)
    c = 1e-4  # the value most designs take (as a row-hit rate of 0 or 0.9921 on the DRAM traces)
    x = rng.uniform(0.0, 1.0, size=(600, 2))
    y = np.where(x[:, 0] < 0.8, c, c + 0.5 * (x[:, 0] - 0.8))  # 80 % of the designs: exactly c
    mm = MetricModel("row_hit_rate", "rf", False, float(y.mean()), float(y.std()), {})
    z = mm.to_target(y)
    assert mm.from_target(mm.to_target(np.array([c])))[0] != c  # the round trip is not exact
    fit = RandomForestRegressor(n_estimators=20, random_state=0).fit(x[:400], z[:400])
    cal = calibrate(fit, x[400:], z[400:])
    spread = raw_spread(fit, x[400:])
    assert np.median(spread) < 1e-12 < spread.mean()
    assert cal["beta"] == pytest.approx(0.05 * spread.mean())
    mm.estimators["*"], mm.calibration["*"] = fit, cal
    flat = np.column_stack([rng.uniform(0.0, 0.7, 50), rng.uniform(0.0, 1.0, 50)])
    pred, lo, hi = mm.predict_interval(flat, "w", 0.9)
    assert np.all(pred == pytest.approx(c, rel=1e-9))
    assert np.all((lo <= c) & (c <= hi))            # exact predictions are covered
    assert np.all(hi - lo < 0.01 * y.std())         # by an interval narrow against the metric's spread
    # even a calibration of exact residuals only (every score 0, beta 0) keeps a width of a
    # few thousand ulps, so the exact prediction is inside after the round trip (on the DRAM
    # proxy such intervals were 1.1e-15 wide against a rounding error of 3.3e-15)
    mm.calibration["*"] = {"beta": 0.0, "n": 100, "scores": [0.0] * 100}
    pred, lo, hi = mm.predict_interval(flat, "w", 0.9)
    assert np.all((lo <= c) & (c <= hi)) and np.all(hi - lo < 1e-10)
