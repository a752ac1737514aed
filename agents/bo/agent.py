"""The Bayesian-optimisation agent (``"bo"``).

One iteration: select the training rows (:func:`~archgym.agents.bo.model.select_training`),
fit the GP (:func:`~archgym.agents.bo.model.fit_model`), build the acquisition
(:func:`~archgym.agents.bo.acquisition.build_acquisition`: qLogEI, or qLogNEHVI when the
environment's objective has several objectives) and optimise it
(:mod:`~archgym.agents.bo.optimise`) for ``batch_size`` new designs. The first ``n_init``
designs come from a scrambled Sobol sequence over the GP's input space. Every proposal is a design
not evaluated before, so each costs exactly one simulator call — BO never spends several calls
per proposal (a defect of the earlier ArchGym).

Reward transformation: single-objective targets are ``log(reward)`` when every feasible reward
is positive (``reward_transform="auto"``, the target-spec reward spans orders of magnitude),
infeasible designs get the worst feasible target. Multi-objective targets are the objective's
'larger is better' vectors, infeasible designs the worst observed value per objective.

Constraints (``constraints="model"``, the default): on a single-objective task whose objective
has metric limits (:class:`~archgym.objective.Constrained`), the GP has one more output per
limit, the limit's signed relative slack (``(x - v) / |v|`` for ``x <= v``, ``(v - x) / |v|`` for
``x >= v``; a design meets the limit when it is <= 0), and the objective's output is trained on
every measured design's *unpenalised* objective. The acquisition is qLogEI over the best
feasible design, weighted by the modelled probability that every limit holds (constrained EI:
Gardner et al. 2014, Gelbart et al. 2014; BoTorch's ``constraints`` of qLogEI). Before it, and
with ``constraints="worst"``, every infeasible design got the worst feasible target, so where
feasible improvements are rare the GP saw a flat landscape and BO stayed at the baseline (the
constrained QNetSched tasks of suite v4). "model" became the default by the rule written in
benchmarks/suite_v4/agent_defaults.yaml before it ran: over 10 seeds on the five constrained v4
tasks its median normalised regret is lower on four and equal on one (docs/bench.md). A design
without metrics (the simulator found it infeasible or failed) gets the worst measured objective
and the largest slack (at least 1).
"""

from __future__ import annotations

import logging
import time

import numpy as np

from archgym.agents.base import Agent, HyperParameter, unwrap_design_env
from archgym.agents.bo.acquisition import build_acquisition
from archgym.agents.bo.encoding import SpaceEncoding, transform_rewards
from archgym.agents.bo.model import fit_model, hyperparameters, select_training
from archgym.agents.bo.optimise import candidate_pool, initial_design, optimise_discrete, optimise_mixed
from archgym.agents.torch_threads import set_torch_threads
from archgym.envs.evaluator import EvalRecord
from archgym.objective import Constrained
from archgym.space import Design, ParameterSpace

__all__ = ["BayesianOptimisation", "constrained_objective"]

logger = logging.getLogger(__name__)


def constrained_objective(objective: object) -> Constrained | None:
    """``objective`` (built, if an environment built it lazily) when it has metric limits, else ``None``."""
    real = getattr(objective, "real", objective)
    return real if isinstance(real, Constrained) else None


