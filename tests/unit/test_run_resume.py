"""``archgym run``: Ctrl-C / SIGTERM stop cleanly, ``--resume`` continues, ``--out`` never mixes runs."""

from __future__ import annotations

import json
import signal

import pytest

from archgym.cli import main
from archgym.datasets import load
from archgym.errors import ConfigError
from archgym.runner import RunInterrupted, run_search

ROOFLINE = ["--env", "archgym/Roofline-v0", "--workload", "gemv", "--no-progress"]


@pytest.fixture
def interrupt_at(monkeypatch, roofline):
    """``interrupt_at(k, exc)``: the k-th design evaluation (1-based) of every new roofline instance
    raises ``exc``; the baseline's evaluation, computed lazily by the environment, is not counted."""
    cls = type(roofline)
    real = cls._evaluate
    real_baseline = cls.baseline_metrics

    def arm(k, exc=KeyboardInterrupt):
        def _evaluate(self, design, workload):
            if self.__dict__.get("_in_baseline"):
                return real(self, design, workload)
            n = self.__dict__["_calls_under_test"] = self.__dict__.get("_calls_under_test", 0) + 1
            if n == k:
                raise exc()
            return real(self, design, workload)

        def baseline_metrics(self, workload=None):
            self.__dict__["_in_baseline"] = True
            try:
                return real_baseline(self, workload)
            finally:
                self.__dict__["_in_baseline"] = False

        monkeypatch.setattr(cls, "_evaluate", _evaluate)
        monkeypatch.setattr(cls, "baseline_metrics", baseline_metrics)

    yield arm
    monkeypatch.setattr(cls, "_evaluate", real)
    monkeypatch.setattr(cls, "baseline_metrics", real_baseline)


def _steps(out):
    df = load(out / "dataset").sort_values("step")
    return [(int(r.step), r.p_lanes, r.p_clock_ghz, r.p_mem_bw_gbps, r.p_sram_kib, r.reward, bool(r.cache_hit))
            for r in df.itertuples()]


def test_ctrl_c_keeps_completed_rows_marks_summary_and_exits_130(tmp_path, capsys, interrupt_at):
    interrupt_at(41)  # the 41st simulator call is interrupted (designs breaking a constraint make none)
    out = tmp_path / "run"
    rc = main(["run", *ROOFLINE, "--agent", "random", "--budget", "200", "--seed", "4", "--out", str(out)])
    assert rc == 130
    err = capsys.readouterr().err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "interrupted"
    n = summary["steps"]
    assert summary["calls"] == n and len(summary["best_so_far"]) == n  # random: no cache hits
    assert "run interrupted (SIGINT)" in err and f"after {n} of 200 simulator calls" in err
    assert f"archgym run --resume --out {out}" in err
    df = load(out / "dataset")
    assert sorted(df["step"]) == list(range(n))  # every completed row, no row for the interrupted call
    assert (df["m_runtime_ns"].notna()).sum() == 40  # 40 simulator calls completed
    assert not (out / "convergence.png").exists()


def test_sigterm_is_handled_like_ctrl_c_and_exits_143(tmp_path, capsys, interrupt_at):
    from archgym.interrupts import Interrupted

    interrupt_at(7, lambda: Interrupted(signal.SIGTERM))
    out = tmp_path / "run"
    rc = main(["run", *ROOFLINE, "--agent", "ga", "--budget", "30", "--out", str(out)])
    assert rc == 143
    assert "run interrupted (SIGTERM)" in capsys.readouterr().err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "interrupted"
    df = load(out / "dataset")
    assert sorted(df["step"]) == list(range(summary["steps"])) and (df["m_runtime_ns"].notna()).sum() == 6


def test_a_real_sigterm_reaches_the_run_loop(tmp_path, monkeypatch, roofline):
    """The CLI's handler turns SIGTERM into an interrupt of the search (signal sent to ourselves)."""
    import os

    cls = type(roofline)
    real = cls._evaluate
    calls = []

    def _evaluate(self, design, workload):
        calls.append(1)
        if len(calls) == 10:
            os.kill(os.getpid(), signal.SIGTERM)
        return real(self, design, workload)

    monkeypatch.setattr(cls, "_evaluate", _evaluate)
    out = tmp_path / "run"
    before = signal.getsignal(signal.SIGTERM)
    assert main(["run", *ROOFLINE, "--agent", "random", "--budget", "100", "--out", str(out)]) == 143
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "interrupted" and 0 < summary["steps"] < 100
    assert sorted(load(out / "dataset")["step"]) == list(range(summary["steps"]))
    assert signal.getsignal(signal.SIGTERM) is before  # the handler is restored


