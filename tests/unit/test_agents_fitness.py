"""GA / ACO fitness on multi-objective and constrained tasks: Pareto ranking and the penalty option."""

from __future__ import annotations

import numpy as np
import pytest

from archgym.agents import AntColony, GeneticAlgorithm
from archgym.agents.generational import FITNESS_HYPERPARAMETERS, fitness_hyperparameters, pareto_fitness, rank_order
from archgym.envs import EvalRecord
from archgym.objective import Score
from archgym.space import Integer, ParameterSpace

# a = (1, 4), b = (2, 3), c = (3, 1) are non-dominated; e = (2, 2) is dominated by b only;
# d = (1, 1) by e too (maximisation).
PTS = np.array([[1, 4], [2, 3], [3, 1], [1, 1], [2, 2]], dtype=float)


def test_pareto_fitness_hypervolume_contributions_by_hand():
    # Front 0 above ref (0, 0): HV = 3*1 + 2*(3-1) + 1*(4-3) = 8. Without a: 3 + 4 = 7 (a adds 1);
    # without b: 3 + 1*(4-1) = 6 (b adds 2); without c: 6 + 1 = 7 (c adds 1). Ranks in the front:
    # a, c tie at 1 (index order), b highest -> a 0, c 1/3, b 2/3. e: front 1 -> -1. d: front 2 -> -2.
    f = pareto_fitness(PTS, np.array([0.0, 0.0]))
    np.testing.assert_allclose(f, [0.0, 2 / 3, 1 / 3, -2.0, -1.0])


def test_pareto_fitness_crowding_without_reference_by_hand():
    # Crowding in front 0: a, c are ends (inf); b = (3-1)/(3-1) + (4-1)/(4-1) = 2 -> b lowest.
    f = pareto_fitness(PTS, None)
    np.testing.assert_allclose(f, [1 / 3, 0.0, 2 / 3, -2.0, -1.0])


def test_pareto_fitness_point_outside_reference_adds_nothing():
    # ref (0, 2): c = (3, 1) lies below it and contributes no volume -> lowest of front 0.
    f = pareto_fitness(PTS[:3], np.array([0.0, 2.0]))
    assert np.argmin(f) == 2


SPACE = ParameterSpace({"x": Integer(0, 9)})


def _told(agent, rows, n_objectives):
    """Set ``agent`` up and tell it one record per ``(x, reward, feasible, vector)``."""
    agent.setup(SPACE, np.random.default_rng(0), n_objectives=n_objectives)
    recs = [
        EvalRecord(i, {"x": x}, {"m": 1.0}, Score(r, f, v), False, None, 0.0, i)
        for i, (x, r, f, v) in enumerate(rows)
    ]
    agent.tell(recs)
    return [(x,) for x, *_ in rows]


@pytest.mark.parametrize("cls", [GeneticAlgorithm, AntColony])
def test_multi_objective_members_are_ranked_by_pareto_fitness_not_the_weighted_sum(cls):
    # The weighted sums favour the middle point b (2.5); a Pareto search ranks by the vectors.
    rows = [(0, 2.5, True, (1.0, 4.0)), (1, 2.55, True, (2.0, 3.1)), (2, 2.0, True, (3.0, 1.0)), (3, 2.4, True, (2.0, 2.0))]
    agent = cls()
    keys = _told(agent, rows, 2)
    feasible, reward = agent._fitness(keys)
    assert feasible.all()
    assert reward[3] < 0 <= min(reward[:3])  # dominated: below every member of front 0
    agent = cls(multi_objective="scalarised")
    keys = _told(agent, rows, 2)
    np.testing.assert_allclose(agent._fitness(keys)[1], [2.5, 2.55, 2.0, 2.4])


