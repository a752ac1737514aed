"""``mf-sh``: a successive-halving / Hyperband screener over fidelity tiers.

A *bracket* draws ``n`` fresh random designs (the agent's seeded rng; designs already
evaluated at that tier are skipped) and evaluates them at its starting tier. When every design
of a *rung* has its outcome, the best ``k`` **feasible** designs (by reward, ties in order of
evaluation) are promoted to the next tier; infeasible designs are never promoted; a rung
without a feasible design ends the bracket. The top tier's rung ends the bracket, and the
next one starts. How many go up (``promote``):

* ``"cost"`` (default): Hyperband's rule that every rung of a bracket gets the same budget,
  with the tiers' declared costs as the resource: ``k = max(1, floor(m · c_t / c_{t+1}))`` of a
  rung of ``m`` designs at tier ``t``, so the next rung costs no more than this one. With a
  proxy at 1 and the cycle-level model at 44.55, the best of 27 proxy designs goes up; with
  tiers of equal cost every design does (nothing to screen).
* ``"eta"``: the best ``max(1, m // eta)``, whatever the tiers cost (giving ``eta`` alone
  selects this rule; ``eta`` with ``promote="cost"`` is refused).

* ``brackets = 1``: successive halving, every bracket starts ``n0`` designs at the cheapest tier.
* ``brackets > 1``: Hyperband-style, bracket ``s`` (cycling ``0 .. brackets-1``) starts at tier
  ``min(s, T-1)``, with ``max(1, n0 // eta**s)`` designs (``"eta"``) or as many as cost what
  ``n0`` cheapest-tier calls cost (``"cost"``): later brackets trust the cheap tiers less.

Under a cost budget (``Budget(cost=...)``) a bracket is shrunk to the largest ``n`` whose whole
bracket (``n`` at the start tier, the ``k`` promoted at the next, ...) fits in the cost left,
and the search stops when not even a one-design bracket fits, so it ends on verified designs
rather than on a half-screened rung.

**The proxy's uncertainty** (``kappa``, rule fixed before any figure): at a tier whose simulator
reports a calibrated per-prediction std (the ``dram`` family's proxy), a rung is ranked by
``reward + kappa · σ_r``, where ``σ_r`` is the reward's std implied by the proxy's metric stds
through the tier's objective (central differences, as ``mf-bo``'s observation noise). With
``kappa = 1.645`` that is the upper end of the reward's 90 % interval: a design the proxy is
unsure about may be promoted over one it rates slightly higher with confidence (optimism in
the face of uncertainty: screening must not drop the true best on a confident-looking error).
``kappa = 0`` (default) ranks by the mean; tiers without an uncertainty always rank by it.
``promotions`` lists
every ``(tier index, design)`` promotion in order (a run's top-tier calls are exactly these).
"""

from __future__ import annotations

import logging
import math
from typing import Any, ClassVar

from archgym.agents.base import HyperParameter, MultiFidelityAgent
from archgym.envs.evaluator import EvalRecord
from archgym.errors import ConfigError
from archgym.space import Design

__all__ = ["SuccessiveHalving"]

logger = logging.getLogger(__name__)


