"""The compiled tree walks of :mod:`archgym.proxy.fastpath` (imported on first use: Numba).

Trees are flat arrays: ``node[j] = (feature, left, right)`` with ``left < 0`` at a leaf, and
``thr[j]`` the split threshold, or the leaf's value at a leaf. Every kernel loops trees outer,
rows inner, so one tree stays in cache while every row walks it.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, inline="always")
def leaf(x, i, node, thr, root):  # pragma: no cover - compiled
    """The leaf row ``i`` of ``x`` reaches from ``root``."""
    j = root
    while node[j, 1] >= 0:
        if x[i, node[j, 0]] <= thr[j]:
            j = node[j, 1]
        else:
            j = node[j, 2]
    return j


@njit(cache=True, nogil=True)
def forest_sum(x, node, thr, roots, out):  # pragma: no cover - compiled
    """``out[i]`` = the sum of row ``i``'s leaves over every tree."""
    out[:] = 0.0
    for t in range(roots.shape[0]):
        for i in range(x.shape[0]):
            out[i] += thr[leaf(x, i, node, thr, roots[t])]


@njit(cache=True, nogil=True)
def forest_moments(x, node, thr, roots, total, std):  # pragma: no cover - compiled
    """One walk gives both the sum of row ``i``'s leaves (``total``) and their standard deviation
    (``std``, population std as numpy's default), by Welford's update: no cancellation."""
    n = x.shape[0]
    mean = np.zeros(n)
    m2 = np.zeros(n)
    for t in range(roots.shape[0]):
        for i in range(n):
            v = thr[leaf(x, i, node, thr, roots[t])]
            d = v - mean[i]
            mean[i] += d / (t + 1)
            m2[i] += d * (v - mean[i])
    for i in range(n):
        total[i] = mean[i] * roots.shape[0]
        std[i] = np.sqrt(m2[i] / roots.shape[0])


@njit(cache=True, nogil=True)
def multi_sum(x, x32, node, thr, roots, forest, use32, out):  # pragma: no cover - compiled
    """``out[i, k]`` = the sum of row ``i``'s leaves over the trees of forest ``k`` (inputs
    rounded to float32 for the forests that split on float32, as scikit-learn's trees)."""
    out[:, :] = 0.0
    for t in range(roots.shape[0]):
        k = forest[t]
        xx = x32 if use32[k] else x
        for i in range(xx.shape[0]):
            out[i, k] += thr[leaf(xx, i, node, thr, roots[t])]
