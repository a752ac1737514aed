"""GA mutation and ACO pheromone that respect the order of integer, power-of-two and ordinal knobs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from archgym.agents import AntColony, GeneticAlgorithm
from archgym.agents.generational import OrderedMoves
from archgym.envs import EvalRecord
from archgym.objective import Score
from archgym.space import Categorical, Integer, Ordinal, ParameterSpace, PowerOfTwo

SPACE = ParameterSpace({"a": Categorical(["x", "y", "z"]), "b": Integer(0, 2)})
WIDE = ParameterSpace({"n": Integer(0, 99), "kind": Categorical(["p", "q", "r", "s"])})


def test_ordered_moves_coordinates():
    space = ParameterSpace(
        {"buf": Integer(1, 128), "k": Integer(0, 9), "p2": PowerOfTwo(4, 64), "o": Ordinal([7, 14]), "c": Categorical(["u", "v"]), "one": Integer(3, 3)}
    )
    moves = OrderedMoves(space)
    assert moves.ordered.tolist() == [True, True, True, True, False, False]
    np.testing.assert_allclose(moves.coords[0], np.log2(np.arange(1, 129)))  # wide integer range: log2
    np.testing.assert_allclose(moves.coords[1], np.arange(10))  # narrow: the index
    np.testing.assert_allclose(moves.coords[2], np.arange(5))  # powers of two: the index (already log-spaced)


def test_tiny_ordered_step_moves_to_the_adjacent_value_reflected_at_the_ends():
    moves = OrderedMoves(ParameterSpace({"k": Integer(0, 9)}))
    rng = np.random.default_rng(0)
    index = np.array([0, 9, 5, 5, 5, 5, 5, 5])
    new = moves.step(rng, 0, index, scale=1e-9)
    assert new[0] == 1 and new[1] == 8  # at the ends the only neighbour
    assert set(np.abs(new[2:] - 5).tolist()) == {1}


def test_kernel_by_hand():
    # coords 0, 1, 2 (range 2), width 0.5 -> w = 1: weights exp(-1/2), 1, exp(-1/2)
    moves = OrderedMoves(SPACE)
    np.testing.assert_allclose(moves.kernel(1, 1, 0.5), [math.exp(-0.5), 1.0, math.exp(-0.5)])
    np.testing.assert_allclose(moves.kernel(1, 0, 0.0), [1.0, 0.0, 0.0])


def _mutated(mode: str) -> np.ndarray:
    ga = GeneticAlgorithm(population=401, elitism=0, crossover_rate=0.0, mutation_rate=1.0, tournament_size=1, mutation=mode,
                          mutation_scale=0.15)
    ga.setup(WIDE, np.random.default_rng(3))
    members = np.tile([50, 1], (400, 1))
    return ga._next_generation(members, np.ones(400, bool), np.zeros(400))


def test_ga_ordered_mutation_moves_to_neighbours_and_categoricals_stay_uniform():
    nxt = _mutated("ordered")
    step = np.abs(nxt[:, 0] - 50)
    assert np.all(step >= 1)  # a mutated gene always changes
    # sd 0.15 of the range (99): |step| <= 30 is 2.0 sd; expect ~95 %, far above uniform's 61 %
    assert np.mean(step <= 30) > 0.9
    assert np.all(nxt[:, 1] != 1) and set(nxt[:, 1].tolist()) == {0, 2, 3}


def test_ga_uniform_mutation_is_the_old_behaviour():
    nxt = _mutated("uniform")
    step = np.abs(nxt[:, 0] - 50)
    assert np.all(step >= 1)
    # uniform over the 99 other values: |step| <= 30 for 60 of them (61 %)
    assert 0.5 < np.mean(step <= 30) < 0.72


def test_aco_ordered_pheromone_spreads_by_hand():
    # tau0 = 1, rho = 0.5 -> every entry 0.5; the best ant (m = 1) and the elitist best-so-far
    # (the same design a=x, b=1) deposit 1 each. a is categorical: [2.5, 0.5, 0.5];
    # b is ordered (coords 0, 1, 2; spread 0.5 -> w = 1): 0.5 + 2 * [e, 1, e], e = exp(-1/2).
    aco = AntColony(ants=2, evaporation=0.5, initial_pheromone=1.0, deposit=1.0, spread=0.5)
    aco.setup(SPACE, np.random.default_rng(0))
    aco.tell([EvalRecord(0, {"a": "x", "b": 1}, {}, Score(5.0), False, None, 0.0, 0)])
    aco._next_generation(np.array([[0, 1], [2, 2]]), np.array([True, True]), np.array([5.0, 1.0]))
    e = math.exp(-0.5)
    np.testing.assert_allclose(aco.tau, [[2.5, 0.5, 0.5], [0.5 + 2 * e, 2.5, 0.5 + 2 * e]])


@pytest.mark.parametrize("name", ["mutation", "pheromone"])
def test_bad_mode_is_a_clear_error(name):
    from archgym.errors import ConfigError

    cls = GeneticAlgorithm if name == "mutation" else AntColony
    with pytest.raises(ConfigError, match=f"{name}.*expected one of"):
        cls(**{name: "sideways"})
