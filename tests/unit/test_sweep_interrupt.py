"""Ctrl-C / SIGTERM on a sweep, without Ray: what is kept and what the command says.

Ray itself is replaced here (``_start_ray``, ``_run_tune``): the stand-in runs two trials
in-process, leaves a third half done in staging, then is interrupted. The real thing, with an
embedded Ray and a real signal, is ``tests/integration/test_sweep_ray.py``.
"""

from __future__ import annotations

import signal

import pytest
import yaml

import archgym.sweep.runner as sweep_runner
from archgym.cli import main
from archgym.datasets import DatasetWriter, load
from archgym.interrupts import Interrupted
from archgym.sweep import run_sweep
from archgym.sweep.runner import RAY_ENV, SweepInterrupted
from archgym.sweep.store import read_records
from archgym.sweep.trainable import cached_simulator, execute_trial

CFG = {
    "name": "stopme",
    "budget": 6,
    "seeds": [0, 1],
    "envs": [{"id": "archgym/Roofline-v0", "workloads": ["gemv"]}],
    "agents": {"random": {}, "ga": {"population": {"grid": [4, 6]}}},
}


@pytest.fixture
def interrupted_tune(monkeypatch):
    """``arm(exc)``: the stand-in for Tune completes two trials, stages part of a third, raises ``exc``."""

    def arm(exc):
        def fake_tune(state, pending, cfg, concurrency, progress):
            for i, spec in enumerate(pending[:2]):
                execute_trial(spec, state.out, state.sweep_id, f"fake_{i}")
            spec = pending[2]
            w = DatasetWriter(state.staging / f"{spec.key}-fake_2", cached_simulator(spec.simulator, {}), run_id=state.sweep_id)
            d = w.simulator.default_design()
            w.append(step=0, workload="gemv", design=d, metrics=None, reward=0.0, feasible=False)
            w.close()
            raise exc

        monkeypatch.setattr(sweep_runner, "_start_ray", lambda *a, **k: False)
        monkeypatch.setattr(sweep_runner, "_run_tune", fake_tune)

    return arm


@pytest.mark.parametrize("exc, code, name", [(KeyboardInterrupt(), 130, "SIGINT"), (Interrupted(signal.SIGTERM), 143, "SIGTERM")])
def test_interrupted_sweep_says_so_with_the_resume_command(tmp_path, capsys, interrupted_tune, exc, code, name):
    cfg = tmp_path / "stop.yaml"
    cfg.write_text(yaml.safe_dump(CFG))
    out = tmp_path / "out"
    interrupted_tune(exc)
    assert main(["sweep", str(cfg), "--out", str(out), "--max-concurrent", "1", "--no-progress"]) == code
    captured = capsys.readouterr()
    assert captured.out == ""  # no "FAILED ... did not complete" lines
    lines = captured.err.strip().splitlines()
    assert lines == [
        f"archgym: sweep stopme interrupted ({name}): 2/6 trials complete, kept in {out}",
        f"archgym: resume with: archgym sweep {cfg} --out {out} --resume --max-concurrent 1",
    ]
    assert len(read_records(out)) == 2
    assert not any((out / "staging").iterdir())  # the half-done trial's rows are gone
    assert set(load(out / "dataset")["trial_id"]) == {"fake_0", "fake_1"}


def test_resume_after_the_interrupt_runs_the_rest(tmp_path, interrupted_tune, monkeypatch):
    interrupted_tune(KeyboardInterrupt())
    with pytest.raises(SweepInterrupted) as info:
        run_sweep(CFG, tmp_path / "out", max_concurrent=1, progress=False)
    assert (info.value.completed, info.value.total) == (2, 6)

    def sequential(state, pending, cfg, concurrency, progress):
        for i, spec in enumerate(pending):
            execute_trial(spec, state.out, state.sweep_id, f"resumed_{i}")
        return {}

    monkeypatch.setattr(sweep_runner, "_run_tune", sequential)
    res = run_sweep(CFG, tmp_path / "out", resume=True, max_concurrent=1, progress=False)
    assert res.complete and res.skipped == 2 and res.ran == 4 and not res.failed
    df = load(res.dataset)
    assert not df.duplicated(["trial_id", "step"]).any() and df["trial_id"].nunique() == 6


def test_tune_does_not_install_its_own_ctrl_c_handler():
    assert RAY_ENV["TUNE_DISABLE_SIGINT_HANDLER"] == "1"


def test_interrupt_while_connecting_creates_nothing(tmp_path, capsys, monkeypatch):
    def interrupted_connect(*args, **kwargs):
        raise Interrupted(signal.SIGTERM)

    monkeypatch.setattr(sweep_runner, "connect_ray", interrupted_connect)
    monkeypatch.setattr(sweep_runner, "ray_environment", lambda: None)
    cfg = tmp_path / "stop.yaml"
    cfg.write_text(yaml.safe_dump(CFG))
    out = tmp_path / "out"
    pytest.importorskip("ray")
    import ray

    if ray.is_initialized():
        pytest.skip("a Ray is already running in this process")
    assert main(["sweep", str(cfg), "--out", str(out), "--address", "10.0.0.5:6379", "--no-progress"]) == 143
    assert "interrupted (SIGTERM) before it started; nothing was created" in capsys.readouterr().err
    assert not out.exists()
