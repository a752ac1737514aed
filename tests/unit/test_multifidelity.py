"""Multi-fidelity search (issue 17): tiers, budget and ledger, the MF env, the ``mf-sh`` screener.

A toy two-tier family: ``x`` in 0..26; the ``coarse`` tier (cost 1) says ``loss = (x - 12)²``,
the ``fine`` tier (cost 10) says ``loss = (x - 12)² + (x mod 2)`` (odd designs are one worse);
reward = −loss. The coarse tier can mark ``x >= infeasible_from`` infeasible.
"""

from __future__ import annotations

import numpy as np
import pytest

import archgym
from archgym.agents import make_agent
from archgym.agents.screener import SuccessiveHalving
from archgym.datasets import load
from archgym.envs import DesignEnv, MultiFidelityEnv
from archgym.envs.evaluator import EvalRecord
from archgym.errors import ConfigError, InfeasibleDesign
from archgym.fidelity import Budget, CostLedger, Tier, register_tiers, tiers_for
from archgym.objective import Score, Weighted
from archgym.parameters import Integer
from archgym.simulator import Metric, Simulator
from archgym.space import ParameterSpace

SPACE = ParameterSpace({"x": Integer(0, 26)})


class _Toy(Simulator):
    version = "1"
    design_space = SPACE
    metrics = (Metric("loss", "1", "min", "distance to x = 12"),)
    workloads = ("w",)

    def __init__(self, infeasible_from: int = 99):
        self.infeasible_from = infeasible_from

    def default_design(self):
        return {"x": 0}

    def default_objective(self, workload=None):
        return Weighted({"loss": 1.0}, {"loss": "min"})


class ToyCoarse(_Toy):
    name = "toy-coarse"
    fidelity = "coarse"

    def _evaluate(self, design, workload):
        if design["x"] >= self.infeasible_from:
            raise InfeasibleDesign(f"x={design['x']} too large")
        return {"loss": float((design["x"] - 12) ** 2)}


class ToyFine(_Toy):
    name = "toy-fine"
    fidelity = "fine"

    def _evaluate(self, design, workload):
        return {"loss": float((design["x"] - 12) ** 2 + design["x"] % 2)}


def _toy_tiers(workload=None, infeasible_from: int = 99):
    return [
        Tier("coarse", "toy-coarse", {"infeasible_from": infeasible_from}, cost=1.0),
        Tier("fine", "toy-fine", cost=10.0),
    ]


archgym.register_simulator("toy-coarse", ToyCoarse, overwrite=True)
archgym.register_simulator("toy-fine", ToyFine, overwrite=True)
register_tiers("toy", _toy_tiers, overwrite=True)
register_tiers("toy-fine", _toy_tiers, overwrite=True)  # the family of the fine simulator's env
TIERS = _toy_tiers()


def _mf_env(tmp_path=None, **kw):
    from archgym.envs.multifidelity import MultiFidelityEnv

    ds = None if tmp_path is None else tmp_path / "ds"
    return MultiFidelityEnv("toy", max_steps=1000, dataset=ds,
                            log_context={"agent": "mf-sh", "seed": 0} if ds else None, **kw)


def _rec(i: int, x: int, reward: float, feasible: bool = True, tier: str = "coarse", cost: float = 1.0) -> EvalRecord:
    return EvalRecord(i, {"x": x}, {"loss": -reward}, Score(reward, feasible), False, None, 0.0, i, "ok", tier, cost)


# -- promotion rules, by hand --------------------------------------------------------------
def _ready(**params) -> SuccessiveHalving:
    agent = SuccessiveHalving(**params)
    agent.setup(SPACE, np.random.default_rng(0), 1, TIERS)
    return agent


def test_promotes_best_third_of_feasible_designs_by_hand():
    agent = _ready(n0=9, eta=3)
    rung = agent.ask(100)
    assert len(rung) == 9 and {t for _, t in rung} == {0}
    xs = [d["x"] for d, _ in rung]
    assert len(set(xs)) == 9  # fresh designs
    # rewards: designs 0 and 1 are the best but infeasible; then 8 > 7 > 6 > ... by index
    rewards = [100.0, 90.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]
    feasible = [False, False] + [True] * 7
    agent.tell([_rec(i, x, r, f) for i, (x, r, f) in enumerate(zip(xs, rewards, feasible))])
    promoted = agent.ask(100)
    assert promoted == [({"x": xs[8]}, 1), ({"x": xs[7]}, 1), ({"x": xs[6]}, 1)]  # 9 // 3 = 3, infeasible skipped
    agent.tell([_rec(9 + i, d["x"], 0.0, tier="fine", cost=10.0) for i, (d, _) in enumerate(promoted)])
    nxt = agent.ask(100)
    assert len(nxt) == 9 and {t for _, t in nxt} == {0}
    assert not {d["x"] for d, _ in nxt} & set(xs)  # a new bracket never repeats a coarse design
    assert agent.promotions == [(1, {"x": xs[8]}), (1, {"x": xs[7]}), (1, {"x": xs[6]})]


