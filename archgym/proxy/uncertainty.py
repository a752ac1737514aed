"""Per-prediction uncertainty of a proxy: a spread, calibrated by split-conformal scaling.

The *raw spread* ``s(x)`` of one regressor, in its (standardised, possibly logged) target
space:

* random forest / extra trees (``rf``, ``et``): the standard deviation of the trees'
  predictions;
* every other kind (``hgb``, ``knn``, ``gp``, ``mlp``): the constant 1, which makes the
  interval below plain split-conformal (one residual quantile for every design).

*Calibration* (rule fixed before any figure was looked at): ``calibration_fraction`` of the
TRAINING designs (never the report's held-out split) are set aside; the chosen candidate is
fitted on the rest and scores the set-aside feasible rows — per workload (Mondrian
split-conformal: residual scales differ between traces, so one pooled quantile over-covers
one trace and under-covers another), and pooled for a workload without rows — by
``|z − ẑ| / (s(x) + β)``, with ``β = 0.05 ×`` the mean raw spread on those rows, so a design all
trees agree on still gets a non-zero width. (The mean, not the median: on a metric that is
constant over most of a workload's designs, such as the row-hit rate of a streaming trace,
most trees agree exactly, the median spread is 0, and such a design's interval had no width
while the refitted model's prediction still moved a little.) The stored scores give the conformal quantile
``q(level) = score_(⌈(n+1)·level⌉)``; the interval of a new design is
``from_target(ẑ ± q · (s(x) + β))`` from the model refitted on every training row (the one
that predicts). That refit saw more data than the calibration fit, so the intervals err
on the wide side. A ``std`` in the metric's unit is the 90 % interval's half-width / 1.645 (the
normal 95 % quantile): what a Gaussian with the same 90 % interval would have.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["Z90", "calibrate", "compile_spread", "conformal_quantile", "raw_spread"]

logger = logging.getLogger(__name__)

#: the standard normal's 95 % quantile: a 90 % central interval is mean ± Z90·std
Z90 = 1.6448536269514722

#: at most this many calibration scores are stored per (metric, group) (quantiles of the rest)
MAX_SCORES = 2000

#: β = BETA_FRACTION × the mean raw spread on the calibration rows
BETA_FRACTION = 0.05


def _is_forest(est: Any) -> bool:
    return hasattr(est, "estimators_") and type(est).__name__ in ("RandomForestRegressor", "ExtraTreesRegressor")


def raw_spread(est: Any, x: np.ndarray) -> np.ndarray:
    """The raw spread ``s(x)`` of a fitted regressor at feature rows ``x`` (target space),
    asking every tree through scikit-learn (tens of microseconds per tree and call; a loaded
    proxy uses its compiled walk instead, :func:`compile_spread`)."""
    x = np.asarray(x, dtype=np.float64)
    if not _is_forest(est):
        return np.ones(len(x))
    per_tree = np.stack([t.predict(x.astype(np.float32)) for t in est.estimators_])
    return per_tree.std(axis=0)


def compile_spread(est: Any, compiled: Any, sample: np.ndarray,
                   rtol: float = 1e-7) -> Callable[[np.ndarray], np.ndarray] | None:
    """The compiled raw spread of a forest, or ``None`` (not a forest, no compiled path, or it
    disagrees with :func:`raw_spread` on ``sample``: the slow path is then kept).

    Args:
        est: the fitted regressor.
        compiled: its fast path (:func:`archgym.proxy.fastpath.compile_model`), whose
            ``moments`` walks every tree once per row for the prediction and the spread.
        sample: feature rows on which the two must agree to within ``rtol`` of the largest spread.
    """
    spread = getattr(compiled, "spread", None)
    if not _is_forest(est) or spread is None:
        return None
    sample = np.asarray(sample, dtype=np.float64)
    ref = raw_spread(est, sample)
    pred, got = compiled.moments(sample)  # the walk that gives both (``MetricModel.predict_interval``)
    tol = rtol * max(1.0, float(np.max(ref)) if len(ref) else 1.0)
    ref_pred = compiled(sample)
    tol_pred = rtol * max(1.0, float(np.max(np.abs(ref_pred))) if len(ref_pred) else 1.0)
    if (got.shape != ref.shape or not np.allclose(got, ref, rtol=rtol, atol=tol)
            or not np.allclose(pred, ref_pred, rtol=rtol, atol=tol_pred)):
        logger.warning("compiled spread of %s disagrees with its trees; using the trees", type(est).__name__)
        return None
    return spread


def calibrate(est: Any, x: np.ndarray, z: np.ndarray) -> dict[str, Any]:
    """Conformal scores of ``est`` (fitted WITHOUT these rows) on calibration rows ``(x, z)``.

    Returns:
        ``{"beta": β, "n": rows, "scores": sorted scores (at most MAX_SCORES quantiles)}``.
    """
    x = np.asarray(x, dtype=np.float64)
    z = np.asarray(z, dtype=np.float64)
    if len(x) == 0:
        return {"beta": 0.0, "n": 0, "scores": []}
    s = raw_spread(est, x)
    mean = float(np.mean(s))
    beta = BETA_FRACTION * mean if mean > 0 else 1e-9
    scores = np.sort(np.abs(z - est.predict(x)) / (s + beta))
    n = len(scores)
    if n > MAX_SCORES:  # keep evenly spaced order statistics
        scores = np.quantile(scores, (np.arange(MAX_SCORES) + 0.5) / MAX_SCORES)
    return {"beta": beta, "n": int(n), "scores": [float(v) for v in scores]}


def conformal_quantile(cal: dict[str, Any], level: float) -> float:
    """The split-conformal quantile of the stored scores at coverage ``level`` (inf when too few)."""
    if not 0.0 < level < 1.0:
        raise ValueError(f"interval level must be in (0, 1), got {level}")
    scores = np.asarray(cal.get("scores", ()), dtype=np.float64)
    n = int(cal.get("n", len(scores)))
    if n == 0 or len(scores) == 0:
        return math.inf
    k = math.ceil((n + 1) * level)
    if k > n:
        return math.inf
    # position of the k-th smallest of n among the stored (possibly thinned) order statistics
    pos = min(len(scores) - 1, max(0, int(math.ceil(k * len(scores) / n)) - 1))
    return float(scores[pos])
