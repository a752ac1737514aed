"""The agent interface: ``ask()`` / ``tell()`` behind a common ``search()`` loop.

An agent proposes designs (``ask``), is told their outcomes (``tell``), and ``search`` drives
the two against an environment until ``budget`` is spent: an int counts *unique simulator
calls* — the same count for every agent (cache hits are free, logged, and do not count) — and a
:class:`~archgym.fidelity.Budget` limits calls per fidelity tier and/or total cost units.

An agent sees the environment only through its public API: ``env.step``/``env.reset``, the
``info`` of each step (``record``, ``fidelity``, ``cost``, ``cache_hit``) and
``env.unwrapped.space`` / ``.objective`` / ``.tiers``. It never touches ``env.evaluator`` or the
dataset writer: whoever runs the agent (``run_search``, the sweep trainable, the bench run)
sets the dataset's run context. :class:`MultiFidelityAgent` proposes (design, tier) pairs on a
:class:`~archgym.envs.multifidelity.MultiFidelityEnv`; a plain agent there proposes at the top
tier.

Subclasses declare their hyper-parameters as :class:`HyperParameter` entries (documented,
typed, with defaults and ranges) and implement the protected hooks:

* ``_setup(space, rng)`` — start a search;
* ``_propose(n) -> list[design]`` — up to ``n`` proposals;
* ``_observe(records)`` — learn from evaluated proposals.

Agents whose library owns the loop (reinforcement learning) override ``search`` itself but
still spend the budget through the same environment.
"""

from __future__ import annotations

import json
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from archgym.agents.seeding import agent_rng
from archgym.envs.evaluator import EvalRecord
from archgym.errors import ConfigError, did_you_mean
from archgym.fidelity import Budget, CostLedger, Tier, tier_index
from archgym.space import Design, ParameterSpace

__all__ = ["Agent", "HyperParameter", "MultiFidelityAgent", "SearchResult", "unwrap_design_env"]

logger = logging.getLogger(__name__)

#: consecutive proposals answered from the cache after which a search stops early
#: (the agent has converged or the space is exhausted).
MAX_STALL = 2000


@dataclass(frozen=True)
class HyperParameter:
    """One documented, typed hyper-parameter of an agent.

    Attributes:
        name: keyword name.
        type: ``int``, ``float``, ``str`` or ``bool``.
        default: the default value.
        doc: what it does.
        low, high: inclusive numeric bounds (optional).
        choices: allowed values (optional).
    """

    name: str
    type: type
    default: Any
    doc: str = ""
    low: float | None = None
    high: float | None = None
    choices: tuple[Any, ...] | None = None

    def allowed(self) -> str:
        if self.choices is not None:
            return f"one of {list(self.choices)!r}"
        rng = ""
        if self.low is not None or self.high is not None:
            rng = f" in [{'-inf' if self.low is None else self.low}, {'inf' if self.high is None else self.high}]"
        return f"a{'n' if self.type is int else ''} {self.type.__name__}{rng}"

    def coerce(self, value: Any, agent: str) -> Any:
        """Convert ``value`` (possibly a command-line string) or raise :class:`ConfigError`."""
        v = value
        try:
            if self.type is bool:
                if isinstance(v, str):
                    if v.lower() not in ("true", "false", "1", "0", "yes", "no"):
                        raise ValueError
                    v = v.lower() in ("true", "1", "yes")
                elif not isinstance(v, (bool, np.bool_)):
                    raise ValueError
                v = bool(v)
            elif self.type is int:
                if isinstance(v, bool):
                    raise ValueError
                if isinstance(v, str):
                    v = int(v)
                elif isinstance(v, (float, np.floating)):
                    if not float(v).is_integer():
                        raise ValueError
                    v = int(v)
                elif isinstance(v, (int, np.integer)):
                    v = int(v)
                else:
                    raise ValueError
            elif self.type is float:
                if isinstance(v, bool) or not isinstance(v, (int, float, str, np.number)):
                    raise ValueError
                v = float(v)
            else:
                v = str(v)
        except (ValueError, TypeError):
            raise ConfigError(
                f"agent {agent!r}: hyper-parameter {self.name!r} got {value!r}; expected {self.allowed()}"
            ) from None
        if self.choices is not None and v not in self.choices:
            raise ConfigError(f"agent {agent!r}: hyper-parameter {self.name!r} got {value!r}; expected {self.allowed()}")
        if (self.low is not None and v < self.low) or (self.high is not None and v > self.high):
            raise ConfigError(f"agent {agent!r}: hyper-parameter {self.name!r} got {value!r}; expected {self.allowed()}")
        return v


