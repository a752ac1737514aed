"""``DesignEnv``: a Gymnasium environment over (simulator, workload, objective).

One step proposes one complete design; an episode is ``max_steps`` proposals (then
``truncated``). There is no hidden state a step changes besides the step counter: the
environment is a bandit over designs, which is what design-space exploration is.

* **Action**: ``ParameterSpace.to_gymnasium()`` — ``MultiDiscrete(nvec)`` of parameter indices
  for a discrete space, ``Box(0, 1, (d,))`` when a parameter is continuous. A design ``dict``
  is accepted too (``env.step({"PagePolicy": "Open", ...})``).
* **Observation**: ``float32`` vector of ``len(metrics) + 1``: each metric divided by its value
  for the baseline design (1.0 = as good as the baseline), then a feasibility flag (1/0).
  ``reset`` returns the baseline's observation (all ones). Infeasible designs observe zeros.
  The baseline (and an objective derived from it) is computed on the first step, not when the
  environment is built: ``gymnasium.make`` is instant even over a slow external simulator.
* **Reward**: the objective's scalar reward (larger is better).
* **Info**: ``design``, ``metrics`` (raw, in the card's units, or ``None``), ``feasible``,
  ``outcome`` (``ok``/``infeasible``/``constraint``/``error``), ``error``, ``reward_vector``
  (multi-objective), and the bookkeeping an agent needs: ``record`` (the
  :class:`~archgym.envs.evaluator.EvalRecord`), ``fidelity`` (the tier name), ``cost`` (cost
  units of this call, 0 for a cache hit) and ``cache_hit``. Info depends on the action and on
  the designs evaluated before it in this environment (a repeated design is a cache hit: same
  design, metrics and reward, ``cost`` 0, ``cache_hit`` True, another ``record.step``), so
  same-seed rollouts are identical: ``reset(seed=...)`` starts a new run (empty cache, step
  and call counters at 0, a fresh ledger; the dataset writer keeps its rows), an unseeded
  ``reset`` only starts a new episode of the same run. Agents read only ``info`` (never
  ``env.evaluator``); the dataset's run context is set by whoever runs the agent.
* **Fidelity**: ``fidelity="proxy"`` (with ``tier_options``, e.g. ``{"proxy_model": dir}``)
  builds the environment at that tier of the simulator's family (:mod:`archgym.fidelity`): the
  tier's simulator and workload, its cost per call. ``env.unwrapped.tiers`` is the one tier,
  ``env.unwrapped.ledger`` the :class:`~archgym.fidelity.CostLedger` of every call.

Versioning: ``-v0`` everywhere; bump the version when reward, observation or action meaning
changes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import numpy as np

from archgym.datasets import DatasetWriter
from archgym.envs.evaluator import EvalRecord, Evaluator
from archgym.envs.lazy import lazy_objective
from archgym.errors import ConfigError
from archgym.fidelity import CostLedger, Tier, tier_index, tiers_for
from archgym.objective import Objective
from archgym.simulator import Simulator, make_simulator

__all__ = ["DesignEnv"]

_OBS_LIMIT = 1e30


class DesignEnv(gym.Env):
    """A Gymnasium environment where each step evaluates one design.

    Args:
        simulator: a registered simulator name or a :class:`~archgym.simulator.Simulator`.
        workload: the workload (default: the simulator's first).
        objective: an :class:`~archgym.objective.Objective`, a dict for
            :func:`~archgym.objective.make_objective`, or ``None`` for the simulator's default.
        max_steps: proposals per episode.
        dataset: a folder to log every call into (a new :class:`DatasetWriter`), or a writer.
        simulator_kwargs: keyword arguments for the simulator's factory.
        cache: answer repeated designs from the run's cache.
        log_context: extra writer fields (``run_id``, ``trial_id``, ``agent``,
            ``agent_params``, ``seed``) when ``dataset`` is a folder.
        max_consecutive_errors: stop with :class:`~archgym.errors.RepeatedSimulatorError` after
            this many simulator calls in a row raised an unexpected exception (``None``: never).
        fidelity: build the environment at this tier (name or index) of the family named by
            the simulator (see :func:`~archgym.fidelity.tiers_for`); ``None``: the simulator itself.
        tier_options: options of the family's tiers (e.g. ``{"proxy_model": "models/dram"}``).
        tier: a :class:`~archgym.fidelity.Tier` to run at (its cost per call and name);
            ``simulator`` must then be its simulator.

    Example:
        >>> import gymnasium as gym, archgym                     # doctest: +SKIP
        >>> env = gym.make("archgym/DRAM-v0", workload="stream")  # doctest: +SKIP
    """

    metadata: dict[str, Any] = {"render_modes": []}

    def __init__(
        self,
        simulator: str | Simulator,
        workload: str | None = None,
        objective: Objective | Mapping[str, Any] | None = None,
        max_steps: int = 16,
        dataset: str | os.PathLike[str] | DatasetWriter | None = None,
        simulator_kwargs: Mapping[str, Any] | None = None,
        cache: bool = True,
        log_context: Mapping[str, Any] | None = None,
        env_id: str = "",
        max_consecutive_errors: int | None = 5,
        fidelity: str | int | None = None,
        tier_options: Mapping[str, Any] | None = None,
        tier: Tier | None = None,
    ):
        super().__init__()
        if fidelity is not None:
            family = simulator if isinstance(simulator, str) else simulator.name
            tiers = tiers_for(family, workload, **dict(tier_options or {}))
            tier = tiers[tier_index(tiers, fidelity)].require()
            if workload is None:  # the family simulator's default workload, mapped to the tier's
                workload = (make_simulator(family) if isinstance(simulator, str) else simulator).check_workload(None)
            workload = tier.workload_for(workload)
            simulator, simulator_kwargs = tier.simulator, tier.simulator_kwargs
        elif tier_options:
            raise ConfigError("tier_options need fidelity= (the tier to run at)")
        if isinstance(simulator, str):
            simulator = make_simulator(simulator, **dict(simulator_kwargs or {}))
        self.simulator: Simulator = simulator
        self.workload = simulator.check_workload(workload)
        # checked now, built (with the baseline design's metrics) on first use
        self.objective: Objective = lazy_objective(objective, simulator, self.workload)
        if max_steps < 1:
            raise ValueError(f"max_steps must be >= 1, got {max_steps}")
        self.max_steps = int(max_steps)
        self.space = simulator.design_space
        self.env_id = env_id or (self.spec.id if self.spec is not None else "")
        writer = dataset
        if dataset is not None and not isinstance(dataset, DatasetWriter):
            writer = DatasetWriter(dataset, simulator, env_id=self.env_id, **dict(log_context or {}))
        if tier is None:
            tier = Tier(simulator.fidelity_of(self.workload), simulator.name, cost=1.0)
        check_tier_simulator(tier, simulator, self.workload)
        self.tiers: list[Tier] = [tier]
        self.ledger = CostLedger(self.tiers)
        self.evaluator = Evaluator(
            simulator, self.workload, self.objective, writer, cache, max_consecutive_errors,  # type: ignore[arg-type]
            fidelity=tier.name, cost=tier.unit_cost,
        )
        self.action_space = self.space.to_gymnasium()
        n = len(simulator.metrics)
        self.observation_space = gym.spaces.Box(-_OBS_LIMIT, _OBS_LIMIT, shape=(n + 1,), dtype=np.float32)
        self._scale: np.ndarray | None = None  # the baseline's metrics, computed on the first step
        self._metric_names = simulator.metric_names
        self._steps = 0

    # -- Gymnasium API ----------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        self._steps = 0
        if seed is not None:  # a seeded reset starts a new run: same seed + actions -> same steps and info
            self.evaluator.restart()
            self.ledger = CostLedger(self.tiers)
        obs = np.ones(len(self._metric_names) + 1, dtype=np.float32)
        return obs, {}

    def step(self, action: Any):
        design = self.space.decode_action(action)
        rec = self.evaluator.evaluate(design)
        self.ledger.add(rec.fidelity, rec.cost, rec.sim_wall_s, rec.cache_hit)
        self._steps += 1
        truncated = self._steps >= self.max_steps
        return self._observe(rec), float(rec.score.reward), False, truncated, self._info(rec)

    def close(self) -> None:
        self.evaluator.close()
        super().close()

    # -- helpers ----------------------------------------------------------------------
    @property
    def unique_calls(self) -> int:
        """Simulator calls made so far (designs new to this environment)."""
        return self.evaluator.unique_calls

    def evaluate_design(self, design: Mapping[str, Any]) -> EvalRecord:
        """Evaluate a design outside the episode bookkeeping (logged and cached like a step)."""
        rec = self.evaluator.evaluate(design)
        self.ledger.add(rec.fidelity, rec.cost, rec.sim_wall_s, rec.cache_hit)
        return rec

    @property
    def observation_scale(self) -> np.ndarray:
        """The baseline design's metrics (observations divide by them), computed on first use;
        a simulator with ``baseline_cache`` keeps them on disk across processes."""
        if self._scale is None:
            base = self.simulator.baseline_metrics(self.workload)
            self._scale = np.array([abs(base[m.name]) or 1.0 for m in self.simulator.metrics], dtype=np.float64)
        return self._scale

    def _observe(self, rec: EvalRecord) -> np.ndarray:
        obs = np.zeros(len(self._metric_names) + 1, dtype=np.float32)
        if rec.metrics is not None:
            vals = np.fromiter((rec.metrics[m] for m in self._metric_names), np.float64, len(self._metric_names))
            obs[:-1] = np.clip(np.nan_to_num(vals / self.observation_scale), -_OBS_LIMIT, _OBS_LIMIT)
        obs[-1] = 1.0 if rec.score.feasible else 0.0
        return obs

    def _info(self, rec: EvalRecord) -> dict[str, Any]:
        return {
            "design": dict(rec.design),
            "metrics": None if rec.metrics is None else dict(rec.metrics),
            "feasible": rec.score.feasible,
            "outcome": rec.outcome,
            "error": rec.error,
            "reward_vector": rec.score.vector,
            "record": rec,
            "fidelity": rec.fidelity,
            "cost": rec.cost,
            "cache_hit": rec.cache_hit,
        }


def check_tier_simulator(tier: Tier, simulator: Simulator, workload: str) -> None:
    """Raise ``ValueError`` unless ``simulator`` on ``workload`` produces ``tier``'s fidelity
    (the dataset's ``fidelity`` column is the simulator's; the tier's name must say the same)."""
    produced = str(simulator.fidelity_of(workload))
    if produced != tier.name:
        raise ValueError(
            f"tier {tier.name!r}: simulator {simulator.name!r} on workload {workload!r} produces fidelity {produced!r}; "
            f"name the tier {produced!r} or set the simulator's fidelity"
        )
