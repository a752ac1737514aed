"""``archgym run`` and :func:`archgym.runner.run_search`."""

from __future__ import annotations

import json

import pytest

from archgym.cli import main
from archgym.datasets import load
from archgym.errors import ConfigError
from archgym.runner import parse_objective, resolve_env_id, run_search


def test_run_writes_dataset_summary_and_plot(tmp_path, capsys):
    out = tmp_path / "run"
    rc = main(["run", "--env", "archgym/Roofline-v0", "--agent", "ga", "--budget", "30", "--seed", "3",
               "--workload", "gemv", "--agent-param", "population=6", "mutation_rate=0.2", "--out", str(out), "--no-progress"])
    assert rc == 0
    assert "best reward" in capsys.readouterr().out
    summary = json.loads((out / "summary.json").read_text())
    assert summary["agent"] == "ga" and summary["seed"] == 3 and summary["calls"] == 30
    assert summary["params"]["population"] == 6 and summary["params"]["mutation_rate"] == 0.2
    assert summary["workload"] == "gemv" and summary["env_id"] == "archgym/Roofline-v0"
    assert len(summary["best_so_far"]) == 30 and summary["best_so_far"][-1] == summary["best_reward"]
    assert set(summary["best_design"]) == {"lanes", "clock_ghz", "mem_bw_gbps", "sram_kib"}
    assert summary["wall_s"] >= 0 and summary["best_metrics"]["runtime_ns"] > 0
    png = (out / "convergence.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    df = load(out / "dataset", simulator="roofline")
    assert len(df) == summary["steps"] and (~df["cache_hit"]).sum() == 30
    assert set(df["agent"]) == {"ga"} and set(df["seed"]) == {3} and set(df["run_id"]) == {summary["run_id"]}
    assert json.loads(df["agent_params"].iloc[0])["population"] == 6
    assert df["reward"].max() == pytest.approx(summary["best_reward"])


def test_run_search_python_api_with_simulator_name_and_objective(tmp_path):
    res = run_search("roofline", "aco", 15, 1, tmp_path, objective='{"kind": "weighted"}', progress=False)
    assert res.calls == 15
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["objective"]["kind"] == "weighted"


@pytest.mark.parametrize(
    "argv, match",
    [
        (["--agent", "gaa"], "unknown agent 'gaa' (did you mean 'ga'?); allowed: "),
        (["--agent", "ga", "-p", "pop=3"], "no hyper-parameter 'pop'"),
        (["--agent", "ga", "-p", "population=many"], "'population' got 'many'; expected an int"),
        (["--agent", "ga", "-p", "population"], "malformed --agent-param 'population': expected KEY=VALUE"),
        (["--agent", "ga", "--budget", "0"], "budget must be an integer >= 1, got 0"),
        (["--agent", "ga", "--env", "archgym/Rooflin-v0"], "unknown environment 'archgym/Rooflin-v0' (did you mean 'archgym/Roofline-v0'?)"),
        (["--agent", "ga", "--workload", "fft"], "no workload 'fft'"),
        (["--agent", "ga", "--objective", "{kind: multi"], "--objective is not valid JSON"),
        (["--agent", "ga", "--objective", "fastest"], "--objective must be one of target, weighted, multi"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(tmp_path, capsys, argv, match):
    base = {"--env": "archgym/Roofline-v0", "--budget": "5"}
    args = ["run", "--out", str(tmp_path / "out"), "--no-progress"]
    for k, v in base.items():
        if k not in argv:
            args += [k, v]
    rc = main(args + argv)
    err = capsys.readouterr().err
    assert rc == 2
    assert err.startswith("archgym: error: ") and match in err
    assert not (tmp_path / "out").exists()


def test_help_ends_with_an_example(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    assert "example:\n  archgym run --env archgym/DRAM-v0 --agent ga" in capsys.readouterr().out


def test_helpers():
    assert resolve_env_id("roofline") == "archgym/Roofline-v0"
    assert parse_objective("multi") == {"kind": "multi"}
    assert parse_objective(None) is None
    with pytest.raises(ConfigError, match="must be an object"):
        parse_objective("[1]")
