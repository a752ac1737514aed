"""Gymnasium wrappers that let Stable-Baselines3 train on a :class:`~archgym.envs.DesignEnv`.

* :class:`RecordingWrapper` — records every step into the search's tracker (so RL spends and
  reports the budget exactly like every other agent), squashes observations and rewards with
  ``symlog(x) = sign(x)·log(1 + |x|)`` (target-spec rewards reach ``1e6``; metric ratios of
  infeasible designs can be huge), and counts consecutive cache hits.
* :class:`FlatDiscreteWrapper` — ``Discrete(size)``: action ``a`` is the design with flat index
  ``a`` (``numpy.unravel_index(a, nvec)``). For small discrete spaces (DQN).
* :class:`OneChangeWrapper` — ``Discrete(Σ nvec)``: action ``(j, k)`` (flattened) sets
  parameter ``j`` of the *current* design to its ``k``-th value and evaluates the result; the
  observation carries the current design's unit-cube encoding, so the state is Markov. For
  spaces too large to enumerate, and for spaces with real parameters (on their index grid).

Both discrete wrappers pass design dicts to the environment, which accepts them for any space.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from archgym.space import Design, ParameterSpace

__all__ = ["FlatDiscreteWrapper", "OneChangeWrapper", "RecordingWrapper", "symlog"]


def symlog(x: Any) -> Any:
    """``sign(x) · log(1 + |x|)``: monotone, keeps sign, tames magnitudes."""
    return np.sign(x) * np.log1p(np.abs(x))


class RecordingWrapper(gym.Wrapper):
    """Feeds each step to ``tracker.record`` and squashes observations and rewards.

    Args:
        env: the environment (a DesignEnv, possibly wrapped).
        tracker: the search's tracker (``record(info)``).
        squash_reward: apply :func:`symlog` to rewards.
    """

    def __init__(self, env: gym.Env, tracker: Any, squash_reward: bool = True):
        super().__init__(env)
        self.tracker = tracker
        self.squash_reward = squash_reward
        self.stall = 0
        n = env.observation_space.shape[0]
        self.observation_space = gym.spaces.Box(-np.inf, np.inf, shape=(n,), dtype=np.float32)
        self.last_obs = np.zeros(n, dtype=np.float32)

    def _obs(self, obs: np.ndarray) -> np.ndarray:
        self.last_obs = symlog(np.asarray(obs, dtype=np.float64)).astype(np.float32)
        return self.last_obs

    def reset(self, **kwargs: Any):
        obs, info = self.env.reset(**kwargs)
        return self._obs(obs), info

    def step(self, action: Any):
        obs, reward, terminated, truncated, info = self.env.step(action)
        rec = self.tracker.record(info)
        self.stall = self.stall + 1 if rec.cache_hit else 0
        if self.squash_reward:
            reward = float(symlog(reward))
        return self._obs(obs), reward, terminated, truncated, info


class FlatDiscreteWrapper(gym.ActionWrapper):
    """``Discrete(size)`` over every design of a small discrete space."""

    def __init__(self, env: gym.Env, space: ParameterSpace):
        super().__init__(env)
        if space.size is None:
            raise ValueError("FlatDiscreteWrapper needs a discrete space")
        self.space = space
        self.action_space = gym.spaces.Discrete(int(space.size))

    def action(self, action: Any) -> Design:
        idx = np.unravel_index(int(action), tuple(self.space.nvec))
        return self.space.decode(np.asarray(idx, dtype=np.int64))

    def design_for(self, action: Any) -> Design:
        return self.action(action)


class OneChangeWrapper(gym.Wrapper):
    """``Discrete(Σ nvec)``: each action changes one parameter of the current design.

    The observation is the inner observation followed by the current design's unit-cube
    encoding (``len(space)`` entries). ``reset`` returns to ``start`` (the baseline design).
    """

    def __init__(self, env: gym.Env, space: ParameterSpace, start: Design):
        super().__init__(env)
        self.space = space
        self._offsets = np.concatenate([[0], np.cumsum(space.nvec)])
        self.action_space = gym.spaces.Discrete(int(self._offsets[-1]))
        self._start = space.encode(start)
        self.current = self._start.copy()
        inner = env.observation_space.shape[0]
        self.observation_space = gym.spaces.Box(-np.inf, np.inf, shape=(inner + len(space),), dtype=np.float32)

    def _unit(self) -> np.ndarray:
        return ((self.current + 0.5) / self.space.nvec).astype(np.float32)

    def _apply(self, action: Any) -> np.ndarray:
        a = int(action)
        j = int(np.searchsorted(self._offsets, a, side="right") - 1)
        idx = self.current.copy()
        idx[j] = a - self._offsets[j]
        return idx

    def design_for(self, action: Any) -> Design:
        return self.space.decode(self._apply(action))

    def reset(self, **kwargs: Any):
        obs, info = self.env.reset(**kwargs)
        self.current = self._start.copy()
        return np.concatenate([obs, self._unit()]).astype(np.float32), info

    def step(self, action: Any):
        self.current = self._apply(action)
        obs, reward, terminated, truncated, info = self.env.step(self.space.decode(self.current))
        return np.concatenate([obs, self._unit()]).astype(np.float32), reward, terminated, truncated, info
