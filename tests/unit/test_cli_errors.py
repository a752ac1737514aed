"""Issue 18 item 5: every bad input a stranger tried gets one line ``archgym: error: …``, exit 2,
and writes nothing; an infeasible design is not bad input (exit 3, reason and metrics shown)."""

from __future__ import annotations

import json

import pytest

from archgym.cli import main
from archgym.commands.evaluate import EXIT_INFEASIBLE
from archgym.errors import InfeasibleDesign
from archgym.simulator import Metric, Simulator, register_simulator
from archgym.simulators.dram.config import DATA_DIR
from archgym.space import ParameterSpace, PowerOfTwo


def _one_line_error(capsys, fragment: str) -> str:
    err = capsys.readouterr().err
    assert err.startswith("archgym: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err and fragment in err, err
    return err


@pytest.mark.parametrize(
    "extra, fragment",
    [
        (["--objective", '{"kind":"target","metric":["runtime_ns"]}'], "unknown key 'metric' for kind 'target' (did you mean 'metrics'?)"),
        (["--objective", '{"kind":"target","metrics":["runtime_ns"],"improvement":"lots"}'], "'improvement' must be a number"),
        (["--objective", '{"kind":"weighted","weights":{"runtime_ns":"x"}}'], "invalid objective"),
        (["--seed", "-1"], "seed must be an integer >= 0, got -1"),
    ],
)
def test_run_bad_input_exit_2_writes_nothing(tmp_path, capsys, extra, fragment):
    out = tmp_path / "deep" / "out"
    rc = main(["run", "--env", "roofline", "--agent", "random", "--budget", "2", "--no-progress", "--out", str(out), *extra])
    assert rc == 2
    _one_line_error(capsys, fragment)
    assert list(tmp_path.iterdir()) == []  # no empty --out folder (nor its parent) left behind


def test_run_out_naming_an_existing_file(tmp_path, capsys):
    target = tmp_path / "results.txt"
    target.write_text("keep me")
    rc = main(["run", "--env", "roofline", "--agent", "random", "--budget", "2", "--no-progress", "--out", str(target)])
    assert rc == 2
    _one_line_error(capsys, "is a file; choose a folder")
    assert target.read_text() == "keep me"


def test_evaluate_repeated_design_key(capsys):
    assert main(["evaluate", "-s", "roofline", "-d", "lanes=4", "lanes=16"]) == 2
    _one_line_error(capsys, "parameter 'lanes' given twice ('4' and '16')")


def test_run_repeated_agent_param(tmp_path, capsys):
    rc = main(["run", "--env", "roofline", "--agent", "ga", "--budget", "2", "--out", str(tmp_path / "o"),
               "-p", "population=8", "population=16"])
    assert rc == 2
    _one_line_error(capsys, "--agent-param 'population' given twice ('8' and '16')")
    assert not (tmp_path / "o").exists()


def test_evaluate_timeout_only_for_external_simulators(capsys):
    assert main(["evaluate", "-s", "roofline", "--timeout", "5"]) == 2
    _one_line_error(capsys, "takes no --timeout")
    assert main(["evaluate", "-s", "scalesim", "--timeout", "-1"]) == 2
    _one_line_error(capsys, "--timeout must be a positive number")


@pytest.mark.parametrize(
    "setup, fragment",
    [
        ({"clkMhz": "fast"}, "tracesetup clkMhz must be a positive number of MHz, got 'fast'"),
        ({"clkMhz": -5}, "tracesetup clkMhz must be a positive number of MHz, got -5"),
        ({"maxPendingReadRequests": "many"}, "maxPendingReadRequests must be a whole number >= 0"),
    ],
)
def test_dramsys_simulation_json_bad_values(tmp_path, capsys, setup, fragment):
    sim = json.loads((DATA_DIR / "simulations" / "ddr3-example.json").read_text())
    sim["simulation"]["tracesetup"][0].update(setup)
    path = tmp_path / "sim.json"
    path.write_text(json.dumps(sim, indent=4))
    assert main(["evaluate", "--simulator", "dram", "--config", str(path)]) == 2
    err = _one_line_error(capsys, fragment)
    assert f"{path}:" in err  # with the line of the offending key


class _Budgeted(Simulator):
    """A design over the area budget is infeasible; its area is still known."""

    name = "budgeted"
    design_space = ParameterSpace({"lanes": PowerOfTwo(1, 64)})
    metrics = (Metric("runtime_ns", "ns", "min"), Metric("area_mm2", "mm2", "min"))
    workloads = ("axpy",)

    def default_design(self):
        return {"lanes": 8}

    def _evaluate(self, design, workload):
        area = 0.25 * design["lanes"]
        if area > 4.0:
            raise InfeasibleDesign(f"area {area} mm2 over the 4 mm2 budget", metrics={"area_mm2": area})
        return {"runtime_ns": 1000.0 / design["lanes"], "area_mm2": area}


def test_evaluate_infeasible_design_exit_3_with_reason_and_metrics(capsys):
    register_simulator("budgeted", _Budgeted, overwrite=True)
    assert main(["evaluate", "-s", "budgeted", "-d", "lanes=32"]) == EXIT_INFEASIBLE == 3
    cap = capsys.readouterr()
    out = json.loads(cap.out)
    assert out["feasible"] is False and out["reason"] == "area 8.0 mm2 over the 4 mm2 budget"
    assert out["metrics"] == {"area_mm2": 8.0}
    assert cap.err == "archgym: infeasible: area 8.0 mm2 over the 4 mm2 budget\n"
    assert main(["evaluate", "-s", "budgeted", "-d", "lanes=16"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "simulator": "budgeted", "version": "0", "workload": "axpy", "design": {"lanes": 16}, "feasible": True,
        "metrics": {"runtime_ns": 62.5, "area_mm2": 4.0},
    }


def test_evaluate_infeasible_builtin_design(capsys):
    assert main(["evaluate", "-s", "sparse_sat", "-d", "rows=64", "cols=64"]) == 3
    cap = capsys.readouterr()
    assert json.loads(cap.out)["feasible"] is False
    assert cap.err.startswith("archgym: infeasible: over the XCVU9P")


def test_sweep_problems_of_every_round_in_one_report(tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "name: bad\n"
        "budget: 0\n"  # structure
        "envs:\n"
        "  - id: archgym/Roofline-v0\n"
        "    workloads: [axpy, fft]\n"  # names
        "    objective: {kind: target, metrics: [runtime_nss]}\n"  # objective metrics
        "  - id: archgym/Nope-v0\n"  # names
        "agents:\n"
        "  random: {}\n"
        "  ga: {mutaton_rate: 0.1}\n"  # names
    )
    assert main(["sweep", str(path), "--out", str(tmp_path / "out"), "--check"]) == 2
    err = capsys.readouterr().err
    assert "(5 problems)" in err, err
    for line, fragment in [(2, "budget"), (5, "no workload 'fft'"), (6, "no metric 'runtime_nss'"), (7, "unknown environment"),
                           (10, "unknown hyper-parameter 'mutaton_rate'")]:
        assert f"{path}:{line}: " in err and fragment in err, (line, fragment, err)
    assert not (tmp_path / "out").exists()
