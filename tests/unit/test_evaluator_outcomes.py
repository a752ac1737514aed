"""Outcomes of an evaluation (ok / infeasible / constraint / error), interrupts that never become
rows, and a run that stops after K simulator errors in a row."""

from __future__ import annotations

import pytest

from archgym.cli import main
from archgym.datasets import DatasetWriter, load
from archgym.envs import DesignEnv, Evaluator
from archgym.errors import InfeasibleDesign, RepeatedSimulatorError
from archgym.objective import Constrained, TargetSpec
from archgym.simulator import Metric, Simulator, register_simulator
from archgym.space import Constraint, Integer, ParameterSpace


class Outcomes(Simulator):
    """x=3 is infeasible, x=4 and x>=10 crash, x=5 is interrupted, x=6 is a Numba-style interrupt,
    x=7 breaks a design-space constraint; anything else costs x + 1."""

    name = "outcomes-test"
    design_space = ParameterSpace({"x": Integer(0, 19)}, [Constraint("not_seven", lambda d: d["x"] != 7, "x != 7")])
    metrics = (Metric("cost", "1", "min"),)
    workloads = ("w",)

    def __init__(self):
        self.calls = 0

    def default_design(self):
        return {"x": 1}

    def _evaluate(self, design, workload):
        self.calls += 1
        x = design["x"]
        if x == 3:
            raise InfeasibleDesign("x = 3 does not fit")
        if x == 4 or x >= 10:
            raise RuntimeError(f"simulator crashed on {x}")
        if x == 5:
            raise KeyboardInterrupt
        if x == 6:  # what Ctrl-C inside a compiled Numba kernel looks like (seen on the DRAM engine)
            try:
                try:
                    raise KeyboardInterrupt
                except KeyboardInterrupt as ki:
                    raise SystemError("<function _numba_unpickle> returned a result with an exception set") from ki
            except SystemError as inner:
                raise SystemError("CPUDispatcher(<function simulate>) returned a result with an exception set") from inner
        return {"cost": float(x + 1)}


def _evaluator(tmp_path=None, limits=None, **kw):
    sim = Outcomes()
    objective = TargetSpec({"cost": 2.0})
    if limits:
        objective = Constrained(objective, limits)
    writer = DatasetWriter(tmp_path, sim) if tmp_path is not None else None
    return sim, Evaluator(sim, "w", objective, writer, **kw)


def test_each_outcome_recorded_and_logged(tmp_path):
    sim, ev = _evaluator(tmp_path, limits={"cost": ("<=", 5.0)})
    recs = [ev.evaluate({"x": x}) for x in (2, 3, 4, 7, 8, 2)]
    assert [r.outcome for r in recs] == ["ok", "infeasible", "error", "constraint", "constraint", "ok"]
    assert [r.feasible for r in recs] == [True, False, False, False, False, True]
    assert recs[4].metrics == {"cost": 9.0}  # an objective limit keeps the metrics
    assert recs[3].metrics is None and "x != 7" in recs[3].error  # a design-space constraint: not simulated
    assert recs[2].error == "RuntimeError: simulator crashed on 4"
    assert recs[5].cache_hit and sim.calls == 4
    ev.close()
    df = load(tmp_path)
    assert df["outcome"].tolist() == ["ok", "infeasible", "error", "constraint", "constraint", "ok"]
    assert df["error"].fillna("").tolist()[2] == "RuntimeError: simulator crashed on 4"


@pytest.mark.parametrize("x", [5, 6], ids=["interrupt", "numba-systemerror"])
def test_interrupts_propagate_and_never_become_rows(tmp_path, x):
    sim, ev = _evaluator(tmp_path)
    ev.evaluate({"x": 2})
    with pytest.raises(KeyboardInterrupt) as info:
        ev.evaluate({"x": x})
    assert type(info.value) is KeyboardInterrupt
    assert len(ev.writer) == 1  # only the completed call
    assert ev.consecutive_errors == 0
    ev.close()
    assert load(tmp_path)["outcome"].tolist() == ["ok"]