def test_no_feasible_design_ends_the_bracket_and_ties_keep_evaluation_order():
    agent = _ready(n0=4, eta=2)
    xs = [d["x"] for d, _ in agent.ask(100)]
    agent.tell([_rec(i, x, 1.0, feasible=False) for i, x in enumerate(xs)])
    again = agent.ask(100)
    assert len(again) == 4 and {t for _, t in again} == {0} and agent.promotions == []
    ys = [d["x"] for d, _ in again]
    agent.tell([_rec(i, y, 5.0) for i, y in enumerate(ys)])  # all tied: 4 // 2 = 2, first two in order
    assert agent.ask(100) == [({"x": ys[0]}, 1), ({"x": ys[1]}, 1)]


def test_hyperband_second_bracket_starts_at_the_top_tier():
    agent = _ready(n0=9, eta=3, brackets=2)
    first = agent.ask(100)
    agent.tell([_rec(i, d["x"], float(i)) for i, (d, _) in enumerate(first)])
    top = agent.ask(100)
    assert [t for _, t in top] == [1, 1, 1]
    agent.tell([_rec(i, d["x"], 0.0, tier="fine") for i, (d, _) in enumerate(top)])
    second = agent.ask(100)  # bracket s=1: 9 // 3 = 3 designs straight at tier min(1, 1) = 1
    assert len(second) == 3 and {t for _, t in second} == {1}


def test_cost_rule_promotes_what_the_rung_cost_by_hand(tmp_path):
    # promote=cost (default), tiers cost 1 and 10: a rung of 9 coarse designs costs 9, so
    # floor(9 * 1 / 10) = 0 -> at least 1 goes up; of 27 (n0=27): floor(2.7) = 2.
    agent = _ready(n0=27)
    assert agent.params["promote"] == "cost"
    rung = agent.ask(100)
    assert len(rung) == 27
    xs = [d["x"] for d, _ in rung]
    agent.tell([_rec(i, x, float(i)) for i, x in enumerate(xs)])
    assert agent.ask(100) == [({"x": xs[26]}, 1), ({"x": xs[25]}, 1)]
    # under Budget(cost=40) with n0=9: a bracket costs 9 + 1 * 10 = 19; two fit (38), then 2
    # units are left and a one-design bracket costs 1 + 10: the search stops on 18 + 2 calls
    env = _mf_env(tmp_path)
    res = make_agent("mf-sh", n0=9).search(env, Budget(cost=40), seed=0)
    env.close()
    assert res.ledger["tiers"]["coarse"]["calls"] == 18 and res.ledger["tiers"]["fine"]["calls"] == 2
    assert res.ledger["total_cost"] == 38.0


def test_cost_rule_hyperband_bracket_starts_with_what_n0_cheap_calls_pay_for():
    agent = _ready(n0=27, brackets=2)  # costs 1 and 10
    first = agent.ask(100)
    agent.tell([_rec(i, d["x"], float(i)) for i, (d, _) in enumerate(first)])
    top = agent.ask(100)
    assert [t for _, t in top] == [1, 1]  # floor(27 / 10) = 2 verified
    agent.tell([_rec(i, d["x"], 0.0, tier="fine", cost=10.0) for i, (d, _) in enumerate(top)])
    second = agent.ask(100)  # bracket s=1 at the top tier: 27 cost units buy floor(27 / 10) = 2
    assert len(second) == 2 and {t for _, t in second} == {1}


def test_explicit_eta_selects_the_eta_rule_and_conflicts_are_refused():
    assert make_agent("mf-sh", eta=9).params["promote"] == "eta"
    assert make_agent("mf-sh").params["promote"] == "cost"
    with pytest.raises(ConfigError, match="eta=9 applies to promote=eta"):
        make_agent("mf-sh", eta=9, promote="cost")
    with pytest.raises(ConfigError, match="promote"):
        make_agent("mf-sh", promote="half")