@dataclass
class SearchResult:
    """What a search found.

    Attributes:
        agent: the agent's name; ``params`` its hyper-parameters.
        seed: the seed; ``budget`` the unique-call budget.
        history: every evaluation the agent received, in order (cache hits included).
        best_design, best_metrics, best_reward: the best feasible design found (or the best
            infeasible one when none is feasible).
        best_so_far: best reward after each unique simulator call, shape ``(calls,)``.
        pareto_designs, pareto_vectors: non-dominated designs for multi-objective searches.
        calls: unique simulator calls spent; ``wall_s`` the search's wall time.
        ledger: :meth:`~archgym.fidelity.CostLedger.as_dict` of this search (calls, cost units,
            simulator seconds per tier and in total).
        verified_curve: ``(cumulative cost units, best top-tier reward)`` after each unique call
            (``-inf`` before the first top-tier call).

    On a multi-fidelity environment ``best_*`` and ``best_so_far`` are about the top tier (the
    verified value); ``best_*`` fall back to the highest tier evaluated when the top tier never was.
    """

    agent: str
    params: dict[str, Any]
    seed: int
    budget: Any
    history: list[EvalRecord] = field(default_factory=list)
    best_design: Design | None = None
    best_metrics: dict[str, float] | None = None
    best_reward: float = float("-inf")
    best_so_far: np.ndarray = field(default_factory=lambda: np.zeros(0))
    pareto_designs: list[Design] = field(default_factory=list)
    pareto_vectors: list[tuple[float, ...]] = field(default_factory=list)
    calls: int = 0
    wall_s: float = 0.0
    ledger: dict[str, Any] = field(default_factory=dict)
    verified_curve: list[tuple[float, float]] = field(default_factory=list)

    def calls_to_reach(self, reward: float) -> int | None:
        """Unique calls needed to reach ``reward`` (``None`` if never reached)."""
        hit = np.nonzero(self.best_so_far >= reward)[0]
        return int(hit[0]) + 1 if len(hit) else None

    def summary(self) -> dict[str, Any]:
        """A JSON-serialisable summary (for ``summary.json``)."""
        return {
            "agent": self.agent,
            "params": self.params,
            "seed": self.seed,
            "budget": self.budget,
            "calls": self.calls,
            "wall_s": self.wall_s,
            "best_reward": self.best_reward,
            "best_design": self.best_design,
            "best_metrics": self.best_metrics,
            "best_so_far": self.best_so_far.tolist(),
            "pareto_designs": self.pareto_designs,
            "pareto_vectors": [list(v) for v in self.pareto_vectors],
            "ledger": self.ledger,
            "verified_curve": [[c, r if np.isfinite(r) else None] for c, r in self.verified_curve],
        }

    def to_json(self) -> str:
        return json.dumps(self.summary(), default=str, indent=2)


def unwrap_design_env(env: Any) -> Any:
    """The :class:`~archgym.envs.DesignEnv` below any Gymnasium wrappers."""
    from archgym.envs import DesignEnv
    from archgym.envs.multifidelity import MultiFidelityEnv

    base = getattr(env, "unwrapped", env)
    if not isinstance(base, (DesignEnv, MultiFidelityEnv)):
        raise ConfigError(f"agents search ArchGym DesignEnv or MultiFidelityEnv environments, got {type(base).__name__}")
    return base