class BayesianOptimisation(Agent):
    """GP-based Bayesian optimisation with BoTorch over the encoded design space.

    Hyper-parameters:
        n_init: Sobol designs before the first GP fit.
        batch_size: designs per iteration (q).
        optimizer: ``pool`` (score a candidate pool) or ``mixed_alternating``.
        pool_size: random candidates per iteration (whole space when smaller).
        neighbours: best designs whose one-parameter neighbours join the candidate pool.
        max_train: cap on GP training rows (best half + random rest), bounding each iteration.
        fit_maxiter: L-BFGS-B iterations per GP fit.
        mc_samples: quasi-Monte-Carlo samples of the acquisition.
        multi_objective: acquisition for 2-3 objectives: ``ehvi`` (analytic expected hypervolume
            improvement over the observed front; used when ``batch_size`` is 1, else qLogNEHVI) or
            ``qlognehvi`` (BoTorch's noisy MC version; ~5-10x the cost per iteration).
        reward_transform: ``auto`` (log of positive rewards), ``log`` or ``none``.
        constraints: metric limits of a single-objective task: ``model`` (a GP output per limit,
            constrained EI) or ``worst`` (infeasible designs at the worst feasible target).
        integer_scale: ``auto`` puts integer ranges spanning 16× or more (e.g. 1–128) on a log2
            scale for the GP and the Sobol start; ``linear`` keeps their index.
        torch_threads: torch threads (process-wide; 0 leaves torch's setting alone).
    """

    name = "bo"
    hyperparameters = (
        HyperParameter("n_init", int, 10, "Sobol designs before the first GP fit", low=1),
        HyperParameter("batch_size", int, 1, "designs per iteration (q)", low=1, high=64),
        HyperParameter("optimizer", str, "pool", "acquisition optimiser", choices=("pool", "mixed_alternating")),
        HyperParameter("pool_size", int, 2048, "random candidates scored per iteration", low=16),
        HyperParameter("neighbours", int, 5, "best designs whose one-parameter neighbours join the pool", low=0),
        HyperParameter("max_train", int, 128, "cap on GP training rows (bounds iteration cost)", low=4),
        HyperParameter("fit_maxiter", int, 50, "L-BFGS-B iterations per GP fit (bounds iteration cost)", low=1),
        HyperParameter("mc_samples", int, 128, "quasi-Monte-Carlo samples of the acquisition", low=8),
        HyperParameter("multi_objective", str, "ehvi", "acquisition for 2-3 objectives (ehvi: analytic, q = 1)",
                       choices=("ehvi", "qlognehvi")),
        HyperParameter("reward_transform", str, "auto", "GP target transform", choices=("auto", "log", "none")),
        HyperParameter("constraints", str, "model",
                       "metric limits: a GP per limit and constrained EI, or infeasible designs at the worst feasible target",
                       choices=("model", "worst")),
        HyperParameter(
            "integer_scale", str, "auto", "GP input scale of wide integer ranges (auto = log2)", choices=("auto", "linear")
        ),
        HyperParameter("torch_threads", int, 1, "torch threads (0 = leave torch's setting)", low=0),
    )

    def _setup(self, space: ParameterSpace, rng: np.random.Generator) -> None:
        set_torch_threads(self.params["torch_threads"])
        self.encoding = SpaceEncoding.from_space(space, self.params["integer_scale"])
        self._seed = int(rng.integers(2**31 - 1))
        self._keys: list[tuple[int, ...]] = []
        self._seen: set[tuple[int, ...]] = set()
        self._reward: list[float] = []
        self._feasible: list[bool] = []
        self._vectors: list[tuple[float, ...] | None] = []
        self._metrics: list[dict[str, float] | None] = []
        self.iterations = 0
        self._warm: dict | None = None
        self.timings: list[dict[str, float]] = []
        self._init = initial_design(self.encoding, space.size, int(self.params["n_init"]), self._seed, rng)

    def batch_size(self) -> int:
        return len(self._init) if self._init else int(self.params["batch_size"])

    # -- ask / tell -------------------------------------------------------------------
    def _propose(self, n: int) -> list[Design]:
        assert self.space is not None
        self._init = [k for k in self._init if k not in self._seen]
        if self._init:
            out, self._init = self._init[:n], self._init[n:]
            return self.space.decode_many(np.asarray(out))
        idx = self._iterate(min(n, int(self.params["batch_size"])))
        if len(idx) == 0:  # nothing new the optimiser could find: any unseen design
            idx = self._random_unseen(1)
        return self.space.decode_many(idx)

    def _observe(self, records: list[EvalRecord]) -> None:
        assert self.space is not None
        for rec in records:
            key = tuple(int(v) for v in self.space.encode(rec.design))
            if key in self._seen:
                continue
            self._seen.add(key)
            self._keys.append(key)
            self._reward.append(float(rec.reward))
            self._feasible.append(bool(rec.feasible))
            self._vectors.append(rec.score.vector)
            self._metrics.append(rec.metrics)

    # -- one BO iteration -------------------------------------------------------------
    def modelled_limits(self) -> dict[str, tuple[str, float]]:
        """The metric limits the GP models (``constraints="model"`` on a constrained single-objective task), else ``{}``."""
        if self.n_objectives != 1 or self.params["constraints"] != "model" or self._constrained is None:
            return {}
        return dict(self._constrained.limits)

    def targets(self) -> np.ndarray:
        """GP targets of the observations so far, shape ``(n, m)``.

        With modelled limits (:meth:`modelled_limits`): column 0 is the transformed unpenalised
        objective, then one signed relative slack per limit (<= 0 where the limit holds).
        """
        feas = np.asarray(self._feasible, dtype=bool)
        limits = self.modelled_limits()
        if limits:
            assert self._constrained is not None
            measured = np.array([m is not None for m in self._metrics], dtype=bool)
            base = np.array([self._constrained.base.score(m).reward if m is not None else np.nan for m in self._metrics])
            y0 = transform_rewards(base, measured, self.params["reward_transform"])
            cols = [y0]
            for name, (op, v) in limits.items():
                sign = 1.0 if op in ("<=", "<") else -1.0
                c = np.array([sign * (float(m[name]) - v) / (abs(v) or 1.0) if m is not None else np.nan for m in self._metrics])
                c[~measured] = max(1.0, float(np.nanmax(c))) if measured.any() else 1.0
                cols.append(c)
            return np.column_stack(cols)
        if self.n_objectives == 1:
            y = transform_rewards(np.asarray(self._reward), feas, self.params["reward_transform"])
            return y[:, None]
        m = self.n_objectives
        vec = np.array([v if v is not None else (np.nan,) * m for v in self._vectors], dtype=np.float64)
        ok = feas & np.all(np.isfinite(vec), axis=1)
        worst = vec[ok].min(axis=0) if ok.any() else np.zeros(m)
        vec[~ok] = worst
        return vec

    def _iterate(self, q: int) -> np.ndarray:
        import torch

        t0 = time.perf_counter()
        seed = self._seed + self.iterations
        torch.manual_seed(seed)
        it_rng = np.random.default_rng(seed)
        keys = np.asarray(self._keys, dtype=np.int64)
        y = self.targets()
        n_limits = len(self.modelled_limits())
        score = self._rank_score(y, n_limits)
        rows = select_training(score if self.n_objectives == 1 else y, int(self.params["max_train"]), it_rng)
        train_x = torch.as_tensor(self.encoding.to_inputs(keys[rows]), dtype=torch.float64)
        train_y = torch.as_tensor(y[rows], dtype=torch.float64)
        if self.encoding.dim == 0:
            return self._random_unseen(q)
        model = fit_model(train_x, train_y, self.encoding, self.params["fit_maxiter"], self._warm)
        self._warm = hyperparameters(model)
        t1 = time.perf_counter()
        ref = None
        if self.n_objectives > 1 and self._objective_ref is not None:
            ref = self._objective_ref
        multi = self.params["multi_objective"] if q == 1 else "qlognehvi"  # analytic EHVI is for one design at a time
        acqf = build_acquisition(model, train_x, train_y, mc_samples=self.params["mc_samples"], seed=seed, ref_point=ref,
                                 multi_objective=multi, n_constraints=n_limits)
        best = keys[np.argsort(-score, kind="stable")[: int(self.params["neighbours"])]]
        pool = candidate_pool(self.encoding, self._seen, best, it_rng, int(self.params["pool_size"]))
        if self.params["optimizer"] == "pool":
            idx = optimise_discrete(acqf, self.encoding, pool, q)
        else:
            idx = optimise_mixed(acqf, self.encoding, q, self._seen, pool)
        t2 = time.perf_counter()
        self.iterations += 1
        self.timings.append({"observations": float(len(keys)), "fit_s": t1 - t0, "acquisition_s": t2 - t1})
        logger.debug("BO iteration %d: %d rows, fit %.2fs, acquisition %.2fs", self.iterations, len(rows), t1 - t0, t2 - t1)
        return idx

    #: the objective's hypervolume reference point in vector space (set by ``search``)
    _objective_ref: np.ndarray | None = None

    #: the task's objective when it has metric limits (set by ``search``)
    _constrained: Constrained | None = None

    @staticmethod
    def _rank_score(y: np.ndarray, n_limits: int) -> np.ndarray:
        """One score a row (larger is better): the target's mean, or with modelled limits the
        objective for designs meeting every limit and, below all of them, the others by total violation."""
        if not n_limits:
            return y.mean(axis=1)
        obj, slack = y[:, 0], np.maximum(y[:, 1:], 0.0).sum(axis=1)
        return np.where(slack > 0, obj.min() - 1.0 - slack, obj)

    def search(self, env, budget, seed=0, callback=None):  # noqa: D102 - documented on Agent
        objective = unwrap_design_env(env).objective
        ref = getattr(objective, "ref_vector", None)
        self._objective_ref = ref() if callable(ref) else None
        self._constrained = constrained_objective(objective)
        return super().search(env, budget, seed, callback)

    def _random_unseen(self, n: int) -> np.ndarray:
        assert self.space is not None
        out: list[tuple[int, ...]] = []
        for _ in range(1000 * n):
            key = tuple(int(v) for v in self.rng.integers(0, self.space.nvec))
            if key not in self._seen and key not in out:
                out.append(key)
                if len(out) == n:
                    break
        if not out:
            out.append(tuple(int(v) for v in self.rng.integers(0, self.space.nvec)))
        return np.asarray(out, dtype=np.int64)
