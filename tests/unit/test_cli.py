"""The archgym program: subcommands, JSON output, one-line errors with exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from archgym.cli import main


def test_list_json(capsys):
    assert main(["list", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    names = [s["name"] for s in data["simulators"]]
    assert "roofline" in names
    assert "random" in [a["name"] for a in data["agents"]]
    roof = next(s for s in data["simulators"] if s["name"] == "roofline")
    assert roof["env_id"] == "archgym/Roofline-v0" and roof["workloads"] == ["axpy", "dot", "gemv", "stencil"]


def test_evaluate_prints_metrics(capsys):
    assert main(["evaluate", "--simulator", "roofline", "--workload", "axpy", "--design", "lanes=16", "mem_bw_gbps=64"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["design"]["lanes"] == 16 and out["design"]["sram_kib"] == 64  # rest from the baseline
    assert out["metrics"]["runtime_ns"] == pytest.approx(12 * 2**20 / 64)


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["evaluate", "--simulator", "rooflin"], "unknown simulator 'rooflin' (did you mean 'roofline'?)"),
        (["evaluate", "-s", "roofline", "-w", "fft"], "no workload 'fft'"),
        (["evaluate", "-s", "roofline", "-d", "lane=4"], "unknown parameter 'lane' (did you mean 'lanes'?)"),
        (["evaluate", "-s", "roofline", "-d", "lanes=5"], "parameter 'lanes': 5 is not allowed; expected a power of two in [1, 64]"),
        (["evaluate", "-s", "roofline", "-d", "lanes"], "malformed design assignment 'lanes': expected KEY=VALUE"),
        (["evaluate", "-s", "roofline", "-d", "lanes=many"], "cannot read 'many'"),
        (["evaluate", "-s", "roofline", "--config", "x.json"], "cannot read config files"),
        (["dataset", "info", "/nonexistent/ds"], "does not exist"),
    ],
)
def test_bad_input_one_line_exit_2(argv, fragment, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert fragment in err
    assert "Traceback" not in err and err.count("\n") == 1


def test_dataset_info(tmp_path, capsys, roofline, test_seed):
    from archgym.envs import DesignEnv

    env = DesignEnv(roofline, dataset=tmp_path)
    env.reset(seed=0)
    env.action_space.seed(test_seed)
    env.step(env.action_space.sample())
    env.close()
    assert main(["dataset", "info", str(tmp_path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rows"] == 1


def test_every_help_has_an_example():
    from archgym.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for name, p in sub.choices.items():
        assert "example:" in p.format_help() and "archgym " in p.format_help(), name


def test_console_script_runs():
    out = subprocess.run([sys.executable, "-m", "archgym.cli", "list"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "agents:" in out.stdout
