"""Nevergrad optimisers as agents: NGOpt, (1+1)-ES and differential evolution, via ask/tell.

One optimiser per search over the seeded parametrization of
:func:`~archgym.agents.baselines.spaces.nevergrad_parametrization`, told the loss ``−reward``
(for a multi-objective objective, the negated reward vector, which Nevergrad handles by
hypervolume). The optimiser's ``budget`` is the search's budget of unique simulator calls; a
repeated design is answered by the environment's cache (free) and told like any other. A
non-finite reward is told as a large loss.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from archgym.agents.base import Agent, HyperParameter, SearchResult
from archgym.agents.baselines.spaces import from_nevergrad, nevergrad_parametrization
from archgym.envs.evaluator import EvalRecord
from archgym.errors import ConfigError
from archgym.space import Design, ParameterSpace

__all__ = ["NevergradAgent", "NevergradDE", "NevergradNGOpt", "NevergradOnePlusOne"]

logger = logging.getLogger(__name__)

#: loss told for a non-finite reward
_BAD_LOSS = 1e30


class NevergradAgent(Agent):
    """Base of the Nevergrad adapters; ``optimizer`` names the registry entry."""

    optimizer: ClassVar[str] = ""
    hyperparameters = (HyperParameter("num_workers", int, 1, "candidates asked before telling (batch size)", low=1, high=256),)

    def __init__(self, **params: Any):
        super().__init__(**params)
        self._budget: int | None = None

    def search(
        self, env: Any, budget: int, seed: int = 0, callback: Callable[[EvalRecord, SearchResult], None] | None = None
    ) -> SearchResult:
        """As :meth:`Agent.search`; the optimiser is told the budget (NGOpt chooses by it)."""
        calls = getattr(budget, "calls", budget)  # an archgym.fidelity.Budget: its top-tier calls, if an int
        self._budget = int(calls) if isinstance(calls, int | np.integer) and not isinstance(calls, bool) else None
        return super().search(env, budget, seed, callback)

    def _setup(self, space: ParameterSpace, rng: np.random.Generator) -> None:
        try:
            import nevergrad as ng
        except ImportError:
            raise ConfigError("the nevergrad-* agents need Nevergrad: pip install 'archgym[baselines]'") from None
        param = nevergrad_parametrization(space, int(rng.integers(0, 2**31 - 1)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.opt = ng.optimizers.registry[self.optimizer](
                parametrization=param, budget=self._budget, num_workers=self.params["num_workers"]
            )
        self._pending: list[Any] = []

    def batch_size(self) -> int:
        return int(self.params["num_workers"])

    def _propose(self, n: int) -> list[Design]:
        assert self.space is not None
        out = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(n):
                cand = self.opt.ask()
                self._pending.append(cand)
                out.append(from_nevergrad(self.space, cand.value))
        return out

    def _loss(self, rec: EvalRecord) -> Any:
        if self.n_objectives > 1:
            vec = rec.score.vector or (rec.reward,) * self.n_objectives
            return [(-float(v) if math.isfinite(v) else _BAD_LOSS) for v in vec]
        r = float(rec.reward)
        return -r if math.isfinite(r) else _BAD_LOSS

    def _observe(self, records: list[EvalRecord]) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for rec in records:
                if not self._pending:
                    break
                self.opt.tell(self._pending.pop(0), self._loss(rec))
        # candidates the search did not evaluate (budget spent mid-batch) are simply dropped
        self._pending = []


class NevergradNGOpt(NevergradAgent):
    """NGOpt: Nevergrad's selector, which picks an algorithm by space, budget and workers."""

    name = "nevergrad-ngopt"
    optimizer = "NGOpt"


class NevergradOnePlusOne(NevergradAgent):
    """The (1+1) evolution strategy with one-fifth-rule step size."""

    name = "nevergrad-oneplusone"
    optimizer = "OnePlusOne"


class NevergradDE(NevergradAgent):
    """Differential evolution (Nevergrad's ``DE``)."""

    name = "nevergrad-de"
    optimizer = "DE"
