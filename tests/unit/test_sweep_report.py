"""The sweep report and the CLI, without Ray: trials run in-process through ``execute_trial``."""

from __future__ import annotations

import json

import numpy as np
import pytest

from archgym.cli import main
from archgym.errors import ConfigError
from archgym.report import best_so_far, build_report, load_sweep, trials_frame
from archgym.sweep import expand_trials, load_config
from archgym.sweep.store import open_sweep
from archgym.sweep.trainable import execute_trial

CFG = {
    "name": "rep",
    "budget": 10,
    "seeds": [0, 1],
    "envs": [
        # a reachable target: 10 % below the baseline runtime only
        {"id": "archgym/Roofline-v0", "workloads": ["stencil"],
         "objective": {"kind": "target", "metrics": ["runtime_ns"], "improvement": 0.1}},
        {"id": "archgym/Roofline-v0", "workloads": ["gemv"], "objective": {"kind": "multi", "metrics": ["runtime_ns", "area_mm2"]}},
    ],
    "agents": {"random": {}, "ga": {"population": {"grid": [4, 6]}}},
}


def test_best_so_far_prefers_feasible():
    r = np.array([5.0, 1.0, 3.0, 9.0, 2.0, 4.0])
    f = np.array([False, True, False, False, True, True])
    assert best_so_far(r, f).tolist() == [5.0, 1.0, 1.0, 1.0, 2.0, 4.0]
    assert best_so_far(np.array([]), np.array([], bool)).tolist() == []


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    out = tmp_path_factory.mktemp("rep") / "out"
    cfg = load_config(CFG)
    state = open_sweep(out, cfg, False, expand_trials(cfg), None)
    for i, spec in enumerate(state.trials[:-1]):  # the last trial stays incomplete
        execute_trial(spec, out, state.sweep_id, f"tr_{i:03d}")
    return state


def test_report_recomputes_from_the_dataset(finished):
    data = load_sweep(finished.out)
    assert data.completed == data.total - 1 == 11
    stencil, gemv = data.panels
    assert stencil.has_target and not stencil.multi_objective
    assert gemv.multi_objective and not gemv.has_target
    for panel in data.panels:
        for row in panel.trials.to_dict("records"):
            rec = data.records[row["key"]]
            assert row["best_reward"] == pytest.approx(rec["result"]["best_reward"])
            assert panel.curves[row["key"]].tolist() == pytest.approx(rec["result"]["best_so_far"])
            if row["first_success"] is not None and not np.isnan(row["first_success"]):
                assert 1 <= row["first_success"] <= panel.budget
    # the first success is the first call whose runtime meets the target
    obj = stencil.objective
    t0 = stencil.trials.iloc[0]
    from archgym.datasets import load

    df = load(finished.dataset)
    sub = df[(df.trial_id == t0.trial_id) & ~df.cache_hit].sort_values("step")
    hits = np.nonzero((sub.m_runtime_ns <= obj.targets["runtime_ns"]).to_numpy() & sub.feasible.to_numpy())[0]
    expected = int(hits[0]) + 1 if len(hits) else None
    got = None if t0.first_success is None or np.isnan(t0.first_success) else int(t0.first_success)
    assert got == expected
    assert len(trials_frame(finished.out)) == 11


def test_report_html_is_self_contained(finished, tmp_path):
    path = build_report(finished.out, tmp_path / "r.html")
    text = path.read_text()
    assert "11 of 12 trials complete" in text and "--resume" in text
    # lottery + curves + success for the target panel; lottery + curves + Pareto for the multi panel
    assert text.count('src="data:image/png;base64,') == 6
    assert "http" not in text.replace("http-equiv", "")  # nothing fetched from elsewhere
    summary = json.loads(path.with_suffix(".json").read_text())
    assert summary["completed"] == 11
    assert set(summary["panels"][1]["hypervolume"]) == {"random", "ga"}
    best = {b["agent"]: b for b in summary["panels"][0]["best_configs"]}
    assert set(best) == {"random", "ga"}
    assert best["ga"]["params"] in ('{"population": 4}', '{"population": 6}')


def test_report_of_a_folder_without_sweep(tmp_path):
    with pytest.raises(ConfigError, match="holds no sweep"):
        build_report(tmp_path)


def test_cli_check_and_errors(tmp_path, capsys):
    import yaml

    good = tmp_path / "s.yaml"
    good.write_text(yaml.safe_dump(CFG))
    assert main(["sweep", str(good), "--out", str(tmp_path / "o"), "--check"]) == 0
    assert "valid; 12 trials (ga: 8, random: 4), 120 simulator calls at most" in capsys.readouterr().out
    bad = tmp_path / "bad.yaml"
    bad.write_text(good.read_text().replace("population:", "popsize:"))
    assert main(["sweep", str(bad), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "agents.ga.popsize: unknown hyper-parameter 'popsize'" in err
    assert not (tmp_path / "o").exists()  # nothing started
    assert main(["report", str(tmp_path)]) == 2


def test_cli_report(finished, capsys):
    assert main(["report", str(finished.out)]) == 0
    assert "report.html" in capsys.readouterr().out
