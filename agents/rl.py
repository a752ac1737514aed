"""Reinforcement-learning agents: PPO, A2C and DQN from Stable-Baselines3.

The agent trains a policy on the environment itself; every environment step is one proposal
and spends the same budget as every other agent (unique simulator calls; a step answered from
the cache is free). An SB3 callback stops learning as soon as the budget is spent, the space
is exhausted, or ``MAX_STALL`` steps in a row were cache hits (the policy has collapsed onto
designs already evaluated).

Actions:

* PPO and A2C act on the environment's own action space (``MultiDiscrete`` of parameter
  indices, or the unit-cube ``Box`` when a parameter is continuous): one action = one design.
* DQN needs a ``Discrete`` action space. ``action_mode="flat"`` numbers every design
  (:class:`~archgym.agents.rl_wrappers.FlatDiscreteWrapper`, spaces up to ``flat_limit``
  designs); ``action_mode="change"`` proposes one parameter change at a time from the current
  design (:class:`~archgym.agents.rl_wrappers.OneChangeWrapper`, any space; real parameters
  on their index grid); ``"auto"`` (default) takes ``flat`` when the space is small enough.

Observations and rewards are squashed with ``symlog`` (see :mod:`archgym.agents.rl_wrappers`);
``reward_transform="none"`` keeps raw rewards. The design environment is a bandit (a proposal's
reward does not depend on earlier proposals), hence ``gamma=0`` by default for PPO/A2C; DQN's
one-change mode has state, hence ``gamma=0.9`` there.

Outside ``search``, ``ask`` samples designs from the trained policy (uniformly before training)
and ``tell`` is a no-op: these agents learn only inside their own training loop.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

import numpy as np

from archgym.agents.base import MAX_STALL, Agent, HyperParameter, SearchResult
from archgym.agents.rl_wrappers import FlatDiscreteWrapper, OneChangeWrapper, RecordingWrapper
from archgym.agents.seeding import agent_seed
from archgym.agents.torch_threads import set_torch_threads
from archgym.errors import ConfigError
from archgym.space import Design

__all__ = ["A2CAgent", "DQNAgent", "PPOAgent"]

logger = logging.getLogger(__name__)

#: largest space DQN numbers flat (one Q-network output per design)
_FLAT_MAX = 65_536

_COMMON = (
    HyperParameter("learning_rate", float, 3e-4, "optimiser step size", low=1e-8, high=1.0),
    HyperParameter("hidden", int, 64, "units per hidden layer of the policy/value networks", low=1, high=4096),
    HyperParameter("layers", int, 2, "hidden layers", low=0, high=8),
    HyperParameter("reward_transform", str, "symlog", "reward squashing", choices=("symlog", "none")),
    HyperParameter("torch_threads", int, 1, "torch threads (0 = leave torch's setting)", low=0),
)


class _SB3Agent(Agent):
    """Common search loop of the Stable-Baselines3 agents."""

    algorithm: ClassVar[str] = ""

    def __init__(self, **params: Any):
        super().__init__(**params)
        self.model: Any = None
        self._action_env: Any = None

    # -- hooks for subclasses -------------------------------------------------------------
    def _algorithm_kwargs(self) -> dict[str, Any]:
        return {}

    def _wrap_actions(self, env: Any, base: Any) -> Any:
        return env

    # -- search -----------------------------------------------------------------------
    def search(self, env: Any, budget: int, seed: int = 0, callback: Any = None) -> SearchResult:
        """Train the policy on ``env`` until ``budget`` unique simulator calls are spent."""
        import stable_baselines3 as sb3
        from stable_baselines3.common.callbacks import BaseCallback

        base, tracker = self._start_search(env, budget, seed, callback)
        if tracker.multi:
            raise ConfigError(f"agent {self.name!r} trains on a single-fidelity environment; build it at one tier (fidelity=...)")
        calls_limit = tracker.budget.calls if isinstance(tracker.budget.calls, int) else 256  # env steps per learn() round
        set_torch_threads(self.params["torch_threads"])
        recorder = RecordingWrapper(env, tracker, squash_reward=self.params["reward_transform"] == "symlog")
        train_env = self._wrap_actions(recorder, base)
        self._action_env = train_env
        size = base.space.size

        class _Budget(BaseCallback):
            stopped = False

            def _on_step(self) -> bool:
                done = not tracker.allows(0) or recorder.stall >= MAX_STALL
                done = done or (size is not None and tracker.calls >= size)
                self.stopped = done
                return not done

        cls = getattr(sb3, self.algorithm)
        p = self.params
        net = [int(p["hidden"])] * int(p["layers"])
        self.model = cls(
            "MlpPolicy",
            train_env,
            learning_rate=p["learning_rate"],
            policy_kwargs={"net_arch": net},
            seed=agent_seed(seed, self.name),
            device="cpu",
            verbose=0,
            **self._algorithm_kwargs(),
        )
        cb = _Budget()
        steps = calls_limit
        for _ in range(10_000):  # each round ends on the budget or after `steps` env steps
            self.model.learn(total_timesteps=steps, callback=cb, reset_num_timesteps=False, progress_bar=False)
            if cb.stopped:
                break
            steps = max(calls_limit - tracker.calls, 1)
        return tracker.finish()

    # -- ask / tell outside a search --------------------------------------------------------
    def _propose(self, n: int) -> list[Design]:
        assert self.space is not None
        if self.model is None or self._action_env is None:
            return self.space.sample(self.rng, n)
        out = []
        obs = np.asarray(self._last_obs(), dtype=np.float32)
        for _ in range(n):
            action, _ = self.model.predict(obs, deterministic=False)
            wrapper = self._action_env
            if hasattr(wrapper, "design_for"):
                out.append(wrapper.design_for(action))
            else:
                out.append(self.space.decode_action(action))
        return out

    def _last_obs(self) -> np.ndarray:
        env = self._action_env
        if isinstance(env, OneChangeWrapper):
            rec = env.env
            return np.concatenate([rec.last_obs, env._unit()])
        while not isinstance(env, RecordingWrapper):
            env = env.env
        return env.last_obs


class PPOAgent(_SB3Agent):
    """Proximal policy optimisation (SB3 ``PPO``) on the environment's action space.

    Hyper-parameters: ``learning_rate``, ``hidden``, ``layers``, ``ent_coef`` (entropy bonus),
    ``clip_range``, ``n_steps`` (rollout length), ``batch_size``, ``n_epochs``, ``gamma``,
    ``reward_transform``, ``torch_threads``.
    """

    name = "ppo"
    algorithm = "PPO"
    hyperparameters = (
        *_COMMON,
        HyperParameter("ent_coef", float, 0.01, "entropy bonus (exploration)", low=0.0, high=10.0),
        HyperParameter("clip_range", float, 0.2, "PPO clipping of the policy ratio", low=1e-3, high=1.0),
        HyperParameter("n_steps", int, 32, "environment steps per rollout", low=2),
        HyperParameter("batch_size", int, 16, "minibatch size", low=2),
        HyperParameter("n_epochs", int, 4, "optimisation epochs per rollout", low=1),
        HyperParameter("gamma", float, 0.0, "discount (0: the design env is a bandit)", low=0.0, high=1.0),
    )

    def _algorithm_kwargs(self) -> dict[str, Any]:
        p = self.params
        return {
            "ent_coef": p["ent_coef"],
            "clip_range": p["clip_range"],
            "n_steps": p["n_steps"],
            "batch_size": min(p["batch_size"], p["n_steps"]),
            "n_epochs": p["n_epochs"],
            "gamma": p["gamma"],
        }


class A2CAgent(_SB3Agent):
    """Advantage actor-critic (SB3 ``A2C``) on the environment's action space.

    Hyper-parameters: ``learning_rate``, ``hidden``, ``layers``, ``ent_coef``, ``n_steps``,
    ``gamma``, ``reward_transform``, ``torch_threads``.
    """

    name = "a2c"
    algorithm = "A2C"
    hyperparameters = (
        *_COMMON,
        HyperParameter("ent_coef", float, 0.01, "entropy bonus (exploration)", low=0.0, high=10.0),
        HyperParameter("n_steps", int, 8, "environment steps per update", low=1),
        HyperParameter("gamma", float, 0.0, "discount (0: the design env is a bandit)", low=0.0, high=1.0),
    )

    def _algorithm_kwargs(self) -> dict[str, Any]:
        p = self.params
        return {"ent_coef": p["ent_coef"], "n_steps": p["n_steps"], "gamma": p["gamma"]}


class DQNAgent(_SB3Agent):
    """Deep Q-learning (SB3 ``DQN``) over a discrete action wrapper (see the module docstring).

    Hyper-parameters: ``learning_rate``, ``hidden``, ``layers``, ``action_mode``,
    ``flat_limit``, ``exploration_fraction`` (of the budget over which epsilon decays),
    ``exploration_final_eps``, ``learning_starts``, ``batch_size``, ``buffer_size``,
    ``target_update_interval``, ``gamma``, ``reward_transform``, ``torch_threads``.
    """

    name = "dqn"
    algorithm = "DQN"
    hyperparameters = (
        *_COMMON,
        HyperParameter("action_mode", str, "auto", "Discrete action wrapper", choices=("auto", "flat", "change")),
        HyperParameter("flat_limit", int, 4096, "largest space numbered flat in auto mode", low=1, high=65_536),
        HyperParameter("exploration_fraction", float, 0.3, "fraction of the budget over which epsilon decays", low=0.0, high=1.0),
        HyperParameter("exploration_final_eps", float, 0.05, "final epsilon", low=0.0, high=1.0),
        HyperParameter("learning_starts", int, 16, "steps before learning starts", low=0),
        HyperParameter("batch_size", int, 32, "minibatch size", low=1),
        HyperParameter("buffer_size", int, 10_000, "replay buffer size", low=1),
        HyperParameter("target_update_interval", int, 50, "steps between target-network updates", low=1),
        HyperParameter("gamma", float, 0.9, "discount", low=0.0, high=1.0),
    )

    def mode_for(self, space: Any) -> str:
        """``"flat"`` or ``"change"`` for ``space`` under this agent's ``action_mode``."""
        mode = self.params["action_mode"]
        if mode == "flat" and (space.size is None or space.size > _FLAT_MAX):
            raise ConfigError(
                f"agent 'dqn': action_mode='flat' needs a discrete space of at most {_FLAT_MAX:,} designs "
                f"(this one has {space.size or 'infinitely many'}); use action_mode='change'"
            )
        if mode == "auto":
            mode = "flat" if space.size is not None and space.size <= self.params["flat_limit"] else "change"
        return mode

    def _wrap_actions(self, env: Any, base: Any) -> Any:
        if self.mode_for(base.space) == "flat":
            return FlatDiscreteWrapper(env, base.space)
        return OneChangeWrapper(env, base.space, base.simulator.default_design())

    def _algorithm_kwargs(self) -> dict[str, Any]:
        p = self.params
        return {
            "exploration_fraction": p["exploration_fraction"],
            "exploration_final_eps": p["exploration_final_eps"],
            "learning_starts": p["learning_starts"],
            "batch_size": p["batch_size"],
            "buffer_size": p["buffer_size"],
            "target_update_interval": p["target_update_interval"],
            "gamma": p["gamma"],
            "train_freq": 1,
        }