class SuccessiveHalving(MultiFidelityAgent):
    """Successive halving (or Hyperband with ``brackets > 1``) across fidelity tiers."""

    name: ClassVar[str] = "mf-sh"
    hyperparameters = (
        HyperParameter("promote", str, "cost", "how many of a rung go up: 'cost' as many as cost what the rung cost "
                       "(Hyperband's equal budget per rung, from the tiers' declared costs), 'eta' the best 1/eta",
                       choices=("cost", "eta")),
        HyperParameter("eta", int, 3, "with promote=eta: promote the best 1/eta of a rung's designs (feasible only) to the "
                       "next tier; Hyperband brackets shrink by it", low=2, high=1024),
        HyperParameter("n0", int, 27, "designs started at the cheapest tier per bracket", low=1, high=1_000_000),
        HyperParameter("brackets", int, 1, "1: successive halving; > 1: Hyperband, bracket s starts at tier min(s, T-1) "
                       "(n0 // eta**s designs, or as many as n0 cheapest-tier calls pay for)", low=1, high=64),
        HyperParameter("kappa", float, 0.0, "rank a rung at a tier with a calibrated uncertainty (a proxy) by reward + "
                       "kappa x its std: 0 the mean, 1.645 the upper end of the 90 % interval (optimistic), < 0 pessimistic",
                       low=-10.0, high=10.0),
    )

    def __init__(self, **params: Any):
        if "eta" in params and "promote" not in params:  # an explicit eta asks for its rule
            params = {**params, "promote": "eta"}
        elif "eta" in params and params["promote"] == "cost":
            raise ConfigError(f"mf-sh: eta={params['eta']} applies to promote=eta, not promote=cost "
                              "(which promotes from the tiers' costs); give one of them")
        super().__init__(**params)
        self.promotions: list[tuple[int, Design]] = []
        self._uncertainty: dict[int, Any] = {}

    def search(self, env: Any, budget: Any, seed: int = 0, callback: Any = None) -> Any:  # noqa: D102 - see Agent
        self._uncertainty = {}
        if self.params["kappa"] != 0.0:
            from archgym.agents.base import unwrap_design_env
            from archgym.agents.bo.multifidelity import uncertainty_sources

            self._uncertainty = uncertainty_sources(unwrap_design_env(env))
        return super().search(env, budget, seed, callback)

    def _setup(self, space: Any, rng: Any) -> None:
        self.promotions = []
        self._queue: list[tuple[Design, int]] = []     # proposals of the current rung not yet handed out
        self._inflight: list[tuple[Design, int]] = []  # handed out, outcome pending
        self._rung: list[tuple[Design, EvalRecord]] = []  # (design as proposed, outcome) of the current rung, in order
        self._rung_size = 0
        self._rung_tier = 0
        self._bracket = 0
        self._spent = 0.0
        self._seen: list[set[tuple]] = [set() for _ in self._tiers()]
        self._exhausted = False

    def _tiers(self) -> list[Any]:
        return self.tiers or [None]  # outside a search (ask/tell by hand): one tier

    def _key(self, design: Design) -> tuple:
        assert self.space is not None
        return tuple(design[n] for n in self.space.names)

    # -- brackets -----------------------------------------------------------------------
    def _costs(self) -> list[float]:
        return [t.unit_cost if t is not None else 1.0 for t in self._tiers()]

    def _promoted(self, m: int, tier: int) -> int:
        """How many of a rung of ``m`` designs at ``tier`` go up to ``tier + 1`` (at least one)."""
        if self.params["promote"] == "eta":
            return max(1, m // self.params["eta"])
        costs = self._costs()
        # Hyperband's rule with the tiers' own costs: the next rung costs no more than this one
        return max(1, math.floor(m * costs[tier] / costs[tier + 1] + 1e-9))

    def _bracket_cost(self, n: int, start: int) -> float:
        costs = self._costs()
        total, m = 0.0, n
        for k in range(start, len(costs)):
            total += m * costs[k]
            if k + 1 < len(costs):
                m = self._promoted(m, k)
        return total

    def _bracket_size(self, start: int) -> int:
        """Designs of the next bracket (``n0 // eta**s``, or what ``n0`` cheapest-tier calls pay
        for at its start tier), shrunk to fit a cost budget (0: none fits)."""
        s = self._bracket % self.params["brackets"]
        if self.params["promote"] == "eta":
            n = max(1, self.params["n0"] // self.params["eta"] ** s)
        else:  # the bracket's first rung costs what n0 designs cost at the cheapest tier
            costs = self._costs()
            n = max(1, math.floor(self.params["n0"] * costs[0] / costs[start] + 1e-9))
        budget = getattr(self, "budget", None)
        if budget is not None and budget.cost is not None:
            left = float(budget.cost) - self._spent
            while n > 0 and self._bracket_cost(n, start) > left + 1e-9:
                n -= 1
        return n

    def _start_bracket(self) -> None:
        assert self.space is not None
        s = self._bracket % self.params["brackets"]
        start = min(s, len(self._tiers()) - 1)
        n = self._bracket_size(start)
        if n == 0:  # not even one design can be carried to the top tier: stop
            self._exhausted = True
            return
        fresh: list[Design] = []
        keys: set[tuple] = set()
        for _ in range(100):
            for d in self.space.sample(self.rng, n - len(fresh)):
                k = self._key(d)
                if k not in self._seen[start] and k not in keys:
                    keys.add(k)
                    fresh.append(d)
            if len(fresh) >= n:
                break
        if not fresh:  # every design of the space was evaluated at this tier
            self._exhausted = True
            return
        logger.debug("bracket %d: %d designs at tier %d", self._bracket, len(fresh), start)
        self._bracket += 1
        self._new_rung([(d, start) for d in fresh])

    def _new_rung(self, proposals: list[tuple[Design, int]]) -> None:
        self._queue = list(proposals)
        self._rung, self._rung_size = [], len(proposals)
        self._rung_tier = proposals[0][1]

    def _end_rung(self) -> None:
        """Promote the best feasible ``max(1, n // eta)`` of the finished rung, or end the bracket."""
        top = len(self._tiers()) - 1
        if self._rung_tier >= top:
            self._start_bracket()
            return
        k = self._promoted(self._rung_size, self._rung_tier)
        feasible = [(d, r) for d, r in self._rung if r.feasible]
        score = [r.reward for _, r in feasible]
        source = self._uncertainty.get(self._rung_tier)
        if source is not None and feasible:  # the optimistic (kappa > 0) or pessimistic bound
            from archgym.agents.bo.multifidelity import reward_stds

            std = reward_stds(source, [r.design for _, r in feasible], [r.metrics for _, r in feasible])
            score = [v + self.params["kappa"] * float(s) for v, s in zip(score, std)]
        ranked = sorted(range(len(feasible)), key=lambda i: (-score[i], i))
        promoted = [feasible[i][0] for i in ranked[:k]]
        if not promoted:
            self._start_bracket()
            return
        nxt = self._rung_tier + 1
        self.promotions += [(nxt, d) for d in promoted]
        self._new_rung([(d, nxt) for d in promoted])

    # -- ask / tell -----------------------------------------------------------------------
    def batch_size(self) -> int:
        return max(1, len(self._queue))

    def _propose(self, n: int) -> list[tuple[Design, int]]:
        if not self._queue and not self._inflight and not self._exhausted:
            if self._rung_size and len(self._rung) >= self._rung_size:
                self._end_rung()
            else:
                self._start_bracket()
        out, self._queue = self._queue[:n], self._queue[n:]
        self._inflight += out
        return out

    def _observe(self, records: list[EvalRecord]) -> None:
        done, self._inflight = self._inflight[: len(records)], self._inflight[len(records):]
        self._queue = self._inflight + self._queue  # handed out but not evaluated (budget): ask again
        self._inflight = []
        for (design, tier), rec in zip(done, records):  # a record's design is the tier's (translated) one
            self._spent += rec.cost
            if tier < len(self._seen):
                self._seen[tier].add(self._key(design))
            self._rung.append((design, rec))
        if not self._queue and len(self._rung) >= self._rung_size:
            self._end_rung()