@pytest.mark.parametrize("cls", [GeneticAlgorithm, AntColony])
def test_constraint_options_feasible_first_or_penalised_reward(cls):
    # x=1 is just over a limit (penalised reward -0.95) and beats the feasible plateau (-1.0).
    rows = [(0, -1.0, True, None), (1, -0.95, False, None), (2, -5.0, False, None)]
    agent = cls(constraints="feasible_first")
    keys = _told(agent, rows, 1)
    feasible, reward = agent._fitness(keys)
    assert feasible.tolist() == [True, False, False]
    agent = cls(constraints="penalty")
    keys = _told(agent, rows, 1)
    feasible, reward = agent._fitness(keys)
    assert feasible.tolist() == [True, True, True]  # every member with metrics is ranked by reward
    np.testing.assert_allclose(reward, [-1.0, -0.95, -5.0])


def test_penalty_keeps_failed_evaluations_last():
    agent = GeneticAlgorithm(constraints="penalty")
    agent.setup(SPACE, np.random.default_rng(0))
    agent.tell([
        EvalRecord(0, {"x": 0}, None, Score(10.0, False), False, "boom", 0.0, 0, outcome="error"),
        EvalRecord(1, {"x": 1}, {"m": 1.0}, Score(-1.0), False, None, 0.0, 1),
    ])
    assert agent._fitness([(0,), (1,)])[0].tolist() == [False, True]


def test_rank_order_breaks_ties_at_random_only_among_equals():
    feasible = np.array([True, True, True, True, False])
    reward = np.array([1.0, 2.0, 1.0, 1.0, 9.0])
    assert rank_order(feasible, reward).tolist() == [1, 0, 2, 3, 4]  # first listed first
    seen = set()
    for seed in range(20):
        order = rank_order(feasible, reward, np.random.default_rng(seed)).tolist()
        assert order[0] == 1 and order[-1] == 4 and sorted(order[1:4]) == [0, 2, 3]
        seen.add(tuple(order[1:4]))
    assert len(seen) == 6  # every order of the three tied members occurs


@pytest.mark.parametrize("ties, low, high", [("first", 35, 65), ("random", 85, 115)])
def test_ga_on_a_plateau_picks_parents_evenly_only_with_random_ties(ties, low, high):
    # 200 distinct members of equal reward, 3-way tournaments, children = copies of a parent.
    # First listed wins ties: the parent is the smallest of 3 uniform draws (mean index ~50);
    # random ties: any member equally (mean ~100).
    space = ParameterSpace({"x": Integer(0, 199)})
    ga = GeneticAlgorithm(population=200, elitism=0, crossover_rate=0.0, mutation_rate=0.0, tournament_size=3, ties=ties)
    ga.setup(space, np.random.default_rng(7))
    members = np.arange(200)[:, None]
    children = ga._next_generation(members, np.ones(200, bool), np.zeros(200))
    assert low < children[:, 0].mean() < high


def test_pareto_fitness_ranks_points_outside_the_reference_box_last_by_shortfall():
    # ref (0, 2): a = (1, 4), b = (2, 3) and e = (2, 2) (shortfall 0) are inside; c = (3, 1) and
    # d = (1, 1) fall short by 1 in the second objective: below every inside member, and with
    # equal shortfalls the first listed ranks lower.
    f = pareto_fitness(PTS, np.array([0.0, 2.0]))
    assert min(f[[0, 1, 4]]) > max(f[[2, 3]])
    assert f[2] < f[3]  # equal shortfall: the first listed ranks lower (lexsort on index)


def test_constraint_defaults_ga_penalty_colony_feasible_first():
    # the GA's default since stop 26 (benchmarks/suite_v4/ga_round2.yaml); the colony keeps Deb's rule
    assert GeneticAlgorithm().params["constraints"] == "penalty"
    assert AntColony().params["constraints"] == "feasible_first"
    assert [h.name for h in fitness_hyperparameters()] == [h.name for h in FITNESS_HYPERPARAMETERS]
    with pytest.raises(ValueError, match="constraints='lenient'"):
        fitness_hyperparameters(constraints="lenient")
