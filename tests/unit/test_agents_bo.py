"""The Bayesian-optimisation agent: encoding, model, acquisition and optimiser, each alone, then searches."""

from __future__ import annotations

import math

import gymnasium as gym
import numpy as np
import pytest

pytest.importorskip("botorch")

import torch  # noqa: E402

from archgym.agents import make_agent  # noqa: E402
from archgym.agents.bo import (  # noqa: E402
    SpaceEncoding,
    build_acquisition,
    candidate_pool,
    fit_model,
    optimise_discrete,
    optimise_mixed,
    reference_point,
    select_training,
    transform_rewards,
)
from archgym.agents.bo.agent import constrained_objective  # noqa: E402
from archgym.envs import DesignEnv  # noqa: E402
from archgym.errors import ConfigError  # noqa: E402
from archgym.simulator import Metric, Simulator  # noqa: E402
from archgym.space import Categorical, Integer, Ordinal, ParameterSpace, PowerOfTwo, Real  # noqa: E402


class Mixed(Simulator):
    """Categorical, integer, power-of-two, constant and real knobs; two metrics."""

    name = "bo_mixed_test"
    design_space = ParameterSpace(
        {
            "kind": Categorical(["a", "b", "c"]),
            "n": Integer(0, 7),
            "p": PowerOfTwo(1, 16),
            "fixed": Ordinal([3]),
            "x": Real(0.0, 1.0, grid=9),
        }
    )
    metrics = (Metric("cost_ns", "ns", "min"), Metric("quality_pct", "%", "max"))
    workloads = ("w",)

    def default_design(self):
        return {"kind": "a", "n": 0, "p": 1, "fixed": 3, "x": 0.0}

    def _evaluate(self, d, w):
        k = {"a": 0.0, "b": 2.0, "c": 0.5}[d["kind"]]
        cost = 1.0 + k + (d["n"] - 5) ** 2 / 4 + (math.log2(d["p"]) - 2) ** 2 + 4 * (d["x"] - 0.25) ** 2
        return {"cost_ns": cost, "quality_pct": 10 + d["n"] + 5 * d["x"] - k}


ENC = SpaceEncoding.from_space(Mixed.design_space)


def test_encoding_drops_constants_and_splits_categorical_from_ordered():
    assert ENC.active.tolist() == [0, 1, 2, 4]
    assert ENC.cat_dims == (0,) and ENC.ord_dims == (1, 2, 3)
    assert ENC.bounds().tolist() == [[0, 0, 0, 0], [2, 7, 4, 8]]
    idx = np.array([[2, 7, 4, 0, 8], [0, 3, 1, 0, 2]])
    np.testing.assert_array_equal(ENC.from_inputs(ENC.to_inputs(idx)), idx)
    assert ENC.from_inputs(np.array([[2.4, 9.0, -1.0, 3.6]])).tolist() == [[2, 7, 0, 0, 4]]


def test_wide_integer_ranges_are_log_scaled_for_the_gp():
    space = ParameterSpace({"buf": Integer(1, 128), "small": Integer(1, 8), "zero": Integer(0, 127)})
    enc = SpaceEncoding.from_space(space)
    # buf spans 128x -> log2(value): 1 -> 0, 2 -> 1, 128 -> 7; the others keep their index
    np.testing.assert_allclose(enc.coords[0][[0, 1, 3, 127]], [0.0, 1.0, 2.0, 7.0])
    np.testing.assert_array_equal(enc.coords[1], np.arange(8))
    np.testing.assert_array_equal(enc.coords[2], np.arange(128))
    assert enc.bounds().tolist() == [[0.0, 0.0, 0.0], [7.0, 7.0, 127.0]]
    idx = np.array([[0, 0, 0], [1, 7, 5], [127, 3, 127], [63, 2, 64]])
    np.testing.assert_array_equal(enc.from_inputs(enc.to_inputs(idx)), idx)
    # nearest value on the log scale: 2.4 lies between log2(5)=2.32 and log2(6)=2.58 -> value 5 (index 4)
    assert enc.from_inputs(np.array([[2.4, 0.0, 0.0]]))[0, 0] == 4
    # the Sobol start samples buf log-uniformly: a quarter of the cube lands on values <= 3
    u = np.linspace(0.0, 1.0, 1001)[:, None] * np.ones((1, 3))
    values = enc.from_unit(u)[:, 0] + 1
    assert 0.2 < np.mean(values <= 3) < 0.3 and values.min() == 1 and values.max() == 128
    linear = SpaceEncoding.from_space(space, "linear")
    np.testing.assert_array_equal(linear.coords[0], np.arange(128))
    with pytest.raises(ValueError, match="integer_scale"):
        SpaceEncoding.from_space(space, "sqrt")


