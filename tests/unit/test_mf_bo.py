"""Multi-fidelity BO (``mf-bo``, ``mf-bo-prior``) on a toy two-tier simulator, and its core by hand.

Toy family ``mfbo-toy``: ``a``, ``b`` in 0..11; the ``rough`` tier (cost 1) says
``loss = (a − 8)² + (b − 3)²``; the ``exact`` tier (cost 20) adds ``0.5·(a mod 3)``. The rough
tier also reports a known per-design uncertainty (``std`` of ``loss`` = 0.5), as a calibrated
proxy would. Reward = −loss.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

import archgym
from archgym.agents import make_agent
from archgym.agents.bo.encoding import SpaceEncoding
from archgym.agents.bo.multifidelity import (
    expected_improvement,
    fidelity_encoding,
    mf_index,
    reward_variance,
    target_variance,
)
from archgym.fidelity import Budget, Tier, register_tiers
from archgym.objective import Weighted
from archgym.parameters import Categorical, Integer
from archgym.simulator import Metric, Simulator
from archgym.space import ParameterSpace

SPACE = ParameterSpace({"a": Integer(0, 11), "b": Integer(0, 11)})


class _Toy(Simulator):
    version = "1"
    design_space = SPACE
    metrics = (Metric("loss", "1", "min", "distance to (8, 3)"),)
    workloads = ("w",)

    def default_design(self):
        return {"a": 0, "b": 0}

    def default_objective(self, workload=None):
        return Weighted({"loss": 1.0}, {"loss": "min"})


class ToyRough(_Toy):
    name = "mfbo-toy-rough"
    fidelity = "rough"
    model = SimpleNamespace(calibrated=True)

    def _evaluate(self, design, workload):
        return {"loss": float((design["a"] - 8) ** 2 + (design["b"] - 3) ** 2)}

    def uncertainty(self, designs, workload=None):
        return {"loss": np.full(len(designs), 0.5)}


class ToyExact(_Toy):
    name = "mfbo-toy-exact"
    fidelity = "exact"

    def _evaluate(self, design, workload):
        return {"loss": float((design["a"] - 8) ** 2 + (design["b"] - 3) ** 2 + 0.5 * (design["a"] % 3))}


archgym.register_simulator("mfbo-toy-rough", ToyRough, overwrite=True)
archgym.register_simulator("mfbo-toy-exact", ToyExact, overwrite=True)
register_tiers("mfbo-toy", lambda workload=None: [Tier("rough", "mfbo-toy-rough", cost=1.0), Tier("exact", "mfbo-toy-exact", cost=20.0)],
               overwrite=True)


def _env():
    from archgym.envs.multifidelity import MultiFidelityEnv

    return MultiFidelityEnv("mfbo-toy", max_steps=10_000)


FAST = {"n_init": 6, "pool_size": 32, "fit_maxiter": 20}


# -- the core, by hand -------------------------------------------------------------------------
def test_fidelity_encoding_adds_the_tier_as_an_ordered_column():
    space = ParameterSpace({"a": Integer(0, 3), "c": Categorical(["x", "y"]), "k": Integer(1, 1)})
    enc = SpaceEncoding.from_space(space)
    mf = fidelity_encoding(enc, 3)
    assert mf.dim == enc.dim + 1 == 3
    assert mf.cat_dims == enc.cat_dims == (1,) and mf.ord_dims == (0, 2)
    rows = mf_index(np.array([[2, 1, 0], [0, 0, 0]]), np.array([2, 1]))
    assert mf.to_inputs(rows).tolist() == [[2.0, 1.0, 1.0], [0.0, 0.0, 0.5]]
    assert fidelity_encoding(enc, 1).dim == enc.dim  # one tier: no fidelity column


def test_reward_variance_by_hand():
    # linear reward -2a + 3b: var = (2 * 0.5)^2 + (3 * 0.1)^2 = 1.09 exactly
    var = reward_variance(lambda m: -2 * m["a"] + 3 * m["b"], {"a": 4.0, "b": 2.0}, {"a": 0.5, "b": 0.1})
    assert var == pytest.approx(1.09, rel=1e-12)
    assert reward_variance(lambda m: m["a"], {"a": 1.0}, {"a": 0.0}) == 0.0
    # log targets: var(log r) = var(r) / r^2
    r = np.array([2.0, 4.0])
    assert target_variance(r, np.array([0.4, 1.6]), np.log(r)).tolist() == pytest.approx([0.1, 0.1])
    assert target_variance(np.array([-1.0, 3.0]), np.array([0.5, np.nan]), np.array([-1.0, 3.0]))[0] == 0.5


def test_expected_improvement_by_hand():
    # mean 1, std 1, best 0: z = 1, EI = phi(1) + Phi(1) = 0.2419707 + 0.8413447
    assert math.exp(expected_improvement(np.array([1.0]), np.array([1.0]), 0.0)[0]) == pytest.approx(1.0833155, rel=1e-6)
    # far below the best: finite, and ordered
    lo = expected_improvement(np.array([-40.0, -30.0]), np.array([1.0, 1.0]), 0.0)
    assert np.all(np.isfinite(lo)) and lo[0] < lo[1]


# -- the agents on the toy family --------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("name", ["mf-bo", "mf-bo-prior"])
def test_valid_pairs_cost_budget_and_same_seed_same_proposals(name):
    runs = []
    for _ in range(2):
        env = _env()
        agent = make_agent(name, **FAST)
        res = agent.search(env, Budget(cost=120), seed=5)
        runs.append((agent, res))
        env.close()
        # every proposal is a valid (design, tier) pair
        assert agent.proposals and all(t in (0, 1) and SPACE.validate(d) == d for t, d in agent.proposals)
        # the cost budget holds, and the search stops when a top-tier call no longer fits
        assert res.ledger["total_cost"] <= 120 and res.ledger["total_cost"] > 120 - 20 - 1
        assert res.ledger["tiers"]["exact"]["calls"] >= 2  # n_init_top
        assert res.verified_curve[-1][0] == res.ledger["total_cost"]
        assert np.isfinite(res.best_reward) and res.best_reward == max(r.reward for r in res.history if r.fidelity == "exact")
        # no (design, tier) pair twice
        pairs = [(t, tuple(d.values())) for t, d in agent.proposals]
        assert len(pairs) == len(set(pairs))
    (a1, r1), (a2, r2) = runs
    assert a1.proposals == a2.proposals and r1.verified_curve == r2.verified_curve


def test_proxy_uncertainty_becomes_the_rough_rows_noise():
    env = _env()
    agent = make_agent("mf-bo", **FAST)
    agent.search(env, Budget(cost=50), seed=1)
    env.close()
    tiers = np.asarray(agent._tier)
    rvar = np.asarray(agent._rvar)
    # Weighted(loss) reward = -loss: the reward's variance is the loss's, 0.5^2; at loss 0 the
    # non-negative metric's step down is clipped at 0: ((0.5 - 0) / 2)^2 = 0.0625
    loss = -np.asarray(agent._reward)
    want = np.where(loss > 0, 0.25, 0.0625)
    assert np.allclose(rvar[tiers == 0], want[tiers == 0]) and np.all(np.isnan(rvar[tiers == 1]))
    off = make_agent("mf-bo", use_uncertainty=False, **FAST)
    off.search(_env(), Budget(cost=50), seed=1)
    assert np.all(np.isnan(off._rvar))


def test_prior_variant_spends_cheap_calls_per_top_call():
    env = _env()
    agent = make_agent("mf-bo-prior", cheap_per_top=3, **FAST)
    res = agent.search(env, Budget(cost=200), seed=2)
    env.close()
    cheap, top = res.ledger["tiers"]["rough"]["calls"], res.ledger["tiers"]["exact"]["calls"]
    # after the start (6 rough + 2 exact), at most 3 rough calls per exact call
    assert top >= 3 and cheap <= 3 * (top + 1)
