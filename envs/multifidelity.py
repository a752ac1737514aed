"""``MultiFidelityEnv``: one design space, several fidelity tiers, one step = (design, tier).

The tiers (:mod:`archgym.fidelity`, cheap to expensive) come from a family
(``family="dram"`` with ``proxy_model=...``) or are given (``tiers=[Tier, ...]``). Each tier
runs through its own :class:`~archgym.envs.DesignEnv` (its simulator, workload, cache,
objective resolution and dataset writer), so there is still one evaluation path.

* **Action**: ``{"design": <the single-fidelity env's design action, or a design dict>,
  "fidelity": <tier index or tier name>}``; the action space is
  ``Dict(design=<the design space's>, fidelity=Discrete(T))``.
* **Observation**: ``float32`` vector of ``len(top metrics) + 2``: the top tier's metrics, each
  normalised by the baseline design *at the evaluated tier* (a metric that tier does not
  produce is 0), the feasibility flag, and the tier index / (T − 1).
* **Reward**: the objective on the evaluated tier's metrics. One objective spec, resolved per
  tier: a target objective derives its targets from that tier's baseline design.
* **Info**: as the single-fidelity env's (``design``, ``metrics``, ``feasible``, ``outcome``,
  ``error``, ``reward_vector``, ``record``, ``fidelity``, ``cost``, ``cache_hit``) plus
  ``fidelity_index``.
* **Cache**: one per (design, tier); a cache hit costs 0. ``reset(seed=...)`` starts a new run
  (every tier's cache and counters empty, a fresh ledger), as for the single-fidelity env.
* **Dataset**: one :class:`~archgym.datasets.DatasetWriter` per tier under one root and one run
  context; every row carries its tier's ``fidelity`` (a tier's simulator writes its own
  ``simulator=<name>`` partition, so tiers with different metrics keep their own columns).

``env.unwrapped.tiers`` lists the tiers, ``env.unwrapped.ledger`` is the
:class:`~archgym.fidelity.CostLedger` of every call. Ids: ``archgym/DRAM-MF-v0``,
``archgym/DNNAccel-MF-v0``, ``archgym/QNetSched-MF-v0`` (see ``docs/multifidelity.md``).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from typing import Any

import gymnasium as gym
import numpy as np

from archgym.datasets import DatasetWriter
from archgym.envs.design_env import _OBS_LIMIT, DesignEnv
from archgym.envs.evaluator import EvalRecord
from archgym.errors import ConfigError
from archgym.fidelity import CostLedger, Tier, check_tiers, tier_index, tiers_for
from archgym.objective import Objective
from archgym.simulator import Simulator, make_simulator

__all__ = ["MultiFidelityEnv"]


class MultiFidelityEnv(gym.Env):
    """A Gymnasium environment whose step evaluates one design at a chosen fidelity tier.

    Args:
        family: a family with declared tiers (``dram``, ``dnn_accel``, ``qnet``, or one added
            with :func:`~archgym.fidelity.register_tiers`); or ``None`` with ``tiers``.
        workload: the workload (default: the top tier simulator's default); each tier maps it.
        objective: an objective spec (or ``None`` for each tier simulator's default).
        max_steps: proposals per episode.
        dataset: a folder to log every call into (one writer per tier, same run context).
        tiers: the tiers, cheap to expensive (instead of ``family``).
        cache: answer repeated (design, tier) pairs from the cache.
        log_context: writer fields (``run_id``, ``trial_id``, ``agent``, ``agent_params``, ``seed``).
        env_id: the Gymnasium id logged in the dataset.
        max_consecutive_errors: as for :class:`~archgym.envs.DesignEnv`, per tier.
        **tier_options: options of the family's tiers (``proxy_model=`` for ``dram``).
    """

    metadata: dict[str, Any] = {"render_modes": []}

    def __init__(
        self,
        family: str | None = None,
        workload: str | None = None,
        objective: Objective | Mapping[str, Any] | None = None,
        max_steps: int = 16,
        dataset: str | os.PathLike[str] | None = None,
        tiers: Sequence[Tier] | None = None,
        cache: bool = True,
        log_context: Mapping[str, Any] | None = None,
        env_id: str = "",
        max_consecutive_errors: int | None = 5,
        **tier_options: Any,
    ):
        super().__init__()
        if tiers is None:
            if family is None:
                raise ConfigError("MultiFidelityEnv needs family= (a simulator family with tiers) or tiers=[Tier, ...]")
            tiers = tiers_for(family, workload, **tier_options)
        elif tier_options:
            raise ConfigError(f"tier options {sorted(tier_options)} apply to a family; with tiers= give none")
        check_tiers(tiers, family or "tiers")
        if max_steps < 1:
            raise ValueError(f"max_steps must be >= 1, got {max_steps}")
        if dataset is not None and isinstance(dataset, DatasetWriter):
            raise ConfigError("MultiFidelityEnv logs through one writer per tier: give dataset= a folder, not a DatasetWriter")
        self.family = family or ""
        self.tiers: list[Tier] = list(tiers)
        self.max_steps = int(max_steps)
        self.env_id = env_id or (self.spec.id if self.spec is not None else "")
        sims: dict[tuple[str, str], Simulator] = {}
        for t in self.tiers:
            t.require()
            key = (t.simulator, repr(sorted(dict(t.simulator_kwargs).items())))
            if key not in sims:
                sims[key] = make_simulator(t.simulator, **dict(t.simulator_kwargs))
        tier_sims = [sims[(t.simulator, repr(sorted(dict(t.simulator_kwargs).items())))] for t in self.tiers]
        top_sim = tier_sims[-1]
        self.workload = workload if workload is not None else top_sim.check_workload(None)
        self._envs: list[DesignEnv] = []
        for t, sim in zip(self.tiers, tier_sims):
            writer = None
            if dataset is not None:
                writer = DatasetWriter(dataset, sim, env_id=self.env_id, **dict(log_context or {}))
            self._envs.append(DesignEnv(
                sim, t.workload_for(self.workload), objective, max_steps=1, dataset=writer, cache=cache,
                env_id=self.env_id, max_consecutive_errors=max_consecutive_errors, tier=t,
            ))
        own = [i for i, t in enumerate(self.tiers) if t.translate is None]
        if not own:
            raise ConfigError("at least one tier must run on the environment's design space (translate=None)")
        self._space_tier = own[-1]
        self.space = tier_sims[self._space_tier].design_space
        self.simulator = top_sim
        self.objective: Objective = self._envs[-1].objective
        self.ledger = CostLedger(self.tiers)
        self.action_space = gym.spaces.Dict({"design": self.space.to_gymnasium(), "fidelity": gym.spaces.Discrete(len(self.tiers))})
        self._metric_names = top_sim.metric_names
        n = len(self._metric_names)
        self.observation_space = gym.spaces.Box(-_OBS_LIMIT, _OBS_LIMIT, shape=(n + 2,), dtype=np.float32)
        self._steps = 0

    # -- Gymnasium API ----------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        self._steps = 0
        if seed is not None:  # a new run, as for DesignEnv
            for env in self._envs:
                env.reset(seed=seed)
            self.ledger = CostLedger(self.tiers)
        return np.ones(len(self._metric_names) + 2, dtype=np.float32), {}

    def step(self, action: Any):
        if not isinstance(action, Mapping) or set(action) != {"design", "fidelity"}:
            got = sorted(action) if isinstance(action, Mapping) else type(action).__name__
            raise ConfigError(f"a multi-fidelity action is {{'design': ..., 'fidelity': tier index or name}}, got {got}")
        t = tier_index(self.tiers, action["fidelity"])
        rec = self.evaluate_design(self.space.decode_action(action["design"]), t)
        self._steps += 1
        truncated = self._steps >= self.max_steps
        info = self._envs[t]._info(rec)
        info["fidelity_index"] = t
        return self._observe(rec, t), float(rec.score.reward), False, truncated, info

    def close(self) -> None:
        for env in self._envs:
            env.close()
        super().close()

    # -- helpers ----------------------------------------------------------------------
    def evaluate_design(self, design: Mapping[str, Any], fidelity: int | str) -> EvalRecord:
        """Evaluate ``design`` (of :attr:`space`) at tier ``fidelity``: logged, cached, accounted.

        The record's ``design`` is ``design`` (of :attr:`space`) also at a tier that translates it;
        that tier's dataset row holds the translated design."""
        t = tier_index(self.tiers, fidelity)
        tier = self.tiers[t]
        if tier.translate is not None or t != self._space_tier and self._envs[t].space is not self.space:
            design = self.space.validate(design)  # else the tier's evaluator validates it
        rec = self._envs[t].evaluate_design(tier.design_for(design))
        if tier.translate is not None:  # the agent sees its own design; the tier's dataset row keeps the translated one
            rec = dataclasses.replace(rec, design=dict(design))
        self.ledger.add(rec.fidelity, rec.cost, rec.sim_wall_s, rec.cache_hit)
        return rec

    @property
    def writers(self) -> list[DatasetWriter]:
        """The dataset writers of the tiers (none without ``dataset``)."""
        return [env.evaluator.writer for env in self._envs if env.evaluator.writer is not None]

    @property
    def unique_calls(self) -> int:
        """Simulator calls made so far, every tier."""
        return sum(env.unique_calls for env in self._envs)

    def tier_env(self, fidelity: int | str) -> DesignEnv:
        """The single-fidelity environment of one tier."""
        return self._envs[tier_index(self.tiers, fidelity)]

    def _observe(self, rec: EvalRecord, t: int) -> np.ndarray:
        n = len(self._metric_names)
        obs = np.zeros(n + 2, dtype=np.float32)
        env = self._envs[t]
        if rec.metrics is not None:
            scale = dict(zip(env._metric_names, env.observation_scale))
            vals = [rec.metrics[m] / scale[m] if m in scale else 0.0 for m in self._metric_names]
            obs[:n] = np.clip(np.nan_to_num(np.asarray(vals, dtype=np.float64)), -_OBS_LIMIT, _OBS_LIMIT)
        obs[n] = 1.0 if rec.score.feasible else 0.0
        obs[n + 1] = t / (len(self.tiers) - 1) if len(self.tiers) > 1 else 0.0
        return obs