def test_a_tool_exit_turned_into_an_error_stays_an_error():
    class ToolExits(Outcomes):  # what the SCALE-Sim adapter does with SCALE-Sim's exit()
        def _evaluate(self, design, workload):
            try:
                raise SystemExit(1)
            except SystemExit as exc:
                raise RuntimeError("SCALE-Sim exited (1)") from exc

    ev = Evaluator(ToolExits(), "w", TargetSpec({"cost": 2.0}))
    assert ev.evaluate({"x": 2}).outcome == "error"


def test_system_exit_propagates():
    class Exits(Outcomes):
        def _evaluate(self, design, workload):
            raise SystemExit(3)

    ev = Evaluator(Exits(), "w", TargetSpec({"cost": 2.0}))
    with pytest.raises(SystemExit):
        ev.evaluate({"x": 2})


def test_stops_after_k_consecutive_errors_with_the_last_traceback(tmp_path):
    sim, ev = _evaluator(tmp_path)
    for x in (10, 11, 12, 13):  # 4 errors, then an ok resets the count
        assert ev.evaluate({"x": x}).outcome == "error"
    ev.evaluate({"x": 2})
    ev.evaluate({"x": 10})  # cache hit: not a new error, not counted
    assert ev.consecutive_errors == 0
    for x in (14, 15, 7, 16, 17):  # x=7 is not simulated (design-space constraint): no reset
        ev.evaluate({"x": x})
    assert ev.consecutive_errors == 4
    with pytest.raises(RepeatedSimulatorError, match="raised an error on 5 designs in a row") as info:
        ev.evaluate({"x": 18})
    err = info.value
    assert err.count == 5 and err.last_error == "RuntimeError: simulator crashed on 18"
    assert "Traceback" in err.last_traceback and "simulator crashed on 18" in err.last_traceback
    ev.close()
    assert len(load(tmp_path)) == 12  # the failing calls are rows too


def test_error_limit_is_configurable_on_the_env():
    env = DesignEnv(Outcomes(), objective=TargetSpec({"cost": 2.0}), max_consecutive_errors=2)
    env.reset(seed=0)
    assert env.step({"x": 10})[4]["outcome"] == "error"
    with pytest.raises(RepeatedSimulatorError):
        env.step({"x": 11})
    never = DesignEnv(Outcomes(), objective=TargetSpec({"cost": 2.0}), max_consecutive_errors=None)
    for x in range(10, 20):
        never.step({"x": x})
    with pytest.raises(ValueError, match="max_consecutive_errors must be an integer >= 1 or None, got 0"):
        DesignEnv(Outcomes(), max_consecutive_errors=0)


class AlwaysCrashes(Outcomes):
    """Scores the baseline design (the env needs it, lazily), every other design fails."""

    name = "always-crashes-test"

    def _evaluate(self, design, workload):
        self.calls += 1
        if design != self.default_design():
            raise OSError("external simulator binary not found")
        return {"cost": 2.0}


def test_cli_shows_the_stop_in_one_short_block(tmp_path, capsys):
    register_simulator("always-crashes-test", AlwaysCrashes, overwrite=True)
    rc = main(["run", "--env", "always-crashes-test", "--agent", "random", "--budget", "50", "--seed", "0",
               "--objective", '{"kind": "target", "targets": {"cost": 2.0}}', "--out", str(tmp_path / "run"),
               "--no-progress"])
    err = capsys.readouterr().err
    assert rc == 1
    lines = err.strip().splitlines()
    assert lines[0].startswith("archgym: error: simulator 'always-crashes-test' raised an error on 5 designs in a row")
    assert "OSError: external simulator binary not found" in lines[-1]
    assert len(lines) <= 15
    df = load(tmp_path / "run" / "dataset")  # the five calls were flushed
    # the five failed calls were flushed; a design breaking the space's constraint (x == 7) is
    # never simulated, so it neither counts towards nor breaks the run of errors
    assert (df["outcome"] == "error").sum() == 5
    assert set(df["outcome"]) <= {"error", "constraint"}
