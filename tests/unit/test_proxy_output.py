"""Issue 18 item 7: proxy training output a user can read.

No raw scikit-learn convergence warnings (one summary line instead), a warning below 10 rows
per feature, the real Gymnasium id in the CLI's hint (no ``<Env>``), and fast one-line errors
for missing inputs (before scikit-learn is imported).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

import archgym
from archgym.cli import main
from archgym.datasets import DatasetWriter
from archgym.envs import DesignEnv
from archgym.proxy import train as train_mod
from archgym.proxy.pipeline import train_proxy
from archgym.proxy.train import TrainConfig


def _log_random(root, sim, n, seed):
    rng = np.random.default_rng(seed)
    writer = DatasetWriter(root, sim, agent="random", seed=seed)
    designs = sim.design_space.sample(rng, n)
    for w in sim.workloads:
        env = DesignEnv(sim, workload=w, dataset=writer)
        for d in designs:
            env.unwrapped.evaluate_design(d)
    writer.close()


def _tiny_mlp(seed):
    from sklearn.neural_network import MLPRegressor
    from sklearn.pipeline import Pipeline

    # never converges in 2 epochs (a pipeline step named "mlp", as the real candidate)
    return Pipeline([("mlp", MLPRegressor(hidden_layer_sizes=(4,), max_iter=2, random_state=seed))])


def test_convergence_warnings_become_one_line_and_small_data_is_flagged(tmp_path, monkeypatch, caplog):
    sim = archgym.make_simulator("roofline")
    _log_random(tmp_path / "ds", sim, 12, seed=3)  # 12 designs x 4 workloads = 48 rows
    monkeypatch.setitem(train_mod.CANDIDATES, "mlp", ("tiny MLP", _tiny_mlp))
    cfg = TrainConfig(models=("mlp", "et"), cv_folds=2, holdout_workload=None)
    with warnings.catch_warnings(record=True) as raw, caplog.at_level(logging.WARNING, logger="archgym"):
        warnings.simplefilter("always")
        res = train_proxy(tmp_path / "ds", "roofline", None, cfg, speed=False)
    from sklearn.exceptions import ConvergenceWarning

    assert not [w for w in raw if issubclass(w.category, ConvergenceWarning)], "a raw ConvergenceWarning escaped"
    lines = res.report["warnings"]
    conv = [w for w in lines if "not converged" in w]
    # 3 metrics x (2 CV folds + the final fit) when the MLP wins; at least the CV fits otherwise
    assert len(conv) == 1 and conv[0].startswith("scikit-learn reported ") and "(mlp " in conv[0]
    n_feat = res.model.encoder.n_features
    short = [w for w in lines if "feasible training rows" in w]
    train_rows = res.report["training_rows"]
    assert train_rows < 10 * n_feat
    assert len(short) == 1 and f"only {train_rows} feasible training rows for {n_feat} features" in short[0]
    assert "runtime_ns, energy_pj, area_mm2" in short[0]
    logged = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert sorted(logged) == sorted(lines)  # each said once
    assert "warning: only" in res.table()


def test_enough_rows_no_warning(tmp_path):
    sim = archgym.make_simulator("roofline")
    _log_random(tmp_path / "ds", sim, 60, seed=5)
    res = train_proxy(tmp_path / "ds", "roofline", None, TrainConfig(models=("et",), holdout_workload=None), speed=False)
    assert res.report["training_rows"] >= 10 * res.model.encoder.n_features
    assert res.report["warnings"] == []


def test_cli_prints_the_real_env_id(tmp_path, capsys):
    sim = archgym.make_simulator("roofline")
    _log_random(tmp_path / "ds", sim, 30, seed=4)
    code = main(["proxy", "train", "--dataset", str(tmp_path / "ds"), "--simulator", "roofline", "--out", str(tmp_path / "m"),
                 "--models", "et", "--no-speed"])
    out = capsys.readouterr().out
    assert code == 0
    assert "<Env>" not in out
    assert f"ARCHGYM_PROXIES={tmp_path / 'm'} archgym run --env archgym/Roofline-proxy-v0 " in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["proxy", "train", "--dataset", "{tmp}/nope", "--simulator", "dram", "--out", "{tmp}/m"], "--dataset {tmp}/nope: no such folder"),
        (["proxy", "train", "--dataset", "{tmp}", "--simulator", "dram", "--out", "{tmp}/f.txt"], "--out {tmp}/f.txt is a file"),
        (["proxy", "eval", "--model", "{tmp}", "--dataset", "{tmp}"], "--model {tmp} has no card.json"),
        (["proxy", "eval", "--model", "{tmp}/nope", "--dataset", "{tmp}"], "--model {tmp}/nope: no such folder"),
        (["proxy", "card", "{tmp}/f.txt"], "MODEL {tmp}/f.txt is a file"),
    ],
)
def test_missing_inputs_fail_in_one_line(tmp_path, capsys, argv, message):
    (tmp_path / "f.txt").write_text("x")
    argv = [a.format(tmp=tmp_path) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"archgym: error: {message.format(tmp=tmp_path)}" + err[0].split(message.format(tmp=tmp_path), 1)[1]]
    assert not (tmp_path / "m").exists()


def test_missing_dataset_fails_before_scikit_learn_is_imported(tmp_path):
    code = (
        "import sys; from archgym.cli import main; "
        f"rc = main(['proxy', 'train', '--dataset', {str(tmp_path / 'nope')!r}, '--simulator', 'dram', '--out', {str(tmp_path / 'm')!r}]); "
        "print(rc, 'sklearn' in sys.modules)"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env={**os.environ})
    assert res.stdout.split() == ["2", "False"], res.stderr