class Agent(ABC):
    """Base class of every search agent.

    Args:
        **params: hyper-parameters (see the subclass's ``hyperparameters``); unknown names or
            wrong types raise :class:`~archgym.errors.ConfigError` listing what is allowed.
    """

    name: ClassVar[str] = ""
    hyperparameters: ClassVar[tuple[HyperParameter, ...]] = ()

    def __init__(self, **params: Any):
        known = {h.name: h for h in self.hyperparameters}
        for k in params:
            if k not in known:
                raise ConfigError(
                    f"agent {self.name!r} has no hyper-parameter {k!r}{did_you_mean(k, known)}; "
                    f"allowed: {', '.join(known) or '(none)'}"
                )
        self.params: dict[str, Any] = {h.name: h.coerce(params.get(h.name, h.default), self.name) for h in self.hyperparameters}
        self.space: ParameterSpace | None = None
        self.rng: np.random.Generator = np.random.default_rng(0)
        self.n_objectives = 1
        self.tiers: list[Tier] = []
        self.budget: Budget | None = None

    # -- ask / tell -------------------------------------------------------------------
    def setup(self, space: ParameterSpace, rng: np.random.Generator, n_objectives: int = 1, tiers: Sequence[Tier] = ()) -> None:
        """Start a new search over ``space`` (on the fidelity ``tiers``, cheap to expensive)."""
        self.space, self.rng, self.n_objectives = space, rng, n_objectives
        self.tiers = list(tiers)
        self._setup(space, rng)

    def ask(self, n: int = 1) -> list[Design]:
        """Up to ``n`` design proposals (at least one; a :class:`MultiFidelityAgent` gives
        ``(design, tier index)`` pairs and may give none when it has nothing left to try)."""
        if self.space is None:
            raise RuntimeError("call setup() (or search()) before ask()")
        return self._propose(max(1, int(n)))

    def tell(self, records: Sequence[EvalRecord]) -> None:
        """Report the outcomes of proposals."""
        self._observe(list(records))

    def _setup(self, space: ParameterSpace, rng: np.random.Generator) -> None:  # noqa: B027 - optional hook
        """Hook: start a search."""

    @abstractmethod
    def _propose(self, n: int) -> list[Design]:
        """Hook: up to ``n`` proposals."""

    def _observe(self, records: list[EvalRecord]) -> None:  # noqa: B027 - optional hook
        """Hook: learn from evaluated proposals."""

    # -- the search loop --------------------------------------------------------------
    def search(
        self,
        env: Any,
        budget: Budget | int,
        seed: int = 0,
        callback: Callable[[EvalRecord, SearchResult], None] | None = None,
    ) -> SearchResult:
        """Search ``env`` until ``budget`` is spent.

        Args:
            env: an ArchGym environment (``gymnasium.make("archgym/...")``, a DesignEnv or a
                MultiFidelityEnv, on which this agent proposes at the top tier).
            budget: unique simulator calls (an int >= 1, at the top tier) or a
                :class:`~archgym.fidelity.Budget`.
            seed: seeds every random choice of the agent.
            callback: called with each evaluation record and the running result.
        """
        base, tracker = self._start_search(env, budget, seed, callback)
        top = len(tracker.tiers) - 1
        stall = 0
        space_size = base.space.size
        while tracker.allows(top) and stall < MAX_STALL:
            if space_size is not None and tracker.ledger.calls[tracker.tiers[top].name] >= space_size:
                break
            proposals = self.ask(self.batch_size())
            records = []
            for design in proposals:
                if not tracker.allows(top):
                    break
                rec = tracker.step(env, design, top)
                records.append(rec)
                stall = stall + 1 if rec.cache_hit else 0
            self.tell(records)
        return tracker.finish()

    def _start_search(self, env: Any, budget: Budget | int, seed: int, callback: Any) -> tuple[Any, _Tracker]:
        """Common start of every search: check the budget, reset and seed, set up the agent.

        Returns the unwrapped environment and the tracker that accounts the budget.
        """
        budget_spec = Budget.coerce(budget)
        base = unwrap_design_env(env)
        tiers = list(base.tiers)
        budget_spec.check(tiers)
        env.reset(seed=seed)
        self.budget = budget_spec  # what the search may spend (an agent may size its batches to it)
        self.setup(base.space, agent_rng(seed, self.name), base.objective.n_objectives, tiers)  # own stream per agent
        shown = budget if not isinstance(budget, Budget) else budget_spec.as_dict()
        self._tracker = _Tracker(self, base, budget_spec, shown, seed, callback, tiers)
        return base, self._tracker

    def partial_result(self) -> SearchResult | None:
        """The result so far of the last search, e.g. after it was interrupted (``None`` before any)."""
        tracker = getattr(self, "_tracker", None)
        if tracker is None:
            return None
        res = tracker.finish()
        res.calls = len(tracker.curve)  # completed calls: an interrupted one was counted but has no outcome
        return res

    def batch_size(self) -> int:
        """How many proposals one ``ask`` should return (agents with batches override)."""
        return 1

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.params.items())})"