@pytest.mark.parametrize("agent, params, budget", [
    ("random", [], 120),
    ("ga", ["--agent-param", "population=8", "mutation_rate=0.3"], 120),
    ("aco", [], 60),
])
def test_resume_after_interrupt_equals_an_uninterrupted_run(tmp_path, capsys, interrupt_at, agent, params, budget):
    ref = tmp_path / "ref"
    assert main(["run", *ROOFLINE, "--agent", agent, *params, "--budget", str(budget), "--seed", "11", "--out", str(ref)]) == 0
    out = tmp_path / "run"
    interrupt_at(budget // 3)
    assert main(["run", *ROOFLINE, "--agent", agent, *params, "--budget", str(budget), "--seed", "11", "--out", str(out)]) == 130
    interrupt_at(-1)  # no more interrupts
    assert main(["run", "--resume", "--out", str(out), "--no-progress"]) == 0
    assert _steps(out) == _steps(ref)  # each step once, the same designs, rewards and cache hits
    s_ref, s = (json.loads((d / "summary.json").read_text()) for d in (ref, out))
    assert s["status"] == "complete" and s["replayed_steps"] > 0 and s["resumes"] == 1
    assert s["best_reward"] == s_ref["best_reward"] and s["best_design"] == s_ref["best_design"]
    assert s["best_so_far"] == s_ref["best_so_far"] and s["calls"] == budget
    assert set(load(out / "dataset")["run_id"]) == {s["run_id"]}


def test_resume_twice_and_resume_of_a_complete_run_are_no_ops_on_the_rows(tmp_path, interrupt_at):
    out = tmp_path / "run"
    args = dict(env_id="archgym/Roofline-v0", agent="random", budget=90, seed=2, out=out, workload="stencil", progress=False)
    interrupt_at(20)
    with pytest.raises(RunInterrupted):
        run_search(**args)
    interrupt_at(30)  # the resumed run is interrupted again, further on
    with pytest.raises(RunInterrupted) as info:
        run_search(None, None, None, None, out, progress=False, resume=True)
    first = info.value.summary
    assert first["status"] == "interrupted" and first["replayed_steps"] > 0 and first["steps"] > first["replayed_steps"]
    interrupt_at(-1)
    res = run_search(None, None, None, None, out, progress=False, resume=True)
    assert res.calls == 90 and sorted(load(out / "dataset")["step"]) == list(range(len(res.history)))
    before = _steps(out)
    run_search(None, None, None, None, out, progress=False, resume=True)  # complete: replays, adds nothing
    assert _steps(out) == before
    assert json.loads((out / "run.json").read_text())["resumes"] == 3


def test_out_holding_a_run_is_refused_unless_resume_or_overwrite(tmp_path, capsys):
    out = tmp_path / "run"
    base = ["run", *ROOFLINE, "--agent", "random", "--budget", "20", "--out", str(out)]
    assert main(base) == 0
    summary = (out / "summary.json").read_bytes()
    rows = len(load(out / "dataset"))
    capsys.readouterr()
    assert main(base + ["--seed", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "already holds a run; pass --resume to continue it, --overwrite to replace it" in err
    assert (out / "summary.json").read_bytes() == summary and len(load(out / "dataset")) == rows  # untouched
    assert main(base + ["--seed", "1", "--overwrite"]) == 0
    s = json.loads((out / "summary.json").read_text())
    df = load(out / "dataset")
    assert s["seed"] == 1 and set(df["run_id"]) == {s["run_id"]} and len(df) == s["steps"]


@pytest.mark.parametrize("setup, argv, match", [
    (None, ["--resume"], "holds no run to resume (no run.json); start it without --resume"),
    ("junk", [], "exists and is not empty (and holds no run); choose a new folder"),
    ("junk", ["--overwrite"], "exists and is not empty (and holds no run)"),
    ("run", ["--resume", "--overwrite"], "--resume and --overwrite exclude each other"),
    ("run", ["--resume", "--budget", "21"], "--resume: --budget 21 differs from the run's 20"),
    ("run", ["--resume", "--agent", "ga"], "--resume: --agent 'ga' differs from the run's 'random'"),
    ("run", ["--resume", "--workload", "axpy"], "--resume: --workload 'axpy' differs from the run's 'gemv'"),
    ("run", ["--resume", "--agent-param", "feasible_only=true"], "--agent-param"),
    ("run", ["--resume", "--objective", "weighted"], "--resume: the objective differs from the run's"),
    ("none", ["--budget", "5"], "--agent is required (unless --resume continues a run)"),
    ("none", ["--publish-every", "0", "--agent", "ga", "--budget", "5"], "--publish-every must be > 0 seconds, got 0.0"),
])
def test_bad_resume_and_out_input(tmp_path, capsys, setup, argv, match):
    out = tmp_path / "run"
    if setup == "junk":
        out.mkdir()
        (out / "notes.txt").write_text("mine")
    elif setup == "run":
        assert main(["run", *ROOFLINE, "--agent", "random", "--budget", "20", "--out", str(out)]) == 0
    listing = sorted(p.name for p in out.rglob("*")) if out.exists() else None
    capsys.readouterr()
    args = ["run", "--out", str(out), "--no-progress", *argv]
    if setup == "none":
        args += ["--env", "roofline"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("archgym: error: ") and match in err and err.count("\n") == 1
    assert (sorted(p.name for p in out.rglob("*")) if out.exists() else None) == listing  # nothing changed
    if setup == "junk":
        assert (out / "notes.txt").read_text() == "mine"


def test_replay_refuses_an_agent_that_diverges(tmp_path, interrupt_at):
    out = tmp_path / "run"
    interrupt_at(15)
    with pytest.raises(RunInterrupted):
        run_search("roofline", "random", 50, 3, out, progress=False)
    logged = sorted(load(out / "dataset")["step"])
    assert logged == list(range(len(logged))) and len(logged) >= 14  # 14 calls (+ designs a constraint kept from the simulator)
    manifest = json.loads((out / "run.json").read_text())
    manifest["seed"] = 4  # as if the agent had drawn differently
    (out / "run.json").write_text(json.dumps(manifest))
    interrupt_at(-1)
    with pytest.raises(ConfigError, match="not deterministic under replay, so this run cannot be resumed"):
        run_search(None, None, None, None, out, progress=False, resume=True)
    assert sorted(load(out / "dataset")["step"]) == logged  # the logged rows are kept


def test_resume_with_a_constrained_objective_given_again_or_not(tmp_path, interrupt_at):
    """The objective's JSON (tuples in it) round-trips through run.json; replayed rewards match."""
    objective = '{"kind": "constrained", "base": {"kind": "weighted"}, "limits": {"area_mm2": ["<=", 1.0]}}'
    ref = tmp_path / "ref"
    run_search("roofline", "ga", 60, 1, ref, objective=objective, progress=False)
    out = tmp_path / "run"
    interrupt_at(25)
    with pytest.raises(RunInterrupted):
        run_search("roofline", "ga", 60, 1, out, objective=objective, progress=False)
    interrupt_at(30)
    with pytest.raises(RunInterrupted):
        run_search(None, None, None, None, out, objective=objective, progress=False, resume=True)
    interrupt_at(-1)
    run_search(None, None, None, None, out, progress=False, resume=True)
    assert _steps(out) == _steps(ref)
    s = json.loads((out / "summary.json").read_text())
    assert s["objective"]["kind"] == "constrained" and s["objective"]["limits"] == {"area_mm2": ["<=", 1.0]}


def test_an_interrupt_swallowed_inside_the_simulator_still_stops_the_run(tmp_path, monkeypatch, roofline):
    """As Numba does: the KeyboardInterrupt raised in compiled code comes back as SystemError."""
    import os

    cls = type(roofline)
    real = cls._evaluate
    calls = []

    def _evaluate(self, design, workload):
        calls.append(1)
        if len(calls) == 10:
            try:
                os.kill(os.getpid(), signal.SIGINT)
            except KeyboardInterrupt:
                raise SystemError("CPUDispatcher(<function simulate>) returned a result with an exception set") from None
        return real(self, design, workload)

    monkeypatch.setattr(cls, "_evaluate", _evaluate)
    out = tmp_path / "run"
    assert main(["run", *ROOFLINE, "--agent", "random", "--budget", "100", "--out", str(out)]) == 130
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "interrupted" and summary["calls"] < 100
