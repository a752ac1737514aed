"""The agent interface, the registry, bad input, and the NumPy agents (random, GA, ACO)."""

from __future__ import annotations

import subprocess
import sys

import gymnasium as gym
import numpy as np
import pytest

import archgym
from archgym.agents import AntColony, GeneticAlgorithm, HyperParameter, agent_class, list_agents, make_agent
from archgym.agents.generational import rank_order
from archgym.envs import DesignEnv, EvalRecord
from archgym.errors import ConfigError
from archgym.objective import Score
from archgym.space import Categorical, Integer, ParameterSpace

ALL_AGENTS = ("random", "ga", "aco", "bo", "ppo", "a2c", "dqn")
NUMPY_AGENTS = ("random", "ga", "aco")


def rec(space: ParameterSpace, design: dict, reward: float, feasible: bool = True, step: int = 0) -> EvalRecord:
    """A hand-made evaluation record."""
    return EvalRecord(step, space.validate(design), {}, Score(reward, feasible), False, None, 0.0, step)


def test_registry_lists_every_agent():
    assert set(ALL_AGENTS) <= set(list_agents())


def test_import_agents_and_loading_classes_does_not_import_torch():
    code = (
        "import sys, archgym.agents as A\n"
        "[A.agent_class(n).hyperparameters for n in A.list_agents()]\n"
        "sys.exit(1 if 'torch' in sys.modules else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_unknown_agent_lists_allowed():
    with pytest.raises(ConfigError, match=r"unknown agent 'gaa' \(did you mean 'ga'\?\); allowed: .*aco.*random"):
        make_agent("gaa")


def test_unknown_hyperparameter_lists_allowed():
    with pytest.raises(ConfigError, match=r"no hyper-parameter 'populaton'.*allowed: population, generations"):
        make_agent("ga", populaton=8)


@pytest.mark.parametrize(
    "name, params, match",
    [
        ("ga", {"population": "abc"}, r"'population' got 'abc'; expected an int in \[2"),
        ("ga", {"population": 1}, r"'population' got 1; expected an int in \[2"),
        ("ga", {"mutation_rate": 1.5}, r"'mutation_rate' got 1.5; expected a float in \[0.0, 1.0\]"),
        ("aco", {"ants": 2.5}, r"'ants' got 2.5"),
        ("bo", {"optimizer": "lbfgs"}, r"'optimizer' got 'lbfgs'; expected one of \['pool', 'mixed_alternating'\]"),
        ("random", {"feasible_only": "maybe"}, r"'feasible_only' got 'maybe'"),
    ],
)
def test_bad_hyperparameter_values(name, params, match):
    with pytest.raises(ConfigError, match=match):
        make_agent(name, **params)


def test_strings_are_coerced():
    ga = make_agent("ga", population="8", mutation_rate="0.25")
    assert ga.params["population"] == 8 and ga.params["mutation_rate"] == 0.25


@pytest.mark.parametrize("budget", [0, -3, 2.5])
def test_budget_must_be_positive_integer(budget):
    with pytest.raises(ConfigError, match="budget must be an integer >= 1"):
        make_agent("random").search(gym.make("archgym/Roofline-v0"), budget)


@pytest.mark.parametrize("name", ALL_AGENTS)
def test_every_agent_documents_its_hyperparameters(name):
    cls = agent_class(name)
    assert cls.name == name
    for h in cls.hyperparameters:
        assert isinstance(h, HyperParameter) and h.doc
        assert h.coerce(h.default, name) == h.default


@pytest.mark.parametrize("name", NUMPY_AGENTS)
def test_budget_counts_unique_calls_and_search_is_deterministic(name):
    results = []
    for seed in (3, 3, 4):
        env = gym.make("archgym/Roofline-v0")
        res = make_agent(name).search(env, 50, seed=seed)
        assert res.calls == 50 == env.unwrapped.unique_calls == len(res.best_so_far)
        assert np.all(np.diff(res.best_so_far) >= 0)
        assert res.best_reward == res.best_so_far[-1]
        results.append([tuple(r.design.values()) for r in res.history])
    assert results[0] == results[1]
    assert results[0] != results[2]


@pytest.mark.parametrize("name", ("ga", "aco"))
def test_population_agents_never_repeat_a_design(name):
    env = gym.make("archgym/Roofline-v0")
    res = make_agent(name, **({"population": 4} if name == "ga" else {"ants": 4})).search(env, 200, seed=0)
    assert res.calls == 200
    assert not any(r.cache_hit for r in res.history)


def test_search_stops_when_space_is_exhausted():
    env = gym.make("archgym/Roofline-v0")  # 784 designs
    res = make_agent("ga", population=8).search(env, 5000, seed=1)
    assert res.calls == 784


def test_search_accepts_a_bare_design_env():
    res = make_agent("aco").search(DesignEnv("roofline", workload="gemv"), 20, seed=0)
    assert res.calls == 20 and res.best_design is not None


def test_rank_order_puts_feasible_then_larger_reward_first():
    feasible = np.array([False, True, True, False])
    reward = np.array([100.0, 1.0, 2.0, np.nan])
    assert rank_order(feasible, reward).tolist() == [2, 1, 0, 3]


SPACE = ParameterSpace({"a": Categorical(["x", "y", "z"]), "b": Integer(0, 2)})


def _tell(agent, designs_rewards):
    agent.tell([rec(SPACE, d, r, step=i) for i, (d, r) in enumerate(designs_rewards)])


def test_aco_pheromone_update_by_hand():
    # tau0 = 1, rho = 0.5: evaporation halves every entry; the best of 2 ants (m = 1) deposits
    # 1 on its choices, the elitist best-so-far (the same design) another 1:
    # a: [0.5 + 2, 0.5, 0.5], b: [0.5, 0.5 + 2, 0.5].
    aco = AntColony(ants=2, evaporation=0.5, initial_pheromone=1.0, deposit=1.0, pheromone="categorical")
    aco.setup(SPACE, np.random.default_rng(0))
    members = np.array([[0, 1], [2, 2]])
    _tell(aco, [({"a": "x", "b": 1}, 5.0), ({"a": "z", "b": 2}, 1.0)])
    aco._next_generation(members, np.array([True, True]), np.array([5.0, 1.0]))
    np.testing.assert_allclose(aco.tau, [[2.5, 0.5, 0.5], [0.5, 2.5, 0.5]])


def test_aco_trail_is_bounded_and_greedy_ants_follow_it():
    aco = AntColony(ants=16, evaporation=1.0, greediness=1.0, initial_pheromone=1.0)
    aco.setup(SPACE, np.random.default_rng(0))
    _tell(aco, [({"a": "y", "b": 0}, 9.0)])
    for _ in range(5):
        aco._next_generation(np.array([[1, 0]]), np.array([True]), np.array([9.0]))
    assert aco.tau.min() >= 0.01 - 1e-12 and aco.tau.max() <= 100.0
    built = aco._construct(16)
    assert np.all(built == [1, 0])  # every greedy ant takes the strongest trail


def test_aco_depth_changes_at_most_depth_parameters():
    space = ParameterSpace({f"p{i}": Integer(0, 9) for i in range(6)})
    aco = AntColony(ants=32, depth=2)
    aco.setup(space, np.random.default_rng(1))
    best = {f"p{i}": 5 for i in range(6)}
    aco.tell([rec(space, best, 1.0)])
    built = aco._construct(32)
    assert np.all((built != 5).sum(axis=1) <= 2)


def test_ga_elitism_and_selection_by_hand():
    # ties="first": no tie-break draw, so the seeded tournaments below are the ones worked out
    ga = GeneticAlgorithm(population=4, elitism=2, tournament_size=50, crossover_rate=0.0, mutation_rate=0.0, ties="first")
    ga.setup(SPACE, np.random.default_rng(0))
    members = np.array([[0, 0], [1, 1], [2, 2], [0, 2]])
    feasible = np.array([True, True, False, True])
    reward = np.array([1.0, 3.0, 99.0, 2.0])
    nxt = ga._next_generation(members, feasible, reward)
    assert nxt[:2].tolist() == [[1, 1], [0, 2]]  # the two best feasible members, best first
    assert nxt[2:].tolist() == [[1, 1], [1, 1]]  # 50-way tournaments pick the best, no crossover/mutation


def test_ga_full_mutation_changes_every_gene():
    ga = GeneticAlgorithm(population=6, elitism=0, crossover_rate=0.0, mutation_rate=1.0, tournament_size=1)
    ga.setup(SPACE, np.random.default_rng(0))
    members = np.array([[0, 0]] * 6)
    nxt = ga._next_generation(members, np.ones(6, bool), np.zeros(6))
    assert np.all(nxt != 0)


def test_ga_restarts_after_generations():
    ga = GeneticAlgorithm(population=4, generations=1, elitism=1)
    ga.setup(SPACE, np.random.default_rng(0))
    nxt = ga._next_generation(np.array([[1, 1], [0, 0]]), np.array([True, True]), np.array([2.0, 1.0]))
    assert nxt.shape == (4, 2) and nxt[0].tolist() == [1, 1]


def test_ask_tell_without_search():
    ga = make_agent("ga", population=4)
    ga.setup(SPACE, np.random.default_rng(0))
    batch = ga.ask(ga.batch_size())
    assert len(batch) == 4 and len({tuple(d.values()) for d in batch}) == 4
    ga.tell([rec(SPACE, d, float(i)) for i, d in enumerate(batch)])
    second = ga.ask(ga.batch_size())
    seen = {tuple(d.values()) for d in batch}
    assert second and not any(tuple(d.values()) in seen for d in second)


def _bowl_env():
    """A 4-parameter bowl (optimum unique, 10^4 designs) for search-quality checks."""
    from archgym.simulator import Metric, Simulator

    class Bowl(Simulator):
        name = "bowl_test"
        design_space = ParameterSpace({f"k{i}": Integer(0, 9) for i in range(4)})
        metrics = (Metric("cost_ns", "ns", "min"),)
        workloads = ("w",)

        def default_design(self):
            return {f"k{i}": 0 for i in range(4)}

        def _evaluate(self, design, workload):
            return {"cost_ns": 1.0 + sum((design[f"k{i}"] - (2 + i)) ** 2 for i in range(4))}

    return DesignEnv(Bowl(), objective=archgym.objective.Weighted({"cost_ns": 1.0}))


@pytest.mark.parametrize("name", ("ga", "aco"))
def test_population_agents_beat_random_on_a_bowl(name):
    def median_best(agent):
        return np.median([make_agent(agent).search(_bowl_env(), 150, seed=s).best_reward for s in range(5)])

    assert median_best(name) > median_best("random")


def test_ga_start_from_baseline_spends_one_call_on_the_default_design():
    env = _bowl_env()
    base = env.simulator.default_design()
    first = make_agent("ga", start="baseline", population=6).search(env, 18, seed=3).history
    plain = make_agent("ga", start="random", population=6).search(_bowl_env(), 18, seed=3).history
    assert make_agent("ga").params["start"] == "baseline"  # the default since stop 26
    assert first[0].design == base and plain[0].design != base
    # the other members of the first generation are the ones a random start draws
    assert [h.design for h in first[1:6]] == [h.design for h in plain[1:6]]
    again = make_agent("ga", start="baseline", population=6).search(_bowl_env(), 18, seed=3).history
    assert [h.design for h in again] == [h.design for h in first]


def test_ga_start_baseline_falls_back_to_random_without_a_usable_baseline(caplog):
    env = _bowl_env()
    space = env.simulator.design_space
    ga = make_agent("ga", start="baseline", population=4)
    ga.setup(space, np.random.default_rng(0))  # ask/tell alone: no simulator, no baseline
    assert len(ga.ask(ga.batch_size())) == 4
    ga._baseline_design = {"k0": 99, "k1": 0, "k2": 0, "k3": 0}  # outside Integer(0, 9)
    assert ga.baseline_member() is None and "outside the search space" in caplog.text