def test_transform_rewards_by_hand():
    r = np.array([1.0, math.e, 0.0, 100.0])
    f = np.array([True, True, False, True])
    np.testing.assert_allclose(transform_rewards(r, f, "auto"), [0.0, 1.0, 0.0, math.log(100.0)])
    np.testing.assert_allclose(transform_rewards(np.array([-2.0, 3.0, -9.0]), np.array([True, True, False]), "auto"), [-2.0, 3.0, -2.0])
    np.testing.assert_allclose(transform_rewards(r, f, "none"), [1.0, math.e, 1.0, 100.0])
    with pytest.raises(ValueError, match="'auto', 'log' or 'none'"):
        transform_rewards(r, f, "sqrt")


def test_select_training_keeps_best_half_and_bounds_size():
    y = np.arange(100, dtype=float)
    rows = select_training(y, 20, np.random.default_rng(0))
    assert len(rows) == 20 and len(set(rows.tolist())) == 20
    assert set(range(90, 100)) <= set(rows.tolist())
    assert select_training(y[:10], 20, np.random.default_rng(0)).tolist() == list(range(10))


def test_reference_point_by_hand():
    y = np.array([[1.0, 4.0], [3.0, 2.0], [0.0, 0.0]])
    # front {(1,4), (3,2)}: nadir (1, 2), range (3-1, 4-2) = (2, 2) -> ref (0.8, 1.8)
    np.testing.assert_allclose(reference_point(y), [0.8, 1.8])
    np.testing.assert_allclose(reference_point(y, np.array([-1.0, -1.0])), [-1.0, -1.0])
    np.testing.assert_allclose(reference_point(y, np.array([5.0, 5.0])), [0.8, 1.8])  # dominated by nothing


def _data(n=12, seed=0):
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, ENC.nvec, size=(n, len(ENC.nvec)))
    sim = Mixed()
    designs = Mixed.design_space.decode_many(idx)
    y = np.array([[-sim.evaluate(d)["cost_ns"], sim.evaluate(d)["quality_pct"]] for d in designs])
    return idx, torch.tensor(ENC.to_inputs(idx)), torch.tensor(y)


def test_fit_model_interpolates_training_data():
    torch.manual_seed(0)
    idx, x, y = _data(16)
    model = fit_model(x, y[:, :1], ENC)
    mean = model.posterior(x).mean.detach().squeeze(-1)
    assert torch.corrcoef(torch.stack([mean, y[:, 0]]))[0, 1] > 0.9


def test_acquisition_kind_follows_number_of_objectives():
    from botorch.acquisition.logei import qLogExpectedImprovement
    from botorch.acquisition.multi_objective.logei import qLogNoisyExpectedHypervolumeImprovement

    _, x, y = _data(10)
    single = build_acquisition(fit_model(x, y[:, :1], ENC, maxiter=20), x, y[:, :1], mc_samples=16)
    multi = build_acquisition(fit_model(x, y, ENC, maxiter=20), x, y, mc_samples=16, multi_objective="qlognehvi")
    assert isinstance(single, qLogExpectedImprovement)
    assert isinstance(multi, qLogNoisyExpectedHypervolumeImprovement)
    from botorch.acquisition.multi_objective.analytic import ExpectedHypervolumeImprovement

    assert isinstance(build_acquisition(fit_model(x, y, ENC, maxiter=20), x, y), ExpectedHypervolumeImprovement)
    with pytest.raises(ValueError, match="'ehvi' or 'qlognehvi'"):
        build_acquisition(fit_model(x, y, ENC, maxiter=20), x, y, multi_objective="nehvi")
    from botorch.acquisition.multi_objective.parego import qLogNParEGO

    y4 = torch.cat([y, -y], dim=1)  # 4 objectives: hypervolume is too costly, ParEGO instead
    many = build_acquisition(fit_model(x, y4, ENC, maxiter=5), x, y4, mc_samples=16, seed=3)
    assert isinstance(many, qLogNParEGO)
    assert float(many.scalarization_weights.sum()) == pytest.approx(1.0)