# -- the ledger and the budget -------------------------------------------------------------
def test_ledger_adds_up_per_tier_and_total_cache_hits_free():
    led = CostLedger(TIERS)
    led.add("coarse", 1.0, 0.5, False)
    led.add("coarse", 1.0, 0.25, False)
    led.add("coarse", 0.0, 0.0, True)
    led.add("fine", 10.0, 2.0, False)
    led.add("fine", 10.0, 9.0, True)  # a hit costs nothing even if a cost is passed
    d = led.as_dict()
    assert d["tiers"]["coarse"] == {"calls": 2, "cost": 2.0, "sim_s": 0.75, "cache_hits": 1}
    assert d["tiers"]["fine"] == {"calls": 1, "cost": 10.0, "sim_s": 2.0, "cache_hits": 1}
    assert (d["total_calls"], d["total_cost"], d["total_sim_s"]) == (3, 12.0, 2.75)


def test_screener_under_cost_budget_by_hand(tmp_path):
    # n0=9, eta=3, costs 1 and 10, budget 25: a bracket of n costs n + max(1, n // 3) * 10;
    # n = 9..6 cost 39, 28, 27, 26 > 25; n = 5 costs 5 + 10 = 15. Then 10 is left: n = 1 would
    # cost 11, so the search stops. Ledger: 5 coarse calls + 1 fine call = 15 cost units.
    env = _mf_env(tmp_path)
    agent = make_agent("mf-sh", n0=9, eta=3)
    res = agent.search(env, Budget(cost=25), seed=3)
    env.close()
    assert res.ledger["tiers"]["coarse"]["calls"] == 5
    assert res.ledger["tiers"]["fine"]["calls"] == 1
    assert res.ledger["total_cost"] == 15.0
    assert [c for c, _ in res.verified_curve] == [1.0, 2.0, 3.0, 4.0, 5.0, 15.0]
    assert np.isneginf(res.verified_curve[4][1]) and res.verified_curve[5][1] == res.best_reward
    # the env's own ledger says the same
    env_ledger = env.unwrapped.ledger.as_dict()
    assert [(t["calls"], t["cost"]) for t in env_ledger["tiers"].values()] == [(5, 5.0), (1, 10.0)]
    df = load(tmp_path / "ds")
    assert sorted(df["fidelity"].tolist()) == ["coarse"] * 5 + ["fine"]


def test_top_tier_rows_are_exactly_the_promoted_designs(tmp_path):
    env = _mf_env(tmp_path, infeasible_from=20)
    agent = make_agent("mf-sh", n0=9, eta=3)
    res = agent.search(env, Budget(calls={"fine": 6}), seed=1)
    env.close()
    df = load(tmp_path / "ds")
    fine = df[df["fidelity"] == "fine"]
    coarse = df[df["fidelity"] == "coarse"]
    assert sorted(fine["p_x"].tolist()) == sorted(d["x"] for t, d in agent.promotions if t == 1)
    assert len(fine) == res.ledger["tiers"]["fine"]["calls"] == 6
    assert set(fine["simulator"]) == {"toy-fine"} and set(coarse["simulator"]) == {"toy-coarse"}
    # each promoted design was among the best third of the feasible coarse designs of its bracket
    for b in range(2):
        bracket = coarse.iloc[9 * b: 9 * (b + 1)]
        ok = bracket[bracket["feasible"]].sort_values("reward", ascending=False, kind="stable")
        assert set(fine["p_x"].iloc[3 * b: 3 * (b + 1)]) == set(ok["p_x"].iloc[:3])
        assert not (fine["p_x"].iloc[3 * b: 3 * (b + 1)] >= 20).any()  # infeasible never promoted
    assert (df["agent"] == "mf-sh").all()


def test_single_fidelity_agent_on_mf_env_uses_the_top_tier():
    env = _mf_env()
    res = make_agent("random").search(env, 5, seed=0)
    assert res.ledger["tiers"]["fine"]["calls"] == 5 and res.ledger["tiers"]["coarse"]["calls"] == 0
    assert res.ledger["total_cost"] == 50.0
    assert {r.fidelity for r in res.history} == {"fine"}


# -- the env ------------------------------------------------------------------------------
def test_mf_env_passes_check_env():
    from gymnasium.utils.env_checker import check_env

    check_env(_mf_env(), skip_render_check=True)


def test_mf_env_step_info_and_cache_per_tier():
    env = _mf_env()
    env.reset(seed=0)
    _, r0, _, _, i0 = env.step({"design": {"x": 13}, "fidelity": "coarse"})
    _, r1, _, _, i1 = env.step({"design": {"x": 13}, "fidelity": 1})
    _, r2, _, _, i2 = env.step({"design": {"x": 13}, "fidelity": 1})
    assert (r0, r1, r2) == (-1.0, -2.0, -2.0)  # (13-12)² = 1; odd: +1 at the fine tier
    assert (i0["fidelity"], i0["cost"], i0["cache_hit"]) == ("coarse", 1.0, False)
    assert (i1["fidelity"], i1["cost"], i1["cache_hit"]) == ("fine", 10.0, False)
    assert (i2["fidelity"], i2["cost"], i2["cache_hit"]) == ("fine", 0.0, True)
    assert i2["record"].reward == -2.0
    assert env.ledger.total_cost == 11.0 and env.unique_calls == 2


