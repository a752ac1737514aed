"""Shared machinery of population agents (genetic algorithm, ant colony) on the index encoding.

A population agent works in *generations*: it builds a matrix of index vectors (one row per
member, ``0 <= x[j] < nvec[j]``), the members new to the run are proposed and evaluated, and
once every member has a fitness the next generation is built from them. Members the agent has
already seen (an elite carried over, a child identical to an earlier design) take their fitness
from the agent's archive and cost no simulator call, so the budget buys only new designs.

Fitness is ranked lexicographically: feasible before infeasible, then by reward (larger is
better). Only ranks are used, so the agents are insensitive to the reward's scale.
"""

from __future__ import annotations

import logging
from abc import abstractmethod

import numpy as np

from archgym.agents.base import Agent
from archgym.envs.evaluator import EvalRecord
from archgym.space import Design, ParameterSpace

__all__ = ["GenerationalAgent", "rank_order"]

logger = logging.getLogger(__name__)

#: attempts to replace a member already seen by a novel one before accepting the repeat
_NOVELTY_TRIES = 8
#: generations built in a row that held nothing new before falling back to random designs
_EMPTY_GENERATIONS = 50


def rank_order(feasible: np.ndarray, reward: np.ndarray) -> np.ndarray:
    """Indices sorting members best first: feasible before infeasible, then larger reward.

    Args:
        feasible: bool array of shape ``(n,)``.
        reward: float array of shape ``(n,)`` (NaN counts as worst).
    """
    r = np.where(np.isnan(reward), -np.inf, reward)
    return np.lexsort((-r, ~feasible.astype(bool)))


class GenerationalAgent(Agent):
    """Base of agents that propose whole generations of index vectors.

    Subclasses implement :meth:`_first_generation` and :meth:`_next_generation`; this class
    keeps the archive ``index tuple -> (feasible, reward)``, the queue of members still to
    evaluate, and replaces repeats by novel designs (a random gene re-drawn).
    """

    def _setup(self, space: ParameterSpace, rng: np.random.Generator) -> None:
        self._nvec = space.nvec.copy()
        self._archive: dict[tuple[int, ...], tuple[bool, float]] = {}
        self._members = np.zeros((0, len(space)), dtype=np.int64)
        self._queue: list[tuple[int, ...]] = []
        self._queued: set[tuple[int, ...]] = set()
        self.generation = 0
        self._best_key: tuple[int, ...] | None = None
        self._start()

    def _start(self) -> None:
        """Hook: initialise subclass state (called at the end of ``_setup``)."""

    @abstractmethod
    def _first_generation(self) -> np.ndarray:
        """The first generation, index matrix of shape ``(n, d)``."""

    @abstractmethod
    def _next_generation(self, members: np.ndarray, feasible: np.ndarray, reward: np.ndarray) -> np.ndarray:
        """The next generation from the evaluated ``members`` (``(n, d)``) and their fitness."""

    # -- helpers for subclasses ---------------------------------------------------------
    def random_members(self, n: int) -> np.ndarray:
        """``n`` uniformly random index vectors, shape ``(n, d)``."""
        return self.rng.integers(0, self._nvec, size=(n, len(self._nvec)))

    def best_known(self) -> tuple[tuple[int, ...], bool, float] | None:
        """The best design seen so far: ``(index tuple, feasible, reward)``."""
        if self._best_key is None:
            return None
        f, r = self._archive[self._best_key]
        return self._best_key, f, r

    def seen(self, key: tuple[int, ...]) -> bool:
        return key in self._archive

    def _novel(self, row: np.ndarray, taken: set[tuple[int, ...]]) -> np.ndarray:
        """``row`` or a copy with random genes re-drawn until it is neither seen nor taken."""
        key = tuple(int(v) for v in row)
        if key not in self._archive and key not in taken:
            return row
        free = np.nonzero(self._nvec > 1)[0]
        if len(free) == 0:
            return row
        cand = row.copy()
        for _ in range(_NOVELTY_TRIES):
            j = int(self.rng.choice(free))
            cand[j] = (cand[j] + self.rng.integers(1, self._nvec[j])) % self._nvec[j]
            key = tuple(int(v) for v in cand)
            if key not in self._archive and key not in taken:
                return cand
        return row

    # -- the ask / tell hooks -----------------------------------------------------------
    def batch_size(self) -> int:
        return len(self._queue) or self._generation_size()

    def _generation_size(self) -> int:
        return 1

    def _propose(self, n: int) -> list[Design]:
        assert self.space is not None
        empty = 0
        while not self._queue:
            gen = self._first_generation() if self.generation == 0 and len(self._members) == 0 else self._advance()
            self._load(gen)
            if not self._queue:
                empty += 1
                if empty >= _EMPTY_GENERATIONS:  # the population keeps repeating itself
                    self._load(self.random_members(self._generation_size()), force_novel=True)
                    if not self._queue:
                        return [self.space.decode(self.random_members(1)[0])]
        out = self._queue[:n]
        del self._queue[:n]
        return self.space.decode_many(np.asarray(out, dtype=np.int64))

    def _load(self, gen: np.ndarray, force_novel: bool = False) -> None:
        """Make ``gen`` the current generation and queue its members new to the run."""
        gen = np.asarray(gen, dtype=np.int64).reshape(-1, len(self._nvec))
        gen = np.clip(gen, 0, self._nvec - 1)
        taken: set[tuple[int, ...]] = set()
        rows = []
        for row in gen:
            key = tuple(int(v) for v in row)
            if force_novel or key not in self._archive:
                row = self._novel(row, taken)
                key = tuple(int(v) for v in row)
            if key not in self._archive and key not in taken:
                self._queue.append(key)
                taken.add(key)
            rows.append(row)
        self._members = np.asarray(rows, dtype=np.int64)
        self._queued = taken

    def _advance(self) -> np.ndarray:
        known = [tuple(int(v) for v in row) for row in self._members]
        keep = [k for k in dict.fromkeys(known) if k in self._archive]
        if not keep:
            return self._first_generation()
        members = np.asarray(keep, dtype=np.int64)
        feasible = np.array([self._archive[k][0] for k in keep], dtype=bool)
        reward = np.array([self._archive[k][1] for k in keep], dtype=np.float64)
        self.generation += 1
        return self._next_generation(members, feasible, reward)

    def _observe(self, records: list[EvalRecord]) -> None:
        assert self.space is not None
        for rec in records:
            key = tuple(int(v) for v in self.space.encode(rec.design))
            self._archive[key] = (bool(rec.feasible), float(rec.reward))
            best = self.best_known()
            if best is None or (rec.feasible, rec.reward) > (best[1], best[2]):
                self._best_key = key
