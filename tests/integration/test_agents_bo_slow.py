"""Slower BO checks: the mixed-alternating optimiser on a multi-objective problem, and search quality."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("botorch")

from archgym.agents import make_agent  # noqa: E402
from archgym.envs import DesignEnv  # noqa: E402


def _load_mixed():
    """The mixed-space test simulator of the BO unit tests (one definition, loaded by path)."""
    path = Path(__file__).resolve().parents[1] / "unit" / "test_agents_bo.py"
    spec = importlib.util.spec_from_file_location("_agents_bo_unit", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Mixed


Mixed = _load_mixed()

pytestmark = pytest.mark.slow


def test_bo_mixed_alternating_multi_objective():
    env = DesignEnv(Mixed(), objective={"kind": "multi"})
    agent = make_agent("bo", n_init=4, optimizer="mixed_alternating", mc_samples=32, fit_maxiter=50)
    res = agent.search(env, 8, seed=0)
    assert res.calls == 8 and agent.iterations == 4
    assert res.pareto_designs
    assert not any(h.cache_hit for h in res.history)


def test_bo_finds_the_optimum_of_a_mixed_problem_faster_than_random():
    """Cost optimum: kind a, n 5, p 4, x 0.25 (cost 1); 1080 designs, budget 30."""

    def best(agent, **kw):
        env = DesignEnv(Mixed(), objective={"kind": "weighted", "weights": {"cost_ns": 1.0}})
        return make_agent(agent, **kw).search(env, 30, seed=0)

    bo = best("bo", n_init=8, fit_maxiter=50)
    rnd = best("random")
    assert bo.best_metrics["cost_ns"] < rnd.best_metrics["cost_ns"]
    assert bo.best_metrics["cost_ns"] == pytest.approx(1.0)
    assert np.all(np.diff(bo.best_so_far) >= 0)