def test_analytic_ehvi_equals_the_monte_carlo_estimate():
    """The default multi-objective acquisition is exact: a 16,384-sample MC estimate of the same
    hypervolume improvement (BoTorch's qEHVI over the same box decomposition) agrees within 2 %."""
    from botorch.acquisition.multi_objective.monte_carlo import qExpectedHypervolumeImprovement
    from botorch.sampling.normal import SobolQMCNormalSampler

    _, x, y = _data(12)
    model = fit_model(x, y, ENC, maxiter=20)
    ehvi = build_acquisition(model, x, y)
    mc = qExpectedHypervolumeImprovement(model, ref_point=ehvi.ref_point.tolist(), partitioning=ehvi.partitioning,
                                         sampler=SobolQMCNormalSampler(sample_shape=torch.Size([16384]), seed=0))
    _, cand, _ = _data(20)
    with torch.no_grad():
        exact = ehvi(cand[12:].unsqueeze(1))
        estimate = mc(cand[12:].unsqueeze(1))
    assert torch.all(exact >= 0) and float(exact.max()) > 0
    assert torch.allclose(exact, estimate, rtol=0.02, atol=1e-3 * float(exact.max()))


def test_candidate_pool_excludes_seen_and_holds_neighbours():
    rng = np.random.default_rng(0)
    best = np.array([[1, 3, 2, 0, 4]])
    seen = {(1, 3, 2, 0, 4), (0, 3, 2, 0, 4)}
    pool = candidate_pool(ENC, seen, best, rng, pool_size=16)  # space 3*8*5*9 = 1080 > 16
    keys = {tuple(r) for r in pool.tolist()}
    assert not keys & seen
    assert (2, 3, 2, 0, 4) in keys and (1, 3, 2, 0, 8) in keys  # one-parameter neighbours
    whole = candidate_pool(ENC, seen, best, rng, pool_size=5000)
    assert len(whole) == 1080 - 2


def test_optimise_discrete_returns_the_acquisition_maximiser():
    _, x, y = _data(12)
    acqf = build_acquisition(fit_model(x, y[:, :1], ENC), x, y[:, :1], mc_samples=32, seed=1)
    pool = candidate_pool(ENC, set(), np.zeros((0, 5), int), np.random.default_rng(0), pool_size=5000)
    best = optimise_discrete(acqf, ENC, pool, q=1)
    with torch.no_grad():
        values = acqf(torch.tensor(ENC.to_inputs(pool)).unsqueeze(1))
    assert best.tolist() == [pool[int(values.argmax())].tolist()]


def test_optimise_mixed_returns_unseen_distinct_designs():
    idx, x, y = _data(10)
    acqf = build_acquisition(fit_model(x, y[:, :1], ENC, maxiter=20), x, y[:, :1], mc_samples=16)
    seen = {tuple(r) for r in idx.tolist()}
    pool = candidate_pool(ENC, seen, idx[:2], np.random.default_rng(0), pool_size=64)
    out = optimise_mixed(acqf, ENC, 2, seen, pool, raw_samples=32, num_restarts=2)
    keys = [tuple(r) for r in out.tolist()]
    assert len(keys) == 2 and len(set(keys)) == 2 and not set(keys) & seen


def _small(**kw):
    return make_agent("bo", n_init=4, pool_size=64, mc_samples=16, fit_maxiter=30, **kw)


def test_bo_search_is_deterministic_and_spends_exact_budget():
    runs = [_small(batch_size=2).search(gym.make("archgym/Roofline-v0"), 8, seed=5) for _ in range(2)]
    for r in runs:
        assert r.calls == 8 and not any(h.cache_hit for h in r.history)
    assert [h.design for h in runs[0].history] == [h.design for h in runs[1].history]
    np.testing.assert_array_equal(runs[0].best_so_far, runs[1].best_so_far)


def test_bo_multi_objective_returns_a_pareto_front():
    env = DesignEnv(Mixed(), objective={"kind": "multi"})
    agent = _small()
    res = agent.search(env, 6, seed=0)
    assert res.calls == 6 and agent.iterations == 2
    assert res.pareto_designs and len(res.pareto_designs) == len(res.pareto_vectors)
    vecs = np.array(res.pareto_vectors)
    for v in vecs:  # no front member dominates another
        assert not np.any(np.all(vecs >= v, axis=1) & np.any(vecs > v, axis=1))


def test_bo_sets_torch_threads():
    torch.set_num_threads(2)
    _small(torch_threads=1).search(gym.make("archgym/Roofline-v0"), 5, seed=0)
    assert torch.get_num_threads() == 1