def test_single_fidelity_env_info_and_fidelity_option():
    from archgym.envs import DesignEnv

    env = DesignEnv("toy-fine", fidelity="fine", tier_options={"infeasible_from": 99})
    assert env.simulator.name == "toy-fine" and env.tiers[0].name == "fine"
    env.reset(seed=0)
    _, _, _, _, info = env.step({"x": 12})
    assert (info["fidelity"], info["cost"], info["cache_hit"]) == ("fine", 10.0, False)
    assert env.ledger.as_dict()["total_cost"] == 10.0


def test_registered_mf_ids_and_qnet_tiers():
    import gymnasium as gym

    for env_id in ("archgym/DRAM-MF-v0", "archgym/DNNAccel-MF-v0", "archgym/QNetSched-MF-v0"):
        assert env_id in gym.registry
    tiers = tiers_for("qnet", "line-f0.6-load50")
    assert [t.name for t in tiers] == ["deterministic", "stochastic"]
    assert [t.workload_for("line-f0.6-load50-stoch") for t in tiers] == ["line-f0.6-load50", "line-f0.6-load50-stoch"]


# -- bad input: one line naming what is allowed ---------------------------------------------
@pytest.mark.parametrize(
    "call, message",
    [
        (lambda env: env.step({"design": {"x": 1}, "fidelity": "exact"}), "unknown fidelity 'exact'; tiers: coarse, fine"),
        (lambda env: env.step({"design": {"x": 1}, "fidelity": 2}), "fidelity index 2 out of range 0..1 (tiers: coarse, fine)"),
        (lambda env: env.step({"x": 1}), "a multi-fidelity action is {'design': ..., 'fidelity': tier index or name}, got ['x']"),
        (lambda env: Budget(calls=0), "budget must be an integer >= 1, got 0"),
        (lambda env: Budget(cost=-1.0), "budget cost must be a finite number > 0 (cost units), got -1.0"),
        (lambda env: Budget(calls={"fine": 0}), "budget calls for tier 'fine' must be an integer >= 1, got 0"),
        (lambda env: make_agent("mf-sh").search(env, Budget(calls={"exact": 3})), "budget names unknown tier 'exact'; tiers: coarse, fine"),
        (lambda env: tiers_for("sparse_sat"), "simulator family 'sparse_sat' declares no fidelity tiers"),
        (lambda env: DesignEnv("dram", fidelity="proxy"), "the dram family's proxy tier needs a trained model: give proxy_model=<model dir>"),
        (lambda env: MultiFidelityEnv("dram"), "the dram family's proxy tier needs a trained model: give proxy_model=<model dir>"),
        (lambda env: tiers_for("qnet", proxy_model="m"), "tier family 'qnet' has no option 'proxy_model'; options: (none)"),
        (lambda env: tiers_for("toy", infeasible=3), "tier family 'toy' has no option 'infeasible' (did you mean 'infeasible_from'?)"),
    ],
)
def test_bad_input_one_line_error(call, message):
    env = _mf_env()
    env.reset(seed=0)
    with pytest.raises(ConfigError) as info:
        call(env)
    text = str(info.value)
    assert message in text and "\n" not in text


# -- drivers: sweeps accept mf-sh; archgym run with -MF- ids, --fidelity and --budget-cost --------
def test_sweep_trial_runs_mf_sh_and_logs_its_context(tmp_path):
    from archgym.sweep import expand_trials, load_config
    from archgym.sweep.store import open_sweep
    from archgym.sweep.trainable import execute_trial

    cfg = load_config({"name": "mf", "budget": 6, "seeds": [0], "agents": {"mf-sh": {"n0": 4, "eta": 2}},
                       "envs": [{"id": "archgym/Roofline-v0", "workloads": ["gemv"]}]})
    state = open_sweep(tmp_path / "out", cfg, False, expand_trials(cfg), None)
    rec = execute_trial(state.trials[0], tmp_path / "out", state.sweep_id, "tr_0")
    assert rec["result"]["calls"] == 6 and rec["result"]["ledger"]["total_calls"] == 6
    df = load(tmp_path / "out" / "dataset")
    assert (df["agent"] == "mf-sh").all() and (df["seed"] == 0).all()


