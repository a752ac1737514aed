"""Proxies trained on a small roofline dataset logged through DesignEnv: report, simulator, safety, registry."""

from __future__ import annotations

import json
import shutil

import gymnasium as gym
import numpy as np
import pytest

import archgym
from archgym.datasets import DatasetWriter, load
from archgym.envs import DesignEnv
from archgym.errors import ConfigError, InfeasibleDesign, InvalidDesignError, UnknownWorkloadError
from archgym.proxy.persist import MODELS, UntrustedModelError, load_card, load_model
from archgym.proxy.pipeline import evaluate_proxy, train_proxy
from archgym.proxy.simulator import ProxyMismatchError, ProxySimulator
from archgym.proxy.train import TrainConfig


def _log_random(root, sim, n, seed, repeat=0):
    rng = np.random.default_rng(seed)
    writer = DatasetWriter(root, sim, agent="random", seed=seed)
    designs = sim.design_space.sample(rng, n)
    for w in sim.workloads:
        env = DesignEnv(sim, workload=w, dataset=writer)
        for d in designs + designs[:repeat]:  # repeats become cache hits
            env.unwrapped.evaluate_design(d)
    writer.close()


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("proxy")
    sim = archgym.make_simulator("roofline")
    _log_random(root / "ds", sim, 150, seed=0, repeat=10)
    cfg = TrainConfig(models=("et", "knn"), cv_folds=2, log_target=True)
    result = train_proxy(root / "ds", "roofline", root / "model", cfg, batch=500)
    return root, result


def test_dataset_rows_are_deduplicated_and_infeasible_rows_classified(trained):
    root, result = trained
    rep = result.report
    df = load(root / "ds", simulator="roofline")
    assert rep["rows_read"] == len(df) == 4 * 160
    assert rep["unique_rows"] == len(df[~df.cache_hit].drop_duplicates(["workload", *[c for c in df if c.startswith("p_")]]))
    assert 0 < rep["feasible_rows"] < rep["unique_rows"]  # the power-density constraint rejects some
    assert "*" in result.model.classifiers


def test_report_rmse_equals_an_independent_computation(trained):
    root, result = trained
    rep, model = result.report, result.model
    rows_test = rep["heldout"]["rows"]
    assert rows_test == rep["unique_rows"] - rep["training_rows"]
    # recompute: every feasible row not trained on, predicted through the simulator protocol
    proxy = ProxySimulator(load_model(root / "model"))
    df = load(root / "ds", simulator="roofline")
    df = df[~df.cache_hit & df.feasible]
    names = proxy.design_space.names
    seen, sq = set(), {m: [] for m in proxy.metric_names}
    keys = set(model.train_keys.tolist())
    from archgym.proxy.model import design_keys

    x = model.encoder.transform_frame(df)
    dk = design_keys(x, df["workload"].tolist(), model.encoder.n_design)
    for (_, row), k in zip(df.iterrows(), dk.tolist()):
        if k in keys or k in seen:
            continue
        seen.add(k)
        pred = proxy.evaluate({n: row[f"p_{n}"] for n in names}, row["workload"])
        for m in sq:
            sq[m].append(pred[m] - row[f"m_{m}"])
    for m, errs in sq.items():
        assert rep["heldout"]["metrics"][m]["n"] == len(errs)
        assert rep["heldout"]["metrics"][m]["rmse"] == pytest.approx(float(np.sqrt(np.mean(np.square(errs)))), rel=1e-9)
    # a real model learns something: held-out R2 well above zero for every metric
    assert all(s["r2"] > 0.8 for s in rep["heldout"]["metrics"].values())
    assert rep["heldout_workload"]["workload"] == "stencil"


def test_report_files_and_model_card(trained):
    root, result = trained
    model_dir = root / "model"
    data = json.loads((model_dir / "report.json").read_text())
    assert (model_dir / data["parity_png"]).stat().st_size > 1000
    assert "held-out split" in (model_dir / "report.txt").read_text()
    card = load_card(model_dir)
    for key in ("simulator", "version", "design_space", "metrics", "training_rows", "scores", "saved", "speed", "space_fingerprint"):
        assert key in card
    assert card["simulator"] == "roofline" and card["training_rows"] == result.report["training_rows"]
    sp = result.report["speed"]
    assert sp["sim_s_per_call"] > 0 and sp["proxy_single_s"] > 0
    assert sp["speedup_single"] == pytest.approx(sp["sim_s_per_call"] / sp["proxy_single_s"])