# -- metric limits: constrained EI (constraints="model") -------------------------------------
# Mixed under "quality_pct as large as possible with cost_ns <= 3": the baseline (a, 0, 1, 3, 0.0)
# has quality 10 (the weighted objective's scale) and cost 1 + 25/4 + 4 + 1/4 = 11.5.
LIMITED = {"kind": "constrained", "base": {"kind": "weighted", "weights": {"quality_pct": 1}}, "limits": {"cost_ns": ["<=", 3.0]}}


def _told(agent, env, designs):
    agent.setup(env.space, np.random.default_rng(0), 1)
    agent._constrained = constrained_objective(env.objective)
    agent.tell([env.evaluate_design(d) for d in designs])


def test_constrained_targets_by_hand():
    env = DesignEnv(Mixed(), objective=LIMITED)
    on_limit = {"kind": "b", "n": 5, "p": 4, "fixed": 3, "x": 0.25}  # cost 1 + 2 = 3.0, quality 10 + 5 + 1.25 - 2 = 14.25
    inside = {"kind": "a", "n": 5, "p": 4, "fixed": 3, "x": 0.25}  # cost 1.0, quality 16.25
    agent = _small(constraints="model")
    _told(agent, env, [env.simulator.default_design(), on_limit, inside])
    assert agent.modelled_limits() == {"cost_ns": ("<=", 3.0)}
    # column 0: log of the unpenalised objective quality / 10 (every one positive: "auto" takes the log);
    # column 1: (cost - 3) / 3, <= 0 where the limit holds
    np.testing.assert_allclose(agent.targets(), [[0.0, 8.5 / 3], [math.log(1.425), 0.0], [math.log(1.625), -2.0 / 3]])
    # ranking: the designs meeting the limit by objective, the violating one below them
    score = agent._rank_score(agent.targets(), 1)
    assert list(np.argsort(-score)) == [2, 1, 0]
    worst = _small(constraints="worst")
    _told(worst, env, [env.simulator.default_design(), on_limit, inside])
    assert worst.modelled_limits() == {}
    # before: the infeasible baseline at the worst feasible target, one column
    np.testing.assert_allclose(worst.targets(), [[math.log(1.425)], [math.log(1.425)], [math.log(1.625)]])


def test_constrained_acquisition_incumbent_is_the_best_feasible_and_infeasible_predictions_score_low():
    from botorch.acquisition.logei import qLogExpectedImprovement

    env = DesignEnv(Mixed(), objective=LIMITED)
    rng = np.random.default_rng(3)
    designs = Mixed.design_space.decode_many(rng.integers(0, Mixed.design_space.nvec, size=(14, 5)))
    designs += [{"kind": "a", "n": n, "p": 4, "fixed": 3, "x": 0.25} for n in (4, 5, 6)]  # cost 1.25, 1, 1.25
    agent = _small(constraints="model")
    _told(agent, env, designs)
    y = agent.targets()
    keys = np.array([Mixed.design_space.encode(d) for d in designs])
    x, ty = torch.tensor(ENC.to_inputs(keys)), torch.tensor(y)
    torch.manual_seed(0)
    model = fit_model(x, ty, ENC)
    acqf = build_acquisition(model, x, ty, mc_samples=64, seed=0, n_constraints=1)
    assert isinstance(acqf, qLogExpectedImprovement)
    ok = y[:, 1] <= 0
    assert ok.any() and (~ok).any()
    assert float(acqf.best_f) == pytest.approx(y[ok, 0].max())
    with torch.no_grad():
        a = acqf(x[:, None, :]).numpy()
    # the training designs far over the limit are predicted infeasible: their constrained EI is below
    # that of every design meeting it
    far = y[:, 1] > 1.0
    assert far.any() and a[far].max() < a[ok].min()
    with pytest.raises(ValueError, match="2 constraints need train_y"):
        build_acquisition(model, x, ty, n_constraints=2)


def test_bo_constraints_option_is_checked_and_model_search_is_deterministic():
    with pytest.raises(ConfigError, match="constraints"):
        make_agent("bo", constraints="penalty")
    agent = _small(constraints="model")
    runs = [agent.search(DesignEnv(Mixed(), objective=LIMITED), 10, seed=1) for _ in range(2)]
    assert agent.modelled_limits() == {"cost_ns": ("<=", 3.0)} and agent.targets().shape == (10, 2)
    assert runs[0].calls == 10 and [h.design for h in runs[0].history] == [h.design for h in runs[1].history]
