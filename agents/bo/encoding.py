"""The design space as GP inputs, and the reward transformation.

GP inputs live in *index space*: one column per parameter with more than one value, holding
the value's index (``0 … nvec[j] − 1``). Ordered parameters (integer, power of two, ordinal,
gridded real) keep their order there and are normalised to ``[0, 1]`` by the model's
``Normalize`` input transform; categorical parameters keep their integer category code and
go to the categorical (Hamming-distance) kernel of ``MixedSingleTaskGP``. Parameters with a
single value are dropped (constant inputs carry no information).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from archgym.space import Categorical, ParameterSpace

__all__ = ["SpaceEncoding", "transform_rewards"]


@dataclass(frozen=True)
class SpaceEncoding:
    """How index vectors of a space become GP inputs.

    Attributes:
        nvec: values per parameter, shape ``(d,)``.
        active: parameters with more than one value (indices into ``nvec``), shape ``(k,)``.
        cat_dims: GP input columns that are categorical.
        ord_dims: GP input columns that are ordered.
    """

    nvec: np.ndarray
    active: np.ndarray
    cat_dims: tuple[int, ...]
    ord_dims: tuple[int, ...]

    @classmethod
    def from_space(cls, space: ParameterSpace) -> SpaceEncoding:
        nvec = space.nvec.copy()
        active = np.nonzero(nvec > 1)[0]
        params = [space[space.names[j]] for j in active]
        cat = tuple(i for i, p in enumerate(params) if isinstance(p, Categorical))
        ords = tuple(i for i in range(len(params)) if i not in cat)
        return cls(nvec, active, cat, ords)

    @property
    def dim(self) -> int:
        """Number of GP input columns."""
        return len(self.active)

    def bounds(self) -> np.ndarray:
        """Input bounds in index space, shape ``(2, dim)``."""
        hi = (self.nvec[self.active] - 1).astype(np.float64)
        return np.vstack([np.zeros_like(hi), hi])

    def to_inputs(self, index: np.ndarray) -> np.ndarray:
        """Index matrix ``(n, d)`` -> GP inputs ``(n, dim)`` (float64)."""
        return np.asarray(index, dtype=np.float64).reshape(-1, len(self.nvec))[:, self.active]

    def from_inputs(self, x: np.ndarray) -> np.ndarray:
        """GP inputs ``(n, dim)`` -> index matrix ``(n, d)`` (rounded and clipped)."""
        x = np.asarray(x, dtype=np.float64).reshape(-1, self.dim)
        out = np.zeros((len(x), len(self.nvec)), dtype=np.int64)
        out[:, self.active] = np.clip(np.rint(x), 0, self.nvec[self.active] - 1).astype(np.int64)
        return out


def transform_rewards(reward: np.ndarray, feasible: np.ndarray, kind: str = "auto") -> np.ndarray:
    """Rewards as GP targets.

    ``"log"`` takes the logarithm (target-spec rewards are positive and span orders of
    magnitude: ``1/(d + eps)`` products reach ``1e6``); ``"auto"`` does so when every feasible
    reward is positive, else keeps them; ``"none"`` keeps them. Infeasible designs (and
    non-finite rewards) get the worst feasible target, so the GP learns those regions are poor
    without a penalty value dominating the fit.

    Args:
        reward: shape ``(n,)``.
        feasible: bool, shape ``(n,)``.
        kind: ``"auto"``, ``"log"`` or ``"none"``.

    Returns:
        float64 array of shape ``(n,)``.
    """
    reward = np.asarray(reward, dtype=np.float64)
    feasible = np.asarray(feasible, dtype=bool) & np.isfinite(reward)
    if kind not in ("auto", "log", "none"):
        raise ValueError(f"reward transform must be 'auto', 'log' or 'none', got {kind!r}")
    good = reward[feasible]
    use_log = kind == "log" or (kind == "auto" and len(good) > 0 and np.all(good > 0))
    y = np.full(len(reward), np.nan)
    if use_log:
        ok = feasible & (reward > 0)
        y[ok] = np.log(reward[ok])
        feasible = ok
    else:
        y[feasible] = reward[feasible]
    worst = np.min(y[feasible]) if feasible.any() else 0.0
    y[~feasible] = worst
    return y
