"""The design space as GP inputs, and the reward transformation.

GP inputs: one column per parameter with more than one value. Categorical parameters keep
their integer category code and go to the categorical (Hamming-distance) kernel of
``MixedSingleTaskGP``. Ordered parameters (integer, power of two, ordinal, gridded real) get one
*coordinate* per value, in increasing order, normalised to ``[0, 1]`` by the model's
``Normalize`` input transform: the value's index (power-of-two, ordinal and log-real grids are
already evenly spaced on a log scale by their index), except for a wide positive
:class:`~archgym.space.Integer` range (``high >= 16·low``, ``low >= 1``, e.g. a buffer of 1–128
entries), whose coordinate is ``log2(value)`` when ``integer_scale="auto"``, so that 1, 2, 4
are as far apart as 32, 64, 128 — with a linear scale the small values, often where the
behaviour changes, are a sliver of the input range that neither the Sobol start nor the GP's
lengthscale resolves. Parameters with a single value are dropped (constant inputs carry no
information).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from archgym.space import Categorical, Integer, ParameterSpace

__all__ = ["SpaceEncoding", "transform_rewards"]


@dataclass(frozen=True)
class SpaceEncoding:
    """How index vectors of a space become GP inputs.

    Attributes:
        nvec: values per parameter, shape ``(d,)``.
        active: parameters with more than one value (indices into ``nvec``), shape ``(k,)``.
        cat_dims: GP input columns that are categorical.
        ord_dims: GP input columns that are ordered.
        coords: per GP input column, the input coordinate of each index (increasing; the
            index itself for categorical and linearly scaled columns).
    """

    nvec: np.ndarray
    active: np.ndarray
    cat_dims: tuple[int, ...]
    ord_dims: tuple[int, ...]
    coords: tuple[np.ndarray, ...]

    @classmethod
    def from_space(cls, space: ParameterSpace, integer_scale: str = "auto") -> SpaceEncoding:
        """Encoding of ``space``; ``integer_scale="auto"`` log-scales wide integer ranges, ``"linear"`` never."""
        if integer_scale not in ("auto", "linear"):
            raise ValueError(f"integer_scale must be 'auto' or 'linear', got {integer_scale!r}")
        nvec = space.nvec.copy()
        active = np.nonzero(nvec > 1)[0]
        params = [space[space.names[j]] for j in active]
        cat = tuple(i for i, p in enumerate(params) if isinstance(p, Categorical))
        ords = tuple(i for i in range(len(params)) if i not in cat)
        coords = []
        for p, j in zip(params, active):
            index = np.arange(int(nvec[j]), dtype=np.float64)
            if integer_scale == "auto" and _log_scaled(p):
                index = np.log2(p.low + index)
            coords.append(index)
        return cls(nvec, active, cat, ords, tuple(coords))

    @property
    def dim(self) -> int:
        """Number of GP input columns."""
        return len(self.active)

    def bounds(self) -> np.ndarray:
        """Input bounds, shape ``(2, dim)``."""
        return np.array([[c[0] for c in self.coords], [c[-1] for c in self.coords]], dtype=np.float64).reshape(2, -1)

    def to_inputs(self, index: np.ndarray) -> np.ndarray:
        """Index matrix ``(n, d)`` -> GP inputs ``(n, dim)`` (float64)."""
        idx = np.asarray(index, dtype=np.int64).reshape(-1, len(self.nvec))[:, self.active]
        out = np.empty(idx.shape, dtype=np.float64)
        for i, c in enumerate(self.coords):
            out[:, i] = c[idx[:, i]]
        return out

    def from_inputs(self, x: np.ndarray) -> np.ndarray:
        """GP inputs ``(n, dim)`` -> index matrix ``(n, d)`` (nearest value, clipped)."""
        x = np.asarray(x, dtype=np.float64).reshape(-1, self.dim)
        out = np.zeros((len(x), len(self.nvec)), dtype=np.int64)
        for i, (c, j) in enumerate(zip(self.coords, self.active)):
            out[:, j] = _nearest(c, x[:, i])
        return out

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        """Points of the unit cube over the GP inputs ``(n, dim)`` -> index matrix ``(n, d)``.

        Ordered columns map linearly onto their coordinate range (so a log-scaled column is
        sampled log-uniformly), categorical columns onto equal bins.
        """
        u = np.clip(np.asarray(u, dtype=np.float64).reshape(-1, self.dim), 0.0, 1.0)
        lo, hi = self.bounds()
        x = lo + u * (hi - lo)
        for i in self.cat_dims:
            x[:, i] = np.minimum(np.floor(u[:, i] * len(self.coords[i])), len(self.coords[i]) - 1)
        return self.from_inputs(x)


def _log_scaled(p: object) -> bool:
    return isinstance(p, Integer) and p.low >= 1 and p.high >= 16 * p.low


def _nearest(coords: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Index of the coordinate nearest to each ``x`` (coords increasing)."""
    right = np.clip(np.searchsorted(coords, x), 1, len(coords) - 1)
    left = right - 1
    return np.where(np.abs(x - coords[left]) <= np.abs(coords[right] - x), left, right).astype(np.int64)


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
