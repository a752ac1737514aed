"""Genetic algorithm on the index encoding (NumPy only).

Every design is an index vector (one gene per parameter, ``0 <= gene < nvec[j]``), so
categorical, integer, power-of-two, ordinal and gridded real knobs are all handled natively:
crossover swaps whole genes, mutation re-draws a gene uniformly among its *other* values.

One generation:

1. the ``elitism`` best members are copied unchanged (their fitness is known: no call);
2. each child takes two parents by tournament selection (``tournament_size`` members drawn
   at random, the best wins); with probability ``crossover_rate`` the child takes each gene
   from either parent with equal probability (uniform crossover), otherwise it copies the
   first parent;
3. each gene of a child mutates with probability ``mutation_rate``;
4. a child identical to a design already evaluated is mutated further until it is new
   (a few attempts), so the budget buys only new designs.

``generations`` bounds the generations of one population; when reached the population
restarts from random members (keeping the elites), so the budget is always spent the same way
as for every other agent. ``generations=0`` (default) evolves one population until the budget
is spent.
"""

from __future__ import annotations

import numpy as np

from archgym.agents.base import HyperParameter
from archgym.agents.generational import GenerationalAgent, rank_order

__all__ = ["GeneticAlgorithm"]


class GeneticAlgorithm(GenerationalAgent):
    """Generational GA with tournament selection, uniform crossover, per-gene mutation and elitism.

    Hyper-parameters:
        population: members per generation (ArchGym swept 2-64).
        generations: generations per population before a restart (0 = no restart).
        tournament_size: members drawn per tournament.
        crossover_rate: probability a child mixes two parents (uniform crossover).
        mutation_rate: per-gene mutation probability (ArchGym swept 0.001-0.05).
        elitism: best members copied unchanged into the next generation.
    """

    name = "ga"
    hyperparameters = (
        HyperParameter("population", int, 16, "members per generation", low=2, high=4096),
        HyperParameter("generations", int, 0, "generations per population before a restart (0 = never restart)", low=0),
        HyperParameter("tournament_size", int, 3, "members drawn per tournament (1 = random parents)", low=1, high=4096),
        HyperParameter("crossover_rate", float, 0.9, "probability a child mixes two parents", low=0.0, high=1.0),
        HyperParameter("mutation_rate", float, 0.1, "per-gene mutation probability", low=0.0, high=1.0),
        HyperParameter("elitism", int, 1, "best members copied unchanged into the next generation", low=0),
    )

    def _start(self) -> None:
        self._age = 0

    def _generation_size(self) -> int:
        return int(self.params["population"])

    def _first_generation(self) -> np.ndarray:
        self._age = 0
        return self.random_members(self._generation_size())

    def _next_generation(self, members: np.ndarray, feasible: np.ndarray, reward: np.ndarray) -> np.ndarray:
        p = self.params
        pop = self._generation_size()
        order = rank_order(feasible, reward)
        n_elite = min(int(p["elitism"]), pop - 1, len(members))
        elites = members[order[:n_elite]]
        self._age += 1
        if p["generations"] and self._age >= p["generations"]:
            self._age = 0
            return np.vstack([elites, self.random_members(pop - n_elite)])
        # rank[i] = 0 for the best member: a tournament keeps the smallest rank drawn.
        rank = np.empty(len(members), dtype=np.int64)
        rank[order] = np.arange(len(members))
        n_child = pop - n_elite
        k = min(int(p["tournament_size"]), len(members))
        draws = self.rng.integers(0, len(members), size=(2, n_child, k))
        parents = np.take_along_axis(draws, np.argmin(rank[draws], axis=2)[..., None], axis=2)[..., 0]
        first, second = members[parents[0]], members[parents[1]]
        mix = self.rng.random(n_child) < p["crossover_rate"]
        take_second = (self.rng.random(first.shape) < 0.5) & mix[:, None]
        children = np.where(take_second, second, first)
        mutate = (self.rng.random(children.shape) < p["mutation_rate"]) & (self._nvec > 1)
        if mutate.any():
            shift = self.rng.integers(1, np.maximum(self._nvec, 2), size=children.shape)
            children = np.where(mutate, (children + shift) % self._nvec, children)
        return np.vstack([elites, children])
