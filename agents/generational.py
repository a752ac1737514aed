"""Shared machinery of population agents (genetic algorithm, ant colony) on the index encoding.

A population agent works in *generations*: it builds a matrix of index vectors (one row per
member, ``0 <= x[j] < nvec[j]``), the members new to the run are proposed and evaluated, and
once every member has a fitness the next generation is built from them. Members the agent has
already seen (an elite carried over, a child identical to an earlier design) take their fitness
from the agent's archive and cost no simulator call, so the budget buys only new designs.

Fitness is ranked lexicographically: feasible before infeasible, then by reward (larger is
better). Only ranks are used, so the agents are insensitive to the reward's scale. Three options
(hyper-parameters of both agents) say what "reward" and "feasible" mean here:

* ``multi_objective="pareto"`` (default): on a multi-objective task (the objective has two or
  more objectives) the reward a member is ranked by is its Pareto fitness
  (:func:`pareto_fitness`: non-dominated sorting of the reward vectors, ties within a front
  broken by each member's exclusive hypervolume contribution above the objective's reference
  point), because the task is scored by the hypervolume of the front, not by the scalarised
  reward. ``"scalarised"`` ranks by the objective's scalar reward (a weighted sum), the
  behaviour before: it drives the whole population to the one point of the front that
  minimises the sum. (The GA with ``"pareto"`` also keeps its parents by (mu + lambda)
  survival, see :meth:`GenerationalAgent._plus_survival`.)
* ``ties="random"`` (default): members of equal fitness are ranked in random order;
  ``"first"`` ranks the first listed first (the behaviour before, which on a plateau of equal
  rewards lets the elite and the earliest children win every tournament, so the population
  collapses onto their genes).
* ``constraints="feasible_first"`` (Deb's rule; the ant colony's default) ranks every feasible
  member before every infeasible one; ``"penalty"`` (the GA's default since stop 26) ranks
  members that have metrics by the objective's penalised reward alone
  (:class:`~archgym.objective.Constrained` lowers an infeasible design's reward by
  ``penalty × relative violation``), so a design just over a limit can still be a parent when
  the optimum lies on the limit.

Ordered parameters (integer, power of two, ordinal, gridded real) have a notion of distance
that categorical ones lack. :class:`OrderedMoves` places each ordered parameter's values on the
coordinates the BO agent uses (:class:`~archgym.agents.bo.encoding.SpaceEncoding`: the index,
or ``log2(value)`` for a wide integer range such as 1–128), so the GA can mutate to a
*neighbouring* value and the ant colony can spread pheromone onto neighbours.
"""

from __future__ import annotations

import logging
from abc import abstractmethod
from dataclasses import replace

import numpy as np

from archgym.agents.base import Agent, HyperParameter, unwrap_design_env
from archgym.envs.evaluator import EvalRecord
from archgym.errors import InvalidDesignError
from archgym.pareto import hypervolume, pareto_front
from archgym.space import Design, ParameterSpace

__all__ = [
    "FITNESS_HYPERPARAMETERS", "GenerationalAgent", "OrderedMoves", "fitness_hyperparameters", "pareto_fitness", "rank_order",
]

logger = logging.getLogger(__name__)

#: attempts to replace a member already seen by a novel one before accepting the repeat
_NOVELTY_TRIES = 8
#: generations built in a row that held nothing new before falling back to random designs
_EMPTY_GENERATIONS = 50


