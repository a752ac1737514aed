"""The Optuna and Nevergrad adapters on a tiny mixed space: valid designs, budget, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from archgym.agents import make_agent
from archgym.envs import DesignEnv
from archgym.objective import MultiObjective, Weighted
from archgym.simulator import Metric, Simulator
from archgym.space import Categorical, Integer, Ordinal, ParameterSpace, PowerOfTwo, Real

OPTUNA = ("optuna-tpe", "optuna-cmaes", "optuna-nsga2", pytest.param("optuna-gp", marks=pytest.mark.slow))
NEVERGRAD = ("nevergrad-ngopt", "nevergrad-oneplusone", "nevergrad-de")


class Tiny(Simulator):
    """5 knobs (one fixed, one continuous); cost is smallest at (b, 8, 16, 14, f=1)."""

    name = "tiny_baselines"
    design_space = ParameterSpace(
        {"kind": Categorical(["a", "b", "c"]), "buf": Integer(1, 64), "rows": PowerOfTwo(4, 32), "t": Ordinal([7, 14, 21]), "fixed": Integer(5, 5),
         "f": Real(0.5, 2.0, log=True)}
    )
    metrics = (Metric("cost_ns", "ns", "min"), Metric("area_mm2", "mm2", "min"))
    workloads = ("w",)

    def default_design(self):
        return {"kind": "a", "buf": 1, "rows": 4, "t": 7, "fixed": 5, "f": 0.5}

    def _evaluate(self, design, workload):
        cost = 1.0 + (design["kind"] != "b") + (np.log2(design["buf"]) - 3) ** 2 + (np.log2(design["rows"]) - 4) ** 2 + abs(design["t"] - 14) / 7
        cost += np.log2(design["f"]) ** 2
        return {"cost_ns": float(cost), "area_mm2": float(design["rows"] * 0.1 + design["buf"] * 0.01)}


def _env(multi: bool = False) -> DesignEnv:
    sim = Tiny()
    obj = MultiObjective(["cost_ns", "area_mm2"], scales={"cost_ns": 10, "area_mm2": 1}) if multi else Weighted({"cost_ns": 1.0})
    return DesignEnv(sim, objective=obj)


def _lib(name: str) -> None:
    pytest.importorskip("optuna" if name.startswith("optuna") else "nevergrad")


@pytest.mark.parametrize("name", OPTUNA + NEVERGRAD)
def test_adapter_valid_designs_budget_and_determinism(name):
    _lib(name)
    budget = 14 if name == "optuna-gp" else 24  # the GP fits torch models: keep it short
    env = _env()
    res = make_agent(name).search(env, budget, seed=3)
    assert res.calls == budget == env.unique_calls
    space = Tiny.design_space
    for rec in res.history:
        assert space.validate(rec.design) == rec.design and rec.design["fixed"] == 5
    again = make_agent(name).search(_env(), budget, seed=3)
    assert [r.design for r in again.history] == [r.design for r in res.history]
    other = make_agent(name).search(_env(), budget, seed=4)
    assert [r.design for r in other.history] != [r.design for r in res.history]


@pytest.mark.parametrize("name", ("optuna-nsga2", "optuna-tpe", "nevergrad-ngopt"))
def test_adapter_multi_objective(name):
    _lib(name)
    res = make_agent(name).search(_env(multi=True), 16, seed=0)
    assert res.calls == 16 and res.pareto_vectors


def test_optuna_distributions_keep_order_and_categories():
    pytest.importorskip("optuna")
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    from archgym.agents.baselines.spaces import from_optuna, optuna_distributions

    d = optuna_distributions(Tiny.design_space)
    assert set(d) == {"kind", "buf", "rows", "t", "f"}  # the single-valued knob is left out
    assert isinstance(d["kind"], CategoricalDistribution) and d["kind"].choices == ("a", "b", "c")
    assert d["buf"] == IntDistribution(1, 64, log=True)  # wide integer range: log scale
    assert d["rows"] == IntDistribution(0, 3) and d["t"] == IntDistribution(0, 2)  # ordered by index
    assert d["f"] == FloatDistribution(0.5, 2.0, log=True)
    assert from_optuna(Tiny.design_space, {"kind": "c", "buf": 9, "rows": 2, "t": 1, "f": 1.5}) == {
        "kind": "c", "buf": 9, "rows": 16, "t": 14, "fixed": 5, "f": 1.5
    }


def test_nevergrad_parametrization_keeps_order_and_categories():
    ng = pytest.importorskip("nevergrad")
    from archgym.agents.baselines.spaces import from_nevergrad, nevergrad_parametrization

    p = nevergrad_parametrization(Tiny.design_space, seed=0)
    kinds = {k: type(v) for k, v in p.items()}
    assert kinds == {"kind": ng.p.Choice, "buf": ng.p.Log, "rows": ng.p.TransitionChoice, "t": ng.p.TransitionChoice, "f": ng.p.Log}
    design = from_nevergrad(Tiny.design_space, {"kind": "b", "buf": np.float64(70.2), "rows": 8, "t": 21, "f": 2.5})
    assert design["buf"] == 64 and design["f"] == 2.0  # clipped into range


def test_missing_library_is_a_clear_error(monkeypatch):
    import sys

    from archgym.errors import ConfigError

    monkeypatch.setitem(sys.modules, "optuna", None)
    with pytest.raises(ConfigError, match="pip install 'archgym\\[baselines\\]'"):
        make_agent("optuna-tpe").search(_env(), 4, seed=0)