class MultiFidelityAgent(Agent):
    """Base class of agents that choose the fidelity tier of every call.

    ``_propose(n)`` returns ``[(design, tier index), ...]``; ``_observe(records)`` gets records
    with ``.fidelity`` (tier name) and ``.cost``; ``self.tiers`` lists the environment's tiers
    (``name``, ``unit_cost``) cheap to expensive. ``search`` stops at the first proposal the
    budget cannot afford.
    """

    @abstractmethod
    def _propose(self, n: int) -> list[tuple[Design, int]]:  # type: ignore[override]
        """Hook: up to ``n`` ``(design, tier index)`` proposals."""

    def search(
        self,
        env: Any,
        budget: Budget | int,
        seed: int = 0,
        callback: Callable[[EvalRecord, SearchResult], None] | None = None,
    ) -> SearchResult:
        """Search ``env`` (single- or multi-fidelity) until ``budget`` is spent (see :meth:`Agent.search`)."""
        _, tracker = self._start_search(env, budget, seed, callback)
        stall = 0
        stop = False
        while not stop and not tracker.done() and stall < MAX_STALL:
            records = []
            proposals = self.ask(self.batch_size())
            if not proposals:  # the agent has nothing left to propose
                break
            for design, t in proposals:
                t = tier_index(self.tiers, t)
                if not tracker.allows(t):
                    stop = True
                    break
                rec = tracker.step(env, design, t)
                records.append(rec)
                stall = stall + 1 if rec.cache_hit else 0
            self.tell(records)
        return tracker.finish()


class _Tracker:
    """Builds a :class:`SearchResult` from the ``info`` of each step as a search proceeds."""

    def __init__(self, agent: Agent, env: Any, budget: Budget, shown: Any, seed: int, callback: Callable | None,
                 tiers: Sequence[Tier]):
        self.env = env
        self.budget = budget
        self.tiers = list(tiers)
        self.top = self.tiers[-1].name
        self.multi = not hasattr(env, "evaluator")  # a MultiFidelityEnv takes {"design", "fidelity"} actions
        self.ledger = CostLedger(self.tiers)
        self.result = SearchResult(agent.name, dict(agent.params), seed, shown)
        self.callback = callback
        self.curve: list[float] = []
        self.verified: list[tuple[float, float]] = []
        self._best: dict[str, tuple[bool, float, EvalRecord]] = {}  # tier -> (feasible, reward, record)
        self.t0 = time.perf_counter()
        self._vectors: list[tuple[float, ...]] = []
        self._vector_designs: list[Design] = []

    @property
    def calls(self) -> int:
        """Unique simulator calls of this search (every tier)."""
        return self.ledger.total_calls

    def done(self) -> bool:
        return self.budget.exhausted(self.ledger, self.top)

    def allows(self, tier: int) -> bool:
        return self.budget.allows(self.ledger, self.tiers[tier], self.top)

    def step(self, env: Any, design: Design, tier: int) -> EvalRecord:
        """One ``env.step`` with ``design`` at ``tier``; records its info (resets on truncation)."""
        action = self.env.space.encode_action(design)
        if self.multi:
            action = {"design": action, "fidelity": tier}
        _, _, _, truncated, info = env.step(action)
        rec = self.record(info)
        if truncated:
            env.reset()
        return rec

    def _top_reward(self) -> float:
        best = self._best.get(self.top)
        return best[1] if best is not None else float("-inf")

    def record(self, info: Mapping[str, Any]) -> EvalRecord:
        rec: EvalRecord = info["record"]
        tier = str(info["fidelity"])
        self.ledger.add(tier, float(info["cost"]), rec.sim_wall_s, bool(info["cache_hit"]))
        res = self.result
        res.history.append(rec)
        old = self._best.get(tier)
        if old is None or (rec.feasible and not old[0]) or (rec.feasible == old[0] and rec.reward > old[1]):
            self._best[tier] = (rec.feasible, rec.reward, rec)
        self._set_best()
        if not info["cache_hit"]:
            self.curve.append(self._top_reward())
            self.verified.append((self.ledger.total_cost, self._top_reward()))
            if tier == self.top and rec.score.vector is not None and rec.feasible:
                self._vectors.append(rec.score.vector)
                self._vector_designs.append(rec.design)
        if self.callback is not None:
            self.callback(rec, res)
        return rec

    def _set_best(self) -> None:
        """``best_*``: the best record of the highest tier evaluated so far."""
        for t in reversed(self.tiers):
            if t.name in self._best:
                _, reward, rec = self._best[t.name]
                self.result.best_reward, self.result.best_design, self.result.best_metrics = reward, rec.design, rec.metrics
                return

    def finish(self) -> SearchResult:
        from archgym.objective import pareto_front

        res = self.result
        res.calls = self.calls
        res.best_so_far = np.asarray(self.curve, dtype=np.float64)
        res.ledger = self.ledger.as_dict()
        res.verified_curve = list(self.verified)
        res.wall_s = time.perf_counter() - self.t0
        if self._vectors:
            mask = pareto_front(np.asarray(self._vectors))
            res.pareto_vectors = [v for v, m in zip(self._vectors, mask) if m]
            res.pareto_designs = [d for d, m in zip(self._vector_designs, mask) if m]
        return res