def test_saved_model_predicts_like_the_trained_one(trained):
    root, result = trained
    designs = archgym.make_simulator("roofline").design_space.sample(np.random.default_rng(5), 50)
    a, pa = result.model.predict(designs, "gemv")
    b, pb = load_model(root / "model").predict(designs, "gemv")
    for m in a:
        np.testing.assert_allclose(a[m], b[m], rtol=1e-12)
    np.testing.assert_allclose(pa, pb)


def test_proxy_simulator_protocol_and_errors(trained):
    root, _ = trained
    proxy = ProxySimulator(root / "model")
    real = archgym.make_simulator("roofline")
    assert proxy.name == "roofline-proxy" and proxy.version.startswith("1.0+proxy.")
    assert proxy.design_space.fingerprint() == real.design_space.fingerprint()
    assert proxy.metric_names == real.metric_names and proxy.workloads == real.workloads
    assert proxy.default_design() == real.default_design()
    out = proxy.evaluate(real.default_design(), "dot")
    assert set(out) == set(real.metric_names)
    designs = [d for d in real.design_space.sample(np.random.default_rng(3), 60) if real.design_space.is_feasible(d)]
    preds, feasible = proxy.predict_batch(designs, "dot")
    batch = proxy.evaluate_batch([d for d, ok in zip(designs, feasible) if ok], "dot")
    one = [proxy.evaluate(d, "dot") for d, ok in zip(designs, feasible) if ok]
    assert len(batch) == len(one) > 0
    for b, o in zip(batch, one):
        assert b == pytest.approx(o, rel=1e-12)
    with pytest.raises(InvalidDesignError, match="lanes"):
        proxy.evaluate({**real.default_design(), "lanes": 3}, "dot")
    with pytest.raises(InvalidDesignError, match="unknown parameter"):
        proxy.evaluate({**real.default_design(), "rows": 3}, "dot")
    with pytest.raises(UnknownWorkloadError):
        proxy.evaluate(real.default_design(), "fft")
    with pytest.raises(InfeasibleDesign, match="power_density"):
        proxy.evaluate({"lanes": 64, "clock_ghz": 2.0, "mem_bw_gbps": 8, "sram_kib": 16}, "dot")


def test_proxy_refuses_another_simulator_version_or_space(trained, tmp_path):
    root, _ = trained
    with pytest.raises(ProxyMismatchError, match="trained on simulator 'roofline', not 'dram'"):
        ProxySimulator(root / "model", simulator="dram")
    with pytest.raises(ProxyMismatchError, match="v9"):
        ProxySimulator(root / "model", version="9")
    with pytest.raises(ProxyMismatchError, match="fingerprint"):
        ProxySimulator(root / "model", fingerprint="0123456789abcdef")
    for field, value, match in (("version", "0.9", "registered 'roofline' is v1.0"), ("space_fingerprint", "feedfacefeedface", "fingerprint")):
        copy = tmp_path / field
        shutil.copytree(root / "model", copy)
        card = json.loads((copy / "card.json").read_text())
        card[field] = value
        (copy / "card.json").write_text(json.dumps(card))
        with pytest.raises(ProxyMismatchError, match=match):
            ProxySimulator(copy)


