"""Optuna samplers as agents: TPE, CMA-ES, NSGA-II and GP, through Optuna's ask/tell interface.

One Optuna study per search, maximising the reward (or, for a multi-objective objective, every
entry of the reward vector). Each ``ask`` opens a trial over the fixed distributions of
:func:`~archgym.agents.baselines.spaces.optuna_distributions`; each evaluation record is told
back to its trial. A repeated design is answered by the environment's cache (free) and told
like any other, so the sampler learns from it without spending budget. A non-finite reward is
told as a failed trial.

The sampler is seeded from the agent's generator, so a search is deterministic for its seed.
"""

from __future__ import annotations

import logging
import math
from typing import Any, ClassVar

import numpy as np

from archgym.agents.base import Agent, HyperParameter
from archgym.agents.baselines.spaces import from_optuna, optuna_distributions
from archgym.envs.evaluator import EvalRecord
from archgym.errors import ConfigError
from archgym.space import Design, ParameterSpace

__all__ = ["OptunaAgent", "OptunaCmaEs", "OptunaGP", "OptunaNSGA2", "OptunaTPE"]

logger = logging.getLogger(__name__)


def _import_optuna() -> Any:
    try:
        import optuna
    except ImportError:
        raise ConfigError("the optuna-* agents need Optuna: pip install 'archgym[baselines]'") from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


class OptunaAgent(Agent):
    """Base of the Optuna adapters; subclasses build the sampler in :meth:`_sampler`."""

    sampler_name: ClassVar[str] = ""

    def _sampler(self, optuna: Any, seed: int) -> Any:
        raise NotImplementedError

    def _setup(self, space: ParameterSpace, rng: np.random.Generator) -> None:
        optuna = _import_optuna()
        self._optuna = optuna
        self._dists = optuna_distributions(space)
        seed = int(rng.integers(0, 2**31 - 1))
        directions = ["maximize"] * self.n_objectives
        self.study = optuna.create_study(directions=directions, sampler=self._sampler(optuna, seed))
        self._pending: list[Any] = []

    def _propose(self, n: int) -> list[Design]:
        assert self.space is not None
        out = []
        for _ in range(n):
            trial = self.study.ask(self._dists)
            self._pending.append(trial)
            out.append(from_optuna(self.space, trial.params))
        return out

    def _observe(self, records: list[EvalRecord]) -> None:
        state = self._optuna.trial.TrialState
        for rec in records:
            if not self._pending:
                break
            trial = self._pending.pop(0)
            if self.n_objectives > 1:
                vec = rec.score.vector or (rec.reward,) * self.n_objectives
                values: Any = [float(v) for v in vec]
            else:
                values = float(rec.reward)
            finite = all(math.isfinite(v) for v in np.atleast_1d(values))
            if finite:
                self.study.tell(trial, values)
            else:
                self.study.tell(trial, state=state.FAIL)
        # proposals the search did not evaluate (the budget ran out mid-batch)
        for trial in self._pending:
            self.study.tell(trial, state=state.FAIL)
        self._pending = []


class OptunaTPE(OptunaAgent):
    """Optuna's tree-structured Parzen estimator (``TPESampler``, multivariate)."""

    name = "optuna-tpe"
    hyperparameters = (
        HyperParameter("n_startup_trials", int, 10, "random trials before TPE takes over", low=0),
        HyperParameter("multivariate", bool, True, "model the parameters jointly (multivariate TPE)"),
    )

    def _sampler(self, optuna: Any, seed: int) -> Any:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # multivariate is marked experimental
            return optuna.samplers.TPESampler(
                n_startup_trials=self.params["n_startup_trials"], multivariate=self.params["multivariate"], seed=seed
            )


class OptunaCmaEs(OptunaAgent):
    """Optuna's CMA-ES (``CmaEsSampler``); categorical parameters are sampled independently."""

    name = "optuna-cmaes"
    hyperparameters = (
        HyperParameter("n_startup_trials", int, 1, "independent trials before CMA-ES takes over", low=0),
        HyperParameter("popsize", int, 0, "CMA-ES population (0 = the library's default)", low=0),
    )

    def _sampler(self, optuna: Any, seed: int) -> Any:
        import warnings

        kwargs: dict[str, Any] = {"n_startup_trials": self.params["n_startup_trials"], "seed": seed, "warn_independent_sampling": False}
        if self.params["popsize"]:
            kwargs["popsize"] = self.params["popsize"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return optuna.samplers.CmaEsSampler(
                independent_sampler=optuna.samplers.RandomSampler(seed=seed + 1), **kwargs
            )


class OptunaNSGA2(OptunaAgent):
    """Optuna's NSGA-II (``NSGAIISampler``), for single and multi-objective tasks."""

    name = "optuna-nsga2"
    hyperparameters = (
        HyperParameter("population_size", int, 16, "members per generation", low=2),
        HyperParameter("mutation_prob", float, 0.0, "per-parameter mutation probability (0 = 1/#parameters)", low=0.0, high=1.0),
        HyperParameter("crossover_prob", float, 0.9, "probability of crossover", low=0.0, high=1.0),
    )

    def _sampler(self, optuna: Any, seed: int) -> Any:
        p = self.params
        return optuna.samplers.NSGAIISampler(
            population_size=p["population_size"],
            mutation_prob=p["mutation_prob"] or None,
            crossover_prob=p["crossover_prob"],
            seed=seed,
        )


class OptunaGP(OptunaAgent):
    """Optuna's Gaussian-process sampler (``GPSampler``, torch on one thread by default)."""

    name = "optuna-gp"
    hyperparameters = (
        HyperParameter("n_startup_trials", int, 10, "random trials before the GP takes over", low=0),
        HyperParameter("torch_threads", int, 1, "torch intra-op threads (0 = leave torch's setting)", low=0),
    )

    def _sampler(self, optuna: Any, seed: int) -> Any:
        import warnings

        from archgym.agents.torch_threads import set_torch_threads

        set_torch_threads(self.params["torch_threads"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return optuna.samplers.GPSampler(
                n_startup_trials=self.params["n_startup_trials"], seed=seed, deterministic_objective=True
            )