def rank_order(feasible: np.ndarray, reward: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
    """Indices sorting members best first: feasible before infeasible, then larger reward.

    Members of equal fitness keep their order (the first listed ranks first), or, with ``rng``,
    are ordered at random.

    Args:
        feasible: bool array of shape ``(n,)``.
        reward: float array of shape ``(n,)`` (NaN counts as worst).
        rng: breaks ties at random when given.
    """
    r = np.where(np.isnan(reward), -np.inf, reward)
    tie = rng.permutation(len(r)) if rng is not None else np.arange(len(r))
    return np.lexsort((tie, -r, ~feasible.astype(bool)))


#: the three fitness options shared by the GA and the ant colony (see the module docstring);
#: an agent may change their defaults with :func:`fitness_hyperparameters`
FITNESS_HYPERPARAMETERS = (
    HyperParameter(
        "multi_objective", str, "pareto",
        "multi-objective tasks: rank by Pareto front and hypervolume contribution, or by the scalarised reward",
        choices=("pareto", "scalarised"),
    ),
    HyperParameter(
        "ties", str, "random", "members of equal fitness ranked in random order, or first listed first",
        choices=("random", "first"),
    ),
    HyperParameter(
        "constraints", str, "feasible_first",
        "feasible members before infeasible ones, or every measured member by its penalised reward",
        choices=("feasible_first", "penalty"),
    ),
)


def fitness_hyperparameters(**defaults: str) -> tuple[HyperParameter, ...]:
    """:data:`FITNESS_HYPERPARAMETERS` with the given options' defaults changed (e.g. ``constraints="penalty"``)."""
    known = {h.name: h for h in FITNESS_HYPERPARAMETERS}
    for name, value in defaults.items():
        if name not in known or value not in (known[name].choices or ()):
            raise ValueError(f"fitness option {name}={value!r}: allowed {[(h.name, h.choices) for h in FITNESS_HYPERPARAMETERS]}")
    return tuple(replace(h, default=defaults[h.name]) if h.name in defaults else h for h in FITNESS_HYPERPARAMETERS)


def pareto_fitness(vectors: np.ndarray, ref: np.ndarray | None = None) -> np.ndarray:
    """A scalar fitness (larger is better) that orders members as a Pareto search would.

    ``fitness = −front + tie``: ``front`` is the member's non-dominated sorting level (0 for the
    non-dominated members, 1 for those dominated only by front 0, …) and ``tie`` in ``[0, 1)``
    orders the members of one front by their exclusive hypervolume contribution above ``ref``
    (the hypervolume the front loses without that member; ``tie = rank / size``, the largest
    contribution ranked highest), or, with no reference point, by NSGA-II's crowding distance.
    With ``ref``, only members above it in every objective are sorted so (they are what the
    hypervolume counts); the others rank below all of them (one level further down), ordered by
    their total shortfall ``Σ max(ref − v, 0)`` (smallest first). Only the order matters (the GA
    and ACO rank members).

    Args:
        vectors: reward vectors ('larger is better'), shape ``(n, k)``.
        ref: the reference point in the same space, shape ``(k,)``, or ``None``.

    Returns:
        Shape ``(n,)``.
    """
    pts = np.asarray(vectors, dtype=np.float64)
    n = len(pts)
    out = np.empty(n, dtype=np.float64)
    left = np.arange(n)
    level = 0
    if ref is not None:
        # The hypervolume counts only points above the reference point in every objective: a
        # point outside that box ranks below every point inside it, by its shortfall.
        shortfall = np.maximum(np.asarray(ref, dtype=np.float64) - pts, 0.0).sum(axis=1)
        outside = np.nonzero(shortfall > 0)[0]
        left = np.nonzero(shortfall == 0)[0]
        if len(outside):
            inside_levels = _levels(pts[left]) if len(left) else 0
            tie = np.empty(len(outside))
            tie[np.lexsort((np.arange(len(outside)), -shortfall[outside]))] = np.arange(len(outside)) / len(outside)
            out[outside] = -inside_levels + tie - 1.0
    while len(left):
        mask = pareto_front(pts[left])
        front = left[mask]
        key = _contributions(pts[front], ref) if ref is not None and pts.shape[1] <= 3 else _crowding(pts[front])
        tie = np.empty(len(front))
        tie[np.lexsort((np.arange(len(front)), key))] = np.arange(len(front)) / len(front)
        out[front] = -level + tie
        left = left[~mask]
        level += 1
    return out


def _levels(pts: np.ndarray) -> int:
    """Number of non-dominated sorting levels of ``pts`` (shape ``(m, k)``, m >= 1)."""
    left, level = np.arange(len(pts)), 0
    while len(left):
        left = left[~pareto_front(pts[left])]
        level += 1
    return level


def _contributions(front: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Exclusive hypervolume contribution of each point of ``front`` (shape ``(m, k)``)."""
    total = hypervolume(front, ref)
    idx = np.arange(len(front))
    return np.array([total - hypervolume(front[idx != i], ref) for i in idx])


def _crowding(front: np.ndarray) -> np.ndarray:
    """NSGA-II crowding distance of each point of ``front`` (shape ``(m, k)``; ends: inf)."""
    m, k = front.shape
    dist = np.zeros(m)
    if m <= 2:
        return np.full(m, np.inf)
    for j in range(k):
        order = np.argsort(front[:, j], kind="stable")
        span = front[order[-1], j] - front[order[0], j]
        dist[order[0]] = dist[order[-1]] = np.inf
        if span > 0:
            dist[order[1:-1]] += (front[order[2:], j] - front[order[:-2], j]) / span
    return dist


class OrderedMoves:
    """Neighbourhood moves on the ordered parameters of a space (categoricals are left out).

    Args:
        space: the design space.

    Attributes:
        coords: per parameter, the increasing coordinate of each value index, shape
            ``(nvec[j],)``, or ``None`` for a categorical or single-valued parameter.
        ordered: bool mask of shape ``(d,)``, True where ``coords`` is set.
    """

    def __init__(self, space: ParameterSpace):
        from archgym.agents.bo.encoding import SpaceEncoding  # NumPy only: no torch

        enc = SpaceEncoding.from_space(space)
        self.coords: list[np.ndarray | None] = [None] * len(space)
        for col, j in enumerate(enc.active):
            if col in enc.ord_dims:
                self.coords[int(j)] = enc.coords[col]
        self.ordered = np.array([c is not None for c in self.coords], dtype=bool)

    def step(self, rng: np.random.Generator, j: int, index: np.ndarray, scale: float) -> np.ndarray:
        """New indices of ordered parameter ``j``, each a Gaussian step away from ``index``.

        The step is drawn on the parameter's coordinates with standard deviation
        ``scale × (coordinate range)`` and rounded to the nearest value; a step that rounds
        back onto the same value moves to the adjacent value in the step's direction
        (reflected at the ends), so a mutated gene always changes.

        Args:
            rng: the agent's generator.
            j: parameter position (must be ordered).
            index: current value indices, shape ``(m,)``.
            scale: standard deviation as a fraction of the coordinate range (> 0).
        """
        from archgym.agents.bo.encoding import _nearest

        c = self.coords[j]
        assert c is not None, "step() is for ordered parameters"
        index = np.asarray(index, dtype=np.int64)
        delta = rng.normal(0.0, scale * float(c[-1] - c[0]), size=index.shape)
        new = _nearest(c, c[index] + delta)
        same = new == index
        if same.any():
            direction = np.where(delta[same] >= 0, 1, -1)
            moved = index[same] + direction
            moved = np.where((moved < 0) | (moved >= len(c)), index[same] - direction, moved)
            new[same] = moved
        return new

    def kernel(self, j: int, index: int, width: float) -> np.ndarray:
        """Weights ``exp(−(c − c[index])² / (2 w²))`` over the values of ordered parameter ``j``.

        ``w = width × (coordinate range)``; the weight of ``index`` itself is 1. Shape ``(nvec[j],)``.
        """
        c = self.coords[j]
        assert c is not None, "kernel() is for ordered parameters"
        w = width * float(c[-1] - c[0])
        if w <= 0:
            return (np.arange(len(c)) == index).astype(np.float64)
        return np.exp(-0.5 * ((c - c[index]) / w) ** 2)


class GenerationalAgent(Agent):
    """Base of agents that propose whole generations of index vectors.

    Subclasses implement :meth:`_first_generation` and :meth:`_next_generation`; this class
    keeps the archive ``index tuple -> (feasible, reward)``, the queue of members still to
    evaluate, and replaces repeats by novel designs (a random gene re-drawn).
    """

    def _setup(self, space: ParameterSpace, rng: np.random.Generator) -> None:
        self._nvec = space.nvec.copy()
        self._archive: dict[tuple[int, ...], tuple[bool, float]] = {}
        #: per archived design: its reward vector (multi-objective) and whether it has metrics
        self._vectors: dict[tuple[int, ...], tuple[float, ...] | None] = {}
        self._measured: dict[tuple[int, ...], bool] = {}
        #: the parents' pool kept across generations by (mu + lambda) survival (see ``_plus_survival``)
        self._pool: list[tuple[int, ...]] = []
        self._members = np.zeros((0, len(space)), dtype=np.int64)
        self._queue: list[tuple[int, ...]] = []
        self._queued: set[tuple[int, ...]] = set()
        self.generation = 0
        self._best_key: tuple[int, ...] | None = None
        #: neighbourhood moves for repairs of repeated members (set by ordered subclasses)
        self._moves: OrderedMoves | None = None
        self._move_scale = 0.1
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
        """``row`` or a copy with random genes re-drawn until it is neither seen nor taken.

        With ordered moves set, an ordered gene takes a neighbourhood step instead of a
        uniform re-draw.
        """
        key = tuple(int(v) for v in row)
        if key not in self._archive and key not in taken:
            return row
        free = np.nonzero(self._nvec > 1)[0]
        if len(free) == 0:
            return row
        cand = row.copy()
        for _ in range(_NOVELTY_TRIES):
            j = int(self.rng.choice(free))
            if self._moves is not None and self._moves.ordered[j]:
                cand[j] = self._moves.step(self.rng, j, cand[j : j + 1], self._move_scale)[0]
            else:
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
        if self._plus_survival():
            keep = list(dict.fromkeys(self._pool + keep))
            feasible, reward = self._fitness(keep)
            keep = [keep[i] for i in self.rank(feasible, reward)[: self._generation_size()]]
            self._pool = keep
        members = np.asarray(keep, dtype=np.int64)
        feasible, reward = self._fitness(keep)
        self.generation += 1
        return self._next_generation(members, feasible, reward)

    def _plus_survival(self) -> bool:
        """Hook: whether the next generation's parents are the best ``population`` members of
        the previous parents and the new generation together ((mu + lambda), as NSGA-II), rather
        than the new generation alone."""
        return False

    def rank(self, feasible: np.ndarray, reward: np.ndarray) -> np.ndarray:
        """:func:`rank_order` with ties broken as the ``ties`` option says."""
        return rank_order(feasible, reward, self.rng if self.params.get("ties", "random") == "random" else None)

    def _fitness(self, keys: list[tuple[int, ...]]) -> tuple[np.ndarray, np.ndarray]:
        """``(feasible, reward)`` the members ``keys`` are ranked by (see the module docstring)."""
        feasible = np.array([self._archive[k][0] for k in keys], dtype=bool)
        reward = np.array([self._archive[k][1] for k in keys], dtype=np.float64)
        if self.params.get("constraints", "feasible_first") == "penalty":
            feasible = np.array([self._measured[k] for k in keys], dtype=bool)
        if self.n_objectives > 1 and self.params.get("multi_objective", "pareto") == "pareto":
            vec = [self._vectors[k] for k in keys]
            ok = feasible & np.array([v is not None and all(map(np.isfinite, v)) for v in vec], dtype=bool)
            if ok.any():
                reward = reward.copy()
                pts = np.array([vec[i] for i in np.nonzero(ok)[0]], dtype=np.float64)
                reward[ok] = pareto_fitness(pts, self._objective_ref)
            feasible = ok
        return feasible, reward

    #: the objective's hypervolume reference point in vector space (set by ``search``)
    _objective_ref: np.ndarray | None = None
    #: the simulator's default (baseline) design, set by ``search``; ``None`` under ask/tell alone
    _baseline_design: Design | None = None

    def baseline_member(self) -> np.ndarray | None:
        """The baseline design's index vector, or ``None`` when it is unknown or outside the space."""
        if self._baseline_design is None or self.space is None:
            return None
        try:
            return self.space.encode(self._baseline_design)
        except InvalidDesignError as exc:
            logger.warning("%s: the baseline design is outside the search space (%s); starting from random members",
                           self.name, exc)
            return None

    def search(self, env, budget, seed=0, callback=None):  # noqa: D102 - documented on Agent
        base = unwrap_design_env(env)
        ref = getattr(base.objective, "ref_vector", None)
        self._objective_ref = ref() if callable(ref) else None
        sim = getattr(base, "simulator", None)
        self._baseline_design = sim.default_design() if sim is not None else None
        return super().search(env, budget, seed, callback)

    def _observe(self, records: list[EvalRecord]) -> None:
        assert self.space is not None
        for rec in records:
            key = tuple(int(v) for v in self.space.encode(rec.design))
            self._archive[key] = (bool(rec.feasible), float(rec.reward))
            self._vectors[key] = rec.score.vector
            self._measured[key] = rec.metrics is not None
            best = self.best_known()
            if best is None or (rec.feasible, rec.reward) > (best[1], best[2]):
                self._best_key = key
