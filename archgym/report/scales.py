"""Axis scales for reward plots, shared by ``convergence.png`` and the sweep report.

Rewards can span decades (target-distance products) and can be negative (weighted objectives,
failure rewards), so a linear axis hides most of a curve. :func:`reward_scale` picks:

* ``log`` — every value positive and ``max / min > 100``;
* ``symlog`` — some value ``<= 0`` and the non-zero magnitudes span more than two decades
  (linear within ``±linthresh``, the smallest non-zero magnitude, logarithmic outside);
* ``linear`` — otherwise.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["apply_reward_scale", "reward_scale"]

DECADES = 100.0


def reward_scale(values: Any) -> tuple[str, dict[str, float]]:
    """``(scale name, keyword arguments for Axes.set_yscale)`` for these values."""
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[np.isfinite(v)]
    if len(v) == 0:
        return "linear", {}
    if v.min() > 0:
        return ("log", {}) if v.max() / v.min() > DECADES else ("linear", {})
    mag = np.abs(v[v != 0])
    if len(mag) and mag.max() / mag.min() > DECADES:
        return "symlog", {"linthresh": float(mag.min())}
    return "linear", {}


def apply_reward_scale(ax: Any, values: Any) -> str:
    """Set ``ax``'s y scale for ``values``; returns the scale's name."""
    name, kwargs = reward_scale(values)
    if name != "linear":
        ax.set_yscale(name, **kwargs)
    return name
