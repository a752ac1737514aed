"""Multi-fidelity Bayesian optimisation: ``mf-bo`` (MF max-value entropy) and ``mf-bo-prior``.

Both reuse the BO agent's encoding (:class:`~archgym.agents.bo.encoding.SpaceEncoding`), its
reward transformation, GP fitting and candidate pool; the model/acquisition core is in
:mod:`archgym.agents.bo.multifidelity`.

* ``mf-bo``: one GP over design × fidelity (the tier is an ordered input at ``0 .. 1``); each
  iteration scores every (pool design, tier) pair by ``qMultiFidelityMaxValueEntropy`` — the
  information a call gives about the top tier's maximum — divided by the tier's declared cost
  (``InverseCostWeightedUtility``), and proposes the best pair; when that pair is at a cheap
  tier, the next best cheap pairs of other designs join it (up to ``cheap_batch`` per GP fit).
* ``mf-bo-prior``: a GP of the cheapest tier; its posterior mean is the prior mean of the top
  tier's GP (which models the residual). ``cheap_per_top`` cheap calls (by the cheap GP's
  expected improvement) per top-tier call (by the combined model's expected improvement).
  Tiers between the cheapest and the top are not used.

Start: ``n_init`` Sobol designs at the cheapest tier, then the best ``n_init_top`` of them
(feasible, by cheap reward) at the top tier. A pool design already evaluated at a tier is never
proposed at it again. The search stops when the cost left cannot pay one top-tier call (a cheap
call that can no longer be verified is wasted).

**The proxy's uncertainty.** When a tier's simulator is a calibrated
:class:`~archgym.proxy.simulator.ProxySimulator` (the ``dram`` family's ``proxy`` tier), each
of its rows gets the proxy's per-design ``std`` of every metric, carried through the tier's
objective to a reward variance (:func:`~archgym.agents.bo.multifidelity.reward_variance`) and
into GP-target units: that is the row's fixed observation noise in both GPs, so the model
trusts a proxy value as much as the proxy's calibrated interval says and no more.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any, ClassVar

import numpy as np

from archgym.agents.base import HyperParameter, MultiFidelityAgent, unwrap_design_env
from archgym.agents.bo.encoding import SpaceEncoding, transform_rewards
from archgym.agents.bo.model import hyperparameters
from archgym.agents.bo.multifidelity import (
    fidelity_encoding,
    fit_mf_gp,
    mf_index,
    mf_mes_scores,
    prior_mean_scores,
    reward_variance,
    target_variance,
    uncertainty_sources,
)
from archgym.agents.bo.optimise import candidate_pool, initial_design
from archgym.agents.torch_threads import set_torch_threads
from archgym.envs.evaluator import EvalRecord
from archgym.space import Design, ParameterSpace

__all__ = ["MultiFidelityBO", "MultiFidelityPriorBO"]

logger = logging.getLogger(__name__)

_COMMON = (
    HyperParameter("n_init", int, 8, "Sobol designs at the cheapest tier before the first GP fit", low=1),
    HyperParameter("n_init_top", int, 2, "best initial designs then evaluated at the top tier", low=1),
    HyperParameter("pool_size", int, 256, "random candidate designs per iteration", low=8),
    HyperParameter("neighbours", int, 3, "best designs whose one-parameter neighbours join the pool", low=0),
    HyperParameter("max_train", int, 128, "cap on GP training rows (bounds iteration cost)", low=4),
    HyperParameter("fit_maxiter", int, 50, "L-BFGS-B iterations per GP fit", low=1),
    HyperParameter("reward_transform", str, "auto", "GP target transform", choices=("auto", "log", "none")),
    HyperParameter("integer_scale", str, "auto", "GP input scale of wide integer ranges", choices=("auto", "linear")),
    HyperParameter("use_uncertainty", bool, True, "proxy tiers' calibrated std as observation noise"),
    HyperParameter("torch_threads", int, 1, "torch threads (0 = leave torch's setting)", low=0),
)


class MultiFidelityBO(MultiFidelityAgent):
    """Multi-fidelity BO: a GP over design × fidelity, cost-weighted max-value entropy."""

    name: ClassVar[str] = "mf-bo"
    hyperparameters = (
        *_COMMON,
        HyperParameter("num_fantasies", int, 8, "fantasies of the MF max-value entropy", low=1),
        HyperParameter("num_mv_samples", int, 10, "max-value samples of the MF max-value entropy", low=1),
        HyperParameter("cheap_batch", int, 8, "cheap-tier calls proposed per GP fit when a cheap call wins", low=1),
    )

    # -- setup ----------------------------------------------------------------------------
    def _setup(self, space: ParameterSpace, rng: np.random.Generator) -> None:
        set_torch_threads(self.params["torch_threads"])
        self.n_tiers = max(1, len(self.tiers))
        self.costs = [float(t.unit_cost) for t in self.tiers] or [1.0]
        self.encoding = SpaceEncoding.from_space(space, self.params["integer_scale"])
        self.enc_mf = fidelity_encoding(self.encoding, self.n_tiers)
        self._seed = int(rng.integers(2**31 - 1))
        self._keys: list[tuple[int, ...]] = []
        self._tier: list[int] = []
        self._reward: list[float] = []
        self._feasible: list[bool] = []
        self._rvar: list[float] = []
        self._seen: list[set[tuple[int, ...]]] = [set() for _ in range(self.n_tiers)]
        self._spent = 0.0
        self._queue: list[tuple[tuple[int, ...], int]] = []
        self._phase = "init"
        self._warm: dict | None = None
        self.iterations = 0
        self.timings: list[dict[str, float]] = []
        self.proposals: list[tuple[int, Design]] = []  # (tier, design) in order
        init = initial_design(self.encoding, space.size, int(self.params["n_init"]), self._seed, rng)
        self._queue = [(k, 0) for k in init]
        if not hasattr(self, "_noise"):
            self._noise: dict[int, Any] = {}

    def search(self, env, budget, seed=0, callback=None):  # noqa: D102 - documented on Agent
        self._noise = self._noise_sources(unwrap_design_env(env)) if self.params["use_uncertainty"] else {}
        return super().search(env, budget, seed, callback)

    @staticmethod
    def _noise_sources(base: Any) -> dict[int, Any]:
        """``{tier index: (proxy simulator, workload, objective)}`` for every calibrated proxy tier."""
        return uncertainty_sources(base)

    # -- ask / tell -------------------------------------------------------------------------
    def _tier_of(self, rec: EvalRecord) -> int:
        names = [t.name for t in self.tiers]
        return names.index(rec.fidelity) if rec.fidelity in names else self.n_tiers - 1

    def _observe(self, records: list[EvalRecord]) -> None:
        assert self.space is not None
        for rec in records:
            self._spent += float(rec.cost)
            t = self._tier_of(rec)
            key = tuple(int(v) for v in self.space.encode(rec.design))
            if key in self._seen[t]:
                continue
            self._seen[t].add(key)
            self._keys.append(key)
            self._tier.append(t)
            self._reward.append(float(rec.reward))
            self._feasible.append(bool(rec.feasible))
            self._rvar.append(self._reward_var(t, rec))

    def _reward_var(self, t: int, rec: EvalRecord) -> float:
        src = self._noise.get(t)
        if src is None or not rec.feasible or not rec.metrics:
            return math.nan
        sim, workload, objective = src
        std = {k: float(v[0]) for k, v in sim.uncertainty([rec.design], workload).items()}
        return reward_variance(lambda m: float(objective.score(m).reward), rec.metrics, std)

    def _cost_left(self) -> float:
        budget = getattr(self, "budget", None)
        if budget is None or budget.cost is None:
            return math.inf
        return float(budget.cost) - self._spent

    def _propose(self, n: int) -> list[tuple[Design, int]]:
        assert self.space is not None
        top = self.n_tiers - 1
        self._queue = [(k, t) for k, t in self._queue if k not in self._seen[t]]
        if not self._queue and self._phase == "init":
            self._phase = "verify"
            if top > 0:
                cheap = [i for i, t in enumerate(self._tier) if t == 0 and self._feasible[i]]
                cheap.sort(key=lambda i: -self._reward[i])
                self._queue = [(self._keys[i], top) for i in cheap[: int(self.params["n_init_top"])]]
        if not self._queue:
            self._phase = "bo"
            if self._cost_left() < self.costs[top] - 1e-9:
                return []  # a cheap call could no longer be verified
            picks = self._iterate()
            if not picks:
                return []
            self._queue = list(picks)
        out = []
        for key, t in self._queue[:n]:
            design = self.space.decode_many(np.asarray([key]))[0]
            out.append((design, t))
            self.proposals.append((t, design))
        self._queue = self._queue[n:]
        return out

    # -- one iteration ----------------------------------------------------------------------
    def _targets(self) -> tuple[np.ndarray, np.ndarray]:
        """GP targets and their known variances (``nan``: unknown) of every observation."""
        feas = np.asarray(self._feasible, dtype=bool)
        reward = np.asarray(self._reward, dtype=np.float64)
        y = transform_rewards(reward, feas, self.params["reward_transform"])
        rvar = np.where(feas, np.asarray(self._rvar, dtype=np.float64), np.nan)
        return y, target_variance(reward, rvar, y)

    def _pool(self, it_rng: np.random.Generator, y: np.ndarray) -> np.ndarray:
        """Candidate designs: the BO pool (random + neighbours of the best) and every design
        observed at a cheaper tier but not yet at the top."""
        keys = np.asarray(self._keys, dtype=np.int64)
        best = keys[np.argsort(-y, kind="stable")[: int(self.params["neighbours"])]]
        pool = candidate_pool(self.encoding, set(), best, it_rng, int(self.params["pool_size"]))
        return np.unique(np.vstack([pool, keys]), axis=0) if len(keys) else pool

    def batch_size(self) -> int:
        return max(1, len(self._queue))

    def _iterate(self) -> list[tuple[tuple[int, ...], int]]:
        """The next proposals: the best (design, tier) pair; when it is below the top tier,
        also the next best cheap pairs of other designs, up to ``cheap_batch`` (one GP fit
        per batch of cheap calls)."""
        import torch

        t0 = time.perf_counter()
        seed = self._seed + self.iterations
        torch.manual_seed(seed)
        it_rng = np.random.default_rng(seed)
        y, yvar = self._targets()
        rows = self._training_rows(y, it_rng)
        index = mf_index(np.asarray(self._keys, dtype=np.int64)[rows], np.asarray(self._tier)[rows])
        model = fit_mf_gp(self.enc_mf, index, y[rows], yvar[rows], self.params["fit_maxiter"], self._warm)
        self._warm = hyperparameters(model)
        t1 = time.perf_counter()
        pool = self._pool(it_rng, y)
        left = self._cost_left()
        pairs = [(tuple(int(v) for v in k), t) for t in range(self.n_tiers) if self.costs[t] <= left + 1e-9
                 for k in pool if tuple(int(v) for v in k) not in self._seen[t]]
        if not pairs:
            return []
        cand = mf_index(np.asarray([k for k, _ in pairs]), np.asarray([t for _, t in pairs]))
        scores = mf_mes_scores(model, self.enc_mf, cand, self.costs, seed, top_pool=pool,
                               num_fantasies=self.params["num_fantasies"], num_mv_samples=self.params["num_mv_samples"])
        scores = np.where(np.isfinite(scores), scores, -np.inf)
        order = np.argsort(-scores, kind="stable")
        first = pairs[int(order[0])]
        out = [first]
        top = self.n_tiers - 1
        if first[1] < top:
            spend = self.costs[first[1]]
            taken = {first[0]}
            for i in order[1:]:
                key, t = pairs[int(i)]
                if len(out) >= int(self.params["cheap_batch"]) or not np.isfinite(scores[i]):
                    break
                if t < top and key not in taken and spend + self.costs[t] + self.costs[top] <= left + 1e-9:
                    out.append((key, t))
                    taken.add(key)
                    spend += self.costs[t]
        self._log_iteration(t0, t1, len(rows))
        return out

    def _training_rows(self, y: np.ndarray, it_rng: np.random.Generator) -> np.ndarray:
        from archgym.agents.bo.model import select_training

        return select_training(y, int(self.params["max_train"]), it_rng)

    def _log_iteration(self, t0: float, t1: float, n_rows: int) -> None:
        t2 = time.perf_counter()
        self.iterations += 1
        self.timings.append({"observations": float(len(self._keys)), "fit_s": t1 - t0, "acquisition_s": t2 - t1})
        logger.debug("%s iteration %d: %d rows, fit %.2fs, acquisition %.2fs", self.name, self.iterations, n_rows, t1 - t0, t2 - t1)


class MultiFidelityPriorBO(MultiFidelityBO):
    """The cheapest tier's GP posterior mean as the prior mean of the top tier's GP."""

    name: ClassVar[str] = "mf-bo-prior"
    hyperparameters = (
        *_COMMON,
        HyperParameter("cheap_per_top", int, 8, "cheap-tier calls per top-tier call", low=0),
    )

    def _iterate(self) -> list[tuple[tuple[int, ...], int]]:
        """The next proposals: up to the cheap quota (``cheap_per_top`` per top-tier call so
        far, within the cost left) of cheap-tier designs by the cheap GP's expected
        improvement, then one top-tier design by the combined model's (one fit of each)."""
        import torch

        t0 = time.perf_counter()
        seed = self._seed + self.iterations
        torch.manual_seed(seed)
        it_rng = np.random.default_rng(seed)
        top = self.n_tiers - 1
        y, yvar = self._targets()
        keys = np.asarray(self._keys, dtype=np.int64)
        tier = np.asarray(self._tier)
        cheap, dear = np.nonzero(tier == 0)[0], np.nonzero(tier == top)[0]
        if top == 0 or len(cheap) == 0:
            cheap, dear = dear, dear
        rows_c = cheap[self._training_rows(y[cheap], it_rng)]
        rows_t = dear[self._training_rows(y[dear], it_rng)] if len(dear) else dear
        pool = self._pool(it_rng, y)
        ei_top, ei_cheap = prior_mean_scores(self.encoding, keys[rows_c], y[rows_c], yvar[rows_c], keys[rows_t], y[rows_t],
                                             pool, self.params["fit_maxiter"])
        t1 = time.perf_counter()
        n_cheap, n_top = int(np.sum(tier == 0)), int(np.sum(tier == top))
        quota = int(self.params["cheap_per_top"]) * (n_top + 1) - n_cheap if top > 0 else 0
        quota = min(quota, int((self._cost_left() - self.costs[top]) // self.costs[0]) if top > 0 else 0)
        order = [(0, ei_cheap, quota)] if quota > 0 else []
        order.append((top, ei_top, 1))
        for t, score, k in order:
            ok = np.fromiter((tuple(int(v) for v in key) not in self._seen[t] for key in pool), bool, len(pool))
            if ok.any():
                best = np.argsort(-np.where(ok, score, -np.inf), kind="stable")[: min(k, int(ok.sum()))]
                self._log_iteration(t0, t1, len(rows_c) + len(rows_t))
                return [(tuple(int(v) for v in pool[i]), t) for i in best]
        return []
