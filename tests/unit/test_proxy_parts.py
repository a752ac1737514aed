"""Proxy building blocks: report arithmetic, features, fast paths, persistence safety."""

from __future__ import annotations

import math

import numpy as np
import pytest

from archgym.errors import InvalidDesignError, UnknownWorkloadError
from archgym.proxy.features import FeatureEncoder
from archgym.proxy.report import classification_scores, regression_scores
from archgym.space import Categorical, Integer, Ordinal, ParameterSpace, PowerOfTwo, Real


def test_regression_scores_match_hand_computation():
    # errors 0, 0, 0, 2 -> RMSE = sqrt(4 / 4) = 1; range 4 - 1 = 3; mean |t| = 2.5;
    # MAPE = (2 / 4) / 4 = 12.5 %; R2 = 1 - 4 / sum((t - 2.5)^2) = 1 - 4 / 5 = 0.2
    s = regression_scores(np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 2.0, 3.0, 6.0]))
    assert s["rmse"] == pytest.approx(1.0)
    assert s["rmse_pct_range"] == pytest.approx(100.0 / 3.0)
    assert s["rmse_pct_mean"] == pytest.approx(40.0)
    assert s["mape_pct"] == pytest.approx(12.5)
    assert s["r2"] == pytest.approx(0.2)
    assert s["n"] == 4


def test_regression_scores_edge_cases():
    s = regression_scores(np.array([0.0, 2.0]), np.array([1.0, 2.0]))
    assert s["mape_pct"] == pytest.approx(0.0)  # the zero truth is left out of MAPE
    assert s["rmse"] == pytest.approx(math.sqrt(0.5))
    assert math.isnan(regression_scores(np.zeros(0), np.zeros(0))["rmse"])
    with pytest.raises(ValueError):
        regression_scores(np.zeros(3), np.zeros(2))


def test_classification_scores():
    s = classification_scores(np.array([True, True, False, False]), np.array([True, False, False, True]))
    assert s["accuracy"] == pytest.approx(0.5)
    assert s["infeasible_recall"] == pytest.approx(0.5)
    assert s["false_infeasible"] == 1


SPACE = ParameterSpace(
    {
        "policy": Categorical(["Open", "Closed", "Adaptive"]),
        "lanes": PowerOfTwo(1, 64),
        "width": Ordinal([7, 14]),
        "banks": Ordinal([16, 32, 64]),
        "depth": Integer(1, 128),
        "clock": Real(0.5, 2.0),
        "vdd": Real(0.1, 10.0, log=True),
    }
)


def test_features_by_parameter_kind():
    enc = FeatureEncoder(SPACE, ["a", "b"])
    assert enc.columns == [
        "policy=Open", "policy=Closed", "policy=Adaptive", "log2(lanes)", "width", "log2(banks)", "depth", "clock",
        "ln(vdd)", "workload=a", "workload=b",
    ]
    d = {"policy": "Closed", "lanes": 8, "width": 14, "banks": 32, "depth": 100, "clock": 1.5, "vdd": math.e}
    x = enc.transform_designs([d], "b")[0]
    assert x.tolist() == pytest.approx([0, 1, 0, 3, 14, 5, 100, 1.5, 1.0, 0, 1])


def test_features_batch_path_equals_row_path_and_frame_path():
    import pandas as pd

    enc = FeatureEncoder(SPACE, ["a", "b"])
    designs = SPACE.sample(np.random.default_rng(1), 100)
    big = enc.transform_designs(designs, "a")
    small = np.vstack([enc.transform_designs([d], "a") for d in designs])
    np.testing.assert_array_equal(big, small)
    frame = pd.DataFrame({f"p_{n}": [d[n] for d in designs] for n in SPACE.names})
    frame["workload"] = "a"
    np.testing.assert_array_equal(enc.transform_frame(frame), big)


@pytest.mark.parametrize("n", [1, 40])
def test_features_refuse_values_outside_the_space(n):
    enc = FeatureEncoder(SPACE, ["a"])
    designs = SPACE.sample(np.random.default_rng(0), n)
    for name, bad in (("lanes", 3), ("policy", "Shut"), ("depth", 0), ("depth", 2.5), ("clock", 3.0), ("width", 8)):
        broken = [dict(d) for d in designs]
        broken[-1][name] = bad
        with pytest.raises(InvalidDesignError, match=name):
            enc.transform_designs(broken, "a")
    with pytest.raises(InvalidDesignError, match="unknown parameter 'lane'"):
        enc.transform_designs([{**designs[0], "lane": 2}], "a")
    missing = dict(designs[0])
    del missing["vdd"]
    with pytest.raises(InvalidDesignError, match="missing"):
        enc.transform_designs([missing], "a")
    with pytest.raises(UnknownWorkloadError, match="trained on: a"):
        enc.transform_designs(designs, "zz")


def test_encoder_json_round_trip():
    enc = FeatureEncoder(SPACE, ["a", "b"], workload_feature=False)
    back = FeatureEncoder.from_json(enc.to_json())
    assert back.columns == enc.columns and back.workloads == enc.workloads and not back.workload_feature


@pytest.mark.parametrize("key", ["rf", "et", "hgb", "mlp"])
def test_fast_paths_equal_sklearn_predict(key):
    from archgym.proxy.fastpath import compile_model
    from archgym.proxy.train import make_candidate

    rng = np.random.default_rng(0)
    x = rng.random((300, 6))
    y = x[:, 0] * 3 + np.sin(5 * x[:, 1]) + (x[:, 2] > 0.5)
    est = make_candidate(key, 0)
    if key in ("rf", "et"):
        est.set_params(n_estimators=10)
    if key == "hgb":
        est.set_params(max_iter=40)
    if key == "mlp":
        est.set_params(mlp__max_iter=30, mlp__hidden_layer_sizes=(16,))
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(x, y)
    fast = compile_model(est, x[:50])
    assert fast is not None
    xt = rng.random((200, 6))
    np.testing.assert_allclose(fast(xt), est.predict(xt), rtol=1e-9, atol=1e-12)


def test_fast_classifier_equals_predict_proba():
    from sklearn.ensemble import RandomForestClassifier

    from archgym.proxy.fastpath import compile_classifier

    rng = np.random.default_rng(0)
    x = rng.random((300, 4))
    labels = x[:, 0] + x[:, 1] > 1.0
    clf = RandomForestClassifier(n_estimators=10, random_state=0).fit(x, labels)
    fast = compile_classifier(clf, x[:50])
    assert fast is not None
    xt = rng.random((100, 4))
    np.testing.assert_allclose(fast(xt), clf.predict_proba(xt)[:, 1], atol=1e-12)


def test_a_disagreeing_fast_path_is_rejected(monkeypatch):
    from archgym.proxy import fastpath
    from archgym.proxy.train import make_candidate

    rng = np.random.default_rng(0)
    x = rng.random((100, 3))
    est = make_candidate("et", 0).set_params(n_estimators=5).fit(x, x[:, 0])
    monkeypatch.setattr(fastpath, "_build", lambda model: (lambda a: np.zeros(len(a))))
    assert fastpath.compile_model(est, x) is None


def test_split_keeps_each_design_on_one_side():
    from archgym.proxy.train import split_masks

    groups = np.repeat(np.arange(50), 4)  # 50 designs x 4 workloads
    train, test = split_masks(groups, 0.2, seed=3)
    assert not set(groups[train]) & set(groups[test])
    assert len(set(groups[test])) == 10 and test.sum() == 40
    train, test = split_masks(np.array([7, 7]), 0.2, seed=0)  # one design: nothing to hold out
    assert train.all() and not test.any()
