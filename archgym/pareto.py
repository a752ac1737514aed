"""Pareto fronts and exact hypervolume (maximisation), used by :class:`~archgym.objective.MultiObjective`
and the reports. Also importable from :mod:`archgym.objective`."""

from __future__ import annotations

import numpy as np

__all__ = ["hypervolume", "pareto_front"]


def pareto_front(points: np.ndarray) -> np.ndarray:
    """Boolean mask of the non-dominated rows of ``points`` (shape ``(n, k)``, maximisation).

    A row is dominated when another row is ``>=`` in every objective and ``>`` in one.
    Duplicated non-dominated rows are all kept.
    """
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2:
        raise ValueError(f"points must have shape (n, k), got {pts.shape}")
    n = len(pts)
    mask = np.ones(n, dtype=bool)
    for i in range(n):
        if not mask[i]:
            continue
        dominates_i = np.all(pts >= pts[i], axis=1) & np.any(pts > pts[i], axis=1)
        if dominates_i.any():
            mask[i] = False
    return mask


def hypervolume(points: np.ndarray, ref: np.ndarray) -> float:
    """Exact hypervolume dominated by ``points`` (maximisation) above reference point ``ref``.

    Supports 1–3 objectives: a sweep in 2-D, slicing along the third axis in 3-D.
    """
    pts = np.asarray(points, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    if pts.size == 0:
        return 0.0
    if pts.ndim != 2 or pts.shape[1] != ref.shape[0]:
        raise ValueError(f"points {pts.shape} and reference {ref.shape} disagree")
    pts = pts[np.all(pts > ref, axis=1)]
    if len(pts) == 0:
        return 0.0
    k = pts.shape[1]
    if k == 1:
        return float(pts[:, 0].max() - ref[0])
    if k == 2:
        return _hv2(pts, ref)
    if k == 3:
        order = np.argsort(-pts[:, 2])
        pts = pts[order]
        total = 0.0
        for i in range(len(pts)):
            z_hi = pts[i, 2]
            z_lo = pts[i + 1, 2] if i + 1 < len(pts) else ref[2]
            if z_hi > z_lo:
                total += _hv2(pts[: i + 1, :2], ref[:2]) * (z_hi - z_lo)
        return float(total)
    raise ValueError(f"exact hypervolume supports 1-3 objectives, got {k}")


def _hv2(pts: np.ndarray, ref: np.ndarray) -> float:
    pts = pts[np.argsort(-pts[:, 0])]
    area, best_y = 0.0, ref[1]
    for x, y in pts:
        if y > best_y:
            area += (x - ref[0]) * (y - best_y)
            best_y = y
    return float(area)
