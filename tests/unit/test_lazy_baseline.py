"""Issue 18 item 3: baselines computed on first use, kept on disk per (design, workload, version, tag)."""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest

from archgym.errors import ConfigError
from archgym.simulator import Metric, Simulator
from archgym.space import ParameterSpace, PowerOfTwo


class Counting(Simulator):
    """time = 1000 / lanes; counts its calls (stands in for a slow external simulator)."""

    name = "counting"
    version = "3"
    design_space = ParameterSpace({"lanes": PowerOfTwo(1, 64)})
    metrics = (Metric("time_ns", "ns", "min"), Metric("area_mm2", "mm2", "min"))
    workloads = ("a", "b")
    baseline_cache = True

    def __init__(self, tag: str = ""):
        self.calls = 0
        self.tag = tag

    def cache_tag(self) -> str:
        return self.tag

    def default_design(self):
        return {"lanes": 4}

    def _evaluate(self, design, workload):
        self.calls += 1
        scale = 2.0 if workload == "b" else 1.0
        return {"time_ns": scale * 1000.0 / design["lanes"], "area_mm2": 0.5 * design["lanes"]}


@pytest.fixture(autouse=True)
def _cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("ARCHGYM_CACHE_DIR", str(tmp_path / "cache"))


def test_env_construction_evaluates_nothing_first_step_pays_the_baseline():
    from archgym.envs import DesignEnv

    sim = Counting()
    env = DesignEnv(sim, workload="a")
    assert sim.calls == 0 and not env.objective.built
    env.reset(seed=0)
    obs, reward, *_ = env.step({"lanes": 8})
    assert sim.calls == 2  # the baseline (lanes=4), then the design
    # hand-derived: baseline time 250 ns, area 2 mm2; design 125 ns, 4 mm2
    np.testing.assert_allclose(obs[:2], [125 / 250, 4 / 2])
    # default objective: targets 20 % below the baseline: 200 ns, 1.6 mm2
    assert env.objective.real.targets == pytest.approx({"time_ns": 200.0, "area_mm2": 1.6})


def test_bad_objective_still_fails_at_construction_without_simulating():
    from archgym.envs import DesignEnv

    sim = Counting()
    for spec, fragment in [
        ({"kind": "target", "metric": ["time_ns"]}, "unknown key 'metric'"),
        ({"kind": "target", "metrics": ["time_ns"], "improvement": "lots"}, "'improvement' must be a number"),
        ({"kind": "target", "metrics": ["latency"]}, "no metric 'latency'"),
        ({"kind": "weighted", "weights": {"time_ns": "x"}}, "invalid objective"),
        ({"kind": "constrained", "limits": {"area_mm2": ["<=", "big"]}}, "must be [op, number]"),
        ({"kind": "pareto"}, "unknown kind 'pareto'"),
    ]:
        with pytest.raises(ConfigError, match=None) as info:
            DesignEnv(sim, workload="a", objective=spec)
        assert fragment in str(info.value), (spec, str(info.value))
    assert sim.calls == 0


def test_baseline_cached_on_disk_per_workload_and_tag(tmp_path):
    first = Counting()
    assert first.baseline_metrics("a") == {"time_ns": 250.0, "area_mm2": 2.0}
    assert first.baseline_metrics("a") == {"time_ns": 250.0, "area_mm2": 2.0} and first.calls == 1
    second = Counting()  # a new process would see the same: nothing in memory
    assert second.baseline_metrics("a") == {"time_ns": 250.0, "area_mm2": 2.0} and second.calls == 0
    assert second.baseline_metrics("b") == {"time_ns": 500.0, "area_mm2": 2.0} and second.calls == 1
    other = Counting(tag="scalesim=9")
    other.baseline_metrics("a")
    assert other.calls == 1  # another tool version: its own entry
    files = sorted((tmp_path / "cache" / "baselines").glob("counting-*.json"))
    assert len(files) == 3
    assert {json.loads(f.read_text())["identity"]["workload"] for f in files} == {"a", "b"}


def test_corrupt_cache_file_is_recomputed(tmp_path, caplog):
    Counting().baseline_metrics("a")
    (path,) = (tmp_path / "cache" / "baselines").glob("counting-*.json")
    path.write_text("{not json")
    sim = Counting()
    with caplog.at_level(logging.WARNING):
        assert sim.baseline_metrics("a")["time_ns"] == 250.0
    assert sim.calls == 1 and "recomputing" in caplog.text
    assert json.loads(path.read_text())["metrics"]["time_ns"] == 250.0  # rewritten whole


def test_uncached_simulators_do_not_touch_the_disk(tmp_path, roofline):
    roofline.baseline_metrics("axpy")
    assert not (tmp_path / "cache").exists()


def test_scalesim_env_builds_without_running_scalesim(monkeypatch):
    from archgym.envs import DesignEnv
    from archgym.simulators.accelerator.scalesim_backend import ScaleSimSimulator

    def boom(*a, **k):
        raise AssertionError("SCALE-Sim ran while building the environment")

    monkeypatch.setattr(ScaleSimSimulator, "run_layers", boom)
    env = DesignEnv(ScaleSimSimulator(), workload="alexnet")
    assert env.workload == "alexnet" and not env.objective.built
    with pytest.raises(ConfigError, match="timeout_s must be a positive number"):
        ScaleSimSimulator(timeout_s=0)
    assert "mode=CALC" in ScaleSimSimulator().cache_tag() and "mode=USER" in ScaleSimSimulator(mode="USER").cache_tag()