def test_run_search_mf_env_reports_the_ledger(tmp_path):
    import json

    from archgym.runner import run_search

    res = run_search("archgym/QNetSched-MF-v0", "mf-sh", None, 0, tmp_path / "r", workload="line-f0.6-load10",
                     agent_params={"n0": 4, "eta": 2}, progress=False, budget_cost=8)
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    led = summary["ledger"]
    # costs 1 and 1: a bracket of n costs n + n // 2, so 4 + 2 = 6, then 8 - 6 = 2 left: n = 1 (1 + 1)
    assert (led["tiers"]["deterministic"]["calls"], led["tiers"]["stochastic"]["calls"]) == (5, 3)
    assert led["total_cost"] == 8.0 == res.ledger["total_cost"]
    assert summary["budget"] == {"calls": None, "cost": 8.0}
    df = load(tmp_path / "r" / "dataset")
    assert sorted(df["fidelity"].tolist()) == ["deterministic"] * 5 + ["stochastic"] * 3
    assert (df["agent"] == "mf-sh").all()


def test_run_search_fidelity_and_bad_options(tmp_path):
    from archgym.runner import run_search

    with pytest.raises(ConfigError, match="unknown fidelity 'exact'; tiers: deterministic, stochastic"):
        run_search("qnet", "random", 2, 0, tmp_path / "a", fidelity="exact", progress=False)
    with pytest.raises(ConfigError, match=r"--budget \(simulator calls\) or --budget-cost"):
        run_search("qnet", "random", None, 0, tmp_path / "b", progress=False)
    with pytest.raises(ConfigError, match="leave --fidelity out"):
        run_search("archgym/QNetSched-MF-v0", "random", 2, 0, tmp_path / "c", fidelity="stochastic", progress=False)
    res = run_search("qnet", "random", 2, 0, tmp_path / "d", workload="line-f0.6-load10", fidelity="stochastic", progress=False)
    assert {r.fidelity for r in res.history} == {"stochastic"} and res.ledger["tiers"]["stochastic"]["calls"] == 2
    assert not (tmp_path / "a").exists() and not (tmp_path / "c").exists()


def test_fidelity_module_is_light():
    import json
    import subprocess
    import sys

    code = ("import sys, json; import archgym.fidelity; "
            "print(json.dumps([m for m in ('gymnasium', 'pyarrow', 'pandas', 'torch', 'sklearn') if m in sys.modules]))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []


def test_sweep_trial_on_a_multi_fidelity_env(tmp_path):
    from archgym.sweep import expand_trials, load_config
    from archgym.sweep.store import open_sweep
    from archgym.sweep.trainable import execute_trial

    cfg = load_config({"name": "mfq", "budget": 2, "seeds": [0], "agents": {"mf-sh": {"n0": 4, "eta": 2}},
                       "envs": [{"id": "archgym/QNetSched-MF-v0", "workloads": ["line-f0.6-load10"]}]})
    state = open_sweep(tmp_path / "out", cfg, False, expand_trials(cfg), None)
    rec = execute_trial(state.trials[0], tmp_path / "out", state.sweep_id, "tr_0")
    # budget 2 = two calls at the top tier: one bracket, 4 deterministic calls, the best 4 // 2 promoted
    led = rec["result"]["ledger"]["tiers"]
    assert (led["deterministic"]["calls"], led["stochastic"]["calls"]) == (4, 2) and rec["rows"] == 6
    df = load(tmp_path / "out" / "dataset")
    assert sorted(df["fidelity"]) == ["deterministic"] * 4 + ["stochastic"] * 2
    assert (df["agent"] == "mf-sh").all() and (df["trial_id"] == "tr_0").all()


def test_sweep_config_checks_mf_tier_options(tmp_path):
    from archgym.sweep import load_config

    with pytest.raises(ConfigError, match="proxy_model"):
        load_config({"name": "mfd", "budget": 2, "agents": {"mf-sh": {}}, "envs": [{"id": "archgym/DRAM-MF-v0"}]})


def test_dram_cycle_tier_needs_no_proxy_model():
    """``--fidelity cycle`` runs the cycle-level tier alone: no trained proxy is needed for it."""
    env = DesignEnv("dram", workload="stream", fidelity="cycle")
    env.reset(seed=0)
    _, _, _, _, info = env.step(env.simulator.default_design())
    assert info["fidelity"] == "cycle" and info["cost"] == pytest.approx(tiers_for("dram")[-1].unit_cost)
    assert info["record"].metrics["total_time_ns"] > 0