def test_tampered_model_files_are_refused_without_running_them(trained, tmp_path):
    import hashlib
    import os

    import skops.io as sio
    from sklearn.preprocessing import FunctionTransformer

    root, _ = trained
    copy = tmp_path / "m"
    shutil.copytree(root / "model", copy)
    # 1. bytes changed after saving: the card's hash no longer matches
    blob = bytearray((copy / MODELS).read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    (copy / MODELS).write_bytes(bytes(blob))
    with pytest.raises(UntrustedModelError, match="SHA-256"):
        load_model(copy)
    # 2. an attacker rewrites both files: a payload that would call os.system on use
    payload = {"regressors": {}, "classifiers": {"*": FunctionTransformer(func=os.system)}}
    sio.dump(payload, copy / MODELS)
    card = json.loads((copy / "card.json").read_text())
    card["models_sha256"] = hashlib.sha256((copy / MODELS).read_bytes()).hexdigest()
    (copy / "card.json").write_text(json.dumps(card))
    with pytest.raises(UntrustedModelError, match="outside the trusted list: .*system"):
        load_model(copy)
    with pytest.raises(UntrustedModelError):
        ProxySimulator(copy)
    # 3. not a model directory at all
    with pytest.raises(ConfigError, match="not a proxy model directory"):
        load_model(tmp_path)


def test_registered_proxy_runs_through_gymnasium_and_agents(trained, tmp_path):
    from gymnasium.utils.env_checker import check_env

    from archgym.agents import make_agent
    from archgym.envs import env_ids
    from archgym.proxy import register_from_env, register_proxy

    root, _ = trained
    assert register_proxy(root / "model") == "roofline-proxy"
    assert register_proxy(root / "model") == "roofline-proxy"  # idempotent
    assert env_ids()["roofline-proxy"] == "archgym/Roofline-proxy-v0"
    env = gym.make("archgym/Roofline-proxy-v0", workload="gemv", dataset=tmp_path / "ds")
    check_env(env.unwrapped, skip_render_check=True)
    result = make_agent("random").search(env, budget=25, seed=1)
    assert result.calls == 25 and result.best_metrics is not None
    env.close()
    df = load(tmp_path / "ds")
    assert set(df["simulator"]) == {"roofline-proxy"} and (df["env_id"] == "archgym/Roofline-proxy-v0").all()
    with pytest.raises(ConfigError, match="not a proxy model directory"):
        register_proxy(tmp_path)
    names = register_from_env({"ARCHGYM_PROXIES": f"{tmp_path / 'nowhere'}{__import__('os').pathsep}{root / 'model'}"})
    assert names == ["roofline-proxy"]


def test_evaluate_leaves_out_training_rows(trained, tmp_path):
    root, result = trained
    report, path = evaluate_proxy(root / "model", root / "ds", tmp_path, speed=False)
    ev = report["evaluation"]
    assert ev["training_rows_left_out"] == result.report["training_rows"]
    assert ev["rows"] == result.report["unique_rows"] - result.report["training_rows"]
    for m, s in ev["metrics"].items():
        assert s["rmse"] == pytest.approx(result.report["heldout"]["metrics"][m]["rmse"])
    assert path.exists() and (tmp_path / "eval-parity.png").exists()


def test_per_workload_models_and_bad_config(tmp_path):
    sim = archgym.make_simulator("roofline")
    _log_random(tmp_path / "ds", sim, 60, seed=2)
    res = train_proxy(tmp_path / "ds", "roofline", None, TrainConfig(models=("et",), workload_feature=False), speed=False)
    mm = res.model.metric_models["runtime_ns"]
    assert set(mm.estimators) == set(sim.workloads)
    assert "heldout_workload" not in res.report
    with pytest.raises(ConfigError, match="unknown proxy model 'xgb'"):
        TrainConfig(models=("xgb",))
    with pytest.raises(archgym.DatasetError, match="no rows for simulator 'dram'"):
        train_proxy(tmp_path / "ds", "dram", None, TrainConfig(models=("et",)))


def test_cli_train_and_eval(tmp_path, capsys):
    from archgym.cli import main

    sim = archgym.make_simulator("roofline")
    _log_random(tmp_path / "ds", sim, 40, seed=4)
    code = main(["proxy", "train", "--dataset", str(tmp_path / "ds"), "--simulator", "roofline", "--out", str(tmp_path / "m"),
                 "--models", "et", "--no-speed"])
    out = capsys.readouterr().out
    assert code == 0 and "held-out split" in out and "runtime_ns" in out
    _log_random(tmp_path / "ds2", sim, 30, seed=9)
    assert main(["proxy", "eval", "--model", str(tmp_path / "m"), "--dataset", str(tmp_path / "ds2"), "--no-speed"]) == 0
    assert "evaluation" in capsys.readouterr().out
    assert (tmp_path / "m" / "eval.json").exists()
    assert main(["proxy", "train", "--dataset", str(tmp_path / "ds"), "--simulator", "roofline", "--out", str(tmp_path / "x"),
                 "--models", "bogus"]) == 2
    assert "unknown proxy model 'bogus'" in capsys.readouterr().err


def test_fast_prediction_path_equals_scikit_learn(trained):
    _, result = trained
    model = result.model
    designs = archgym.make_simulator("roofline").design_space.sample(np.random.default_rng(7), 64)
    x = model.encoder.transform_designs(designs, "stencil")
    preds, prob = model.predict_features(x, "stencil")
    for name, mm in model.metric_models.items():
        ref = mm.from_target(mm.estimators["*"].predict(x))
        np.testing.assert_allclose(preds[name], ref, rtol=1e-9)
    clf = model.classifiers["*"]
    np.testing.assert_allclose(prob, clf.predict_proba(x)[:, list(clf.classes_).index(True)], atol=1e-12)
