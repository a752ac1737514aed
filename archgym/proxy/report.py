"""The honest report: accuracy on rows the model never saw, and speed against the simulator.

Per metric, on the held-out rows where the simulator reported a feasible design:

* ``rmse`` — root-mean-square error in the metric's unit;
* ``rmse_pct_range`` — RMSE as % of ``max − min`` of the true values in the evaluated rows;
* ``rmse_pct_mean`` — RMSE as % of the mean of ``|true|``;
* ``mape_pct`` — mean of ``|pred − true| / |true|`` in % (rows with ``true == 0`` left out);
* ``r2`` — coefficient of determination.

Speed: the simulator's own time per call is the median of ``sim_wall_s`` over the dataset's
simulator calls (cache hits left out). The proxy's single-prediction latency is the median
wall time of :meth:`ProxySimulator.evaluate` (validation, features, every metric model and the
feasibility check); its batched time is one :meth:`ProxySimulator.predict_batch` call over
``batch`` random designs divided by ``batch``. Speed-up = simulator time / proxy time.
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from archgym.errors import InfeasibleDesign

__all__ = [
    "classification_scores",
    "format_table",
    "measure_speed",
    "parity_plot",
    "regression_scores",
    "score_rows",
    "write_report",
]

logger = logging.getLogger(__name__)


def regression_scores(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """RMSE (unit of ``y``), RMSE % of range, % of mean, MAPE %, R², on paired 1-D arrays."""
    t = np.asarray(y_true, dtype=np.float64)
    p = np.asarray(y_pred, dtype=np.float64)
    if t.shape != p.shape or t.ndim != 1:
        raise ValueError(f"y_true and y_pred must be 1-D of the same length, got {t.shape} and {p.shape}")
    n = len(t)
    if n == 0:
        return {"n": 0, "rmse": math.nan, "rmse_pct_range": math.nan, "rmse_pct_mean": math.nan, "mape_pct": math.nan,
                "r2": math.nan, "range": math.nan, "mean": math.nan}
    err = p - t
    rmse = float(np.sqrt(np.mean(err**2)))
    span = float(np.max(t) - np.min(t))
    mean = float(np.mean(np.abs(t)))
    nz = t != 0
    ss_tot = float(np.sum((t - np.mean(t)) ** 2))
    return {
        "n": int(n),
        "rmse": rmse,
        "rmse_pct_range": 100.0 * rmse / span if span > 0 else math.nan,
        "rmse_pct_mean": 100.0 * rmse / mean if mean > 0 else math.nan,
        "mape_pct": float(100.0 * np.mean(np.abs(err[nz]) / np.abs(t[nz]))) if nz.any() else math.nan,
        "r2": 1.0 - float(np.sum(err**2)) / ss_tot if ss_tot > 0 else math.nan,
        "range": span,
        "mean": float(np.mean(t)),
    }


def classification_scores(truth: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """Accuracy of predicted feasibility, and recall of the infeasible rows."""
    truth = np.asarray(truth, dtype=bool)
    predicted = np.asarray(predicted, dtype=bool)
    n = len(truth)
    bad = ~truth
    return {
        "n": int(n),
        "infeasible": int(bad.sum()),
        "accuracy": float(np.mean(truth == predicted)) if n else math.nan,
        "infeasible_recall": float(np.mean(~predicted[bad])) if bad.any() else math.nan,
        "false_infeasible": int(np.sum(truth & ~predicted)),
    }


def score_rows(model: Any, rows: Any, mask: np.ndarray, threshold: float = 0.5) -> tuple[dict[str, Any], dict[str, tuple[np.ndarray, np.ndarray]]]:
    """Scores of ``model`` on ``rows[mask]``; returns ``(scores, {metric: (true, predicted)})``.

    Regression scores use the rows the simulator reported feasible; the feasibility scores
    use every row in ``mask``. A calibrated model (:attr:`ProxyModel.calibrated`) also gets,
    per metric, ``coverage90`` (share of the true values inside the predicted 90 % interval),
    the same per workload (``coverage90_by_workload``) and ``width90_pct`` (median interval
    width as % of the true value).
    """
    preds: dict[str, list[np.ndarray]] = {m: [] for m in model.metric_names}
    truth: dict[str, list[np.ndarray]] = {m: [] for m in model.metric_names}
    inside: dict[str, dict[str, np.ndarray]] = {m: {} for m in model.metric_names}
    width: dict[str, list[np.ndarray]] = {m: [] for m in model.metric_names}
    calibrated = bool(getattr(model, "calibrated", False))
    feas_true, feas_pred = [], []
    for w in dict.fromkeys(rows.workload[mask].tolist()):
        sel = mask & (rows.workload == w)
        x = rows.x[sel]
        p, prob = model.predict_features(x, w)
        ok = rows.feasible[sel]
        feas_true.append(ok)
        feas_pred.append(prob >= threshold)
        intervals = model.interval_features(x[ok], w, 0.9) if calibrated and ok.any() else {}
        for m in model.metric_names:
            t = rows.y[m][sel][ok]
            preds[m].append(p[m][ok])
            truth[m].append(t)
            if m in intervals:
                lo, hi = intervals[m]
                inside[m][w] = (lo <= t) & (t <= hi)
                width[m].append((hi - lo) / np.where(t != 0, np.abs(t), np.nan))
    pairs = {m: (np.concatenate(truth[m]) if truth[m] else np.zeros(0), np.concatenate(preds[m]) if preds[m] else np.zeros(0))
             for m in model.metric_names}
    scores: dict[str, Any] = {"rows": int(mask.sum()), "metrics": {m: regression_scores(*pairs[m]) for m in pairs}}
    for m in model.metric_names:
        if inside[m]:
            every = np.concatenate(list(inside[m].values()))
            sm = scores["metrics"][m]
            sm["coverage90"] = float(every.mean()) if len(every) else math.nan
            sm["coverage90_by_workload"] = {w: float(v.mean()) for w, v in inside[m].items() if len(v)}
            sm["width90_pct"] = float(100.0 * np.nanmedian(np.concatenate(width[m]))) if width[m] else math.nan
    if feas_true:
        scores["feasibility"] = classification_scores(np.concatenate(feas_true), np.concatenate(feas_pred))
    return scores, pairs


def measure_speed(
    proxy: Any,
    sim_wall_s: Mapping[str, float],
    workload: str | None = None,
    n_single: int = 200,
    batch: int = 10_000,
    seed: int = 0,
) -> dict[str, Any]:
    """Single-prediction latency and batched time per design of ``proxy`` vs the simulator.

    Args:
        proxy: a :class:`~archgym.proxy.simulator.ProxySimulator`.
        sim_wall_s: the simulator's time per call (``median``, ``mean``, ``calls``), seconds.
        workload: the workload to time on (default: the proxy's first).
        n_single: timed single predictions (after 20 warm-up calls).
        batch: designs in the batched call.
    """
    rng = np.random.default_rng(seed)
    workload = proxy.check_workload(workload)
    space = proxy.design_space
    designs = space.sample(rng, max(batch, n_single))
    proxy.model.compile()
    times = []
    for i, d in enumerate(designs[: n_single + 20]):
        t0 = time.perf_counter()
        try:
            proxy.evaluate(d, workload)
        except InfeasibleDesign:
            pass
        if i >= 20:
            times.append(time.perf_counter() - t0)
    single = float(np.median(times))
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        proxy.predict_batch(designs[:batch], workload)
        runs.append(time.perf_counter() - t0)
    per_design = float(np.median(runs)) / batch
    sim = float(sim_wall_s.get("median", math.nan))
    return {
        "workload": workload,
        "sim_s_per_call": sim,
        "sim_s_per_call_mean": float(sim_wall_s.get("mean", math.nan)),
        "sim_calls_timed": int(sim_wall_s.get("calls", 0)),
        "proxy_single_s": single,
        "proxy_single_s_mean": float(np.mean(times)),
        "batch": int(batch),
        "proxy_batch_s_per_design": per_design,
        "speedup_single": sim / single if single > 0 else math.nan,
        "speedup_batch": sim / per_design if per_design > 0 else math.nan,
        "fast_paths": {name: sorted(mm._fast) for name, mm in proxy.model.metric_models.items()},
    }


def marker_style(n: int) -> tuple[float, float]:
    """Scatter ``(size in pt², alpha)`` for ``n`` points: large and opaque for a few rows,
    small and translucent for many, so both 30 and 30,000 points read."""
    root = math.sqrt(max(n, 1))
    return float(np.clip(300.0 / root, 3.0, 36.0)), float(np.clip(12.0 / root, 0.12, 0.85))


def parity_plot(path: str | os.PathLike[str], pairs: Mapping[str, tuple[np.ndarray, np.ndarray]], units: Mapping[str, str], title: str = "") -> Path:
    """Predicted vs true value per metric, one square panel each (PNG).

    Each panel: the points (size and alpha by row count), the diagonal ``proxy = simulator``,
    axes in the metric's unit (log when it spans more than two decades), at most five ticks
    in scientific notation, and R² and RMSE in the title.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    names = list(pairs)
    ncols = min(4, len(names))
    nrows = -(-len(names) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.9 * ncols, 3.9 * nrows), squeeze=False)
    for ax in axes.flat[len(names):]:
        ax.set_visible(False)
    for ax, m in zip(axes.flat, names):
        t, p = (np.asarray(a, dtype=np.float64) for a in pairs[m])
        unit = units.get(m, "")
        label_unit = f" [{unit}]" if unit and unit != "1" else ""
        heading = m
        if len(t):
            size, alpha = marker_style(len(t))
            ax.scatter(t, p, s=size, alpha=alpha, linewidths=0, color="C0", zorder=2)
            lo, hi = float(min(t.min(), p.min())), float(max(t.max(), p.max()))
            pad = 0.04 * (hi - lo) if hi > lo else max(abs(hi), 1.0) * 0.05
            log = lo > 0 and hi / lo > 100
            lims = (lo / 1.2, hi * 1.2) if log else (lo - pad, hi + pad)
            ax.plot(lims, lims, color="0.3", ls="--", lw=0.9, zorder=1, label="proxy = simulator")
            if log:
                ax.set_xscale("log")
                ax.set_yscale("log")
            else:
                for axis in (ax.xaxis, ax.yaxis):
                    axis.set_major_locator(MaxNLocator(5))
                ax.ticklabel_format(style="sci", scilimits=(-2, 3), useMathText=True)
            ax.set_xlim(lims)
            ax.set_ylim(lims)
            sc = regression_scores(t, p)
            heading = f"{m}\nR² {_fmt(sc['r2'], True)} · RMSE {_fmt(sc['rmse'])}{(' ' + unit) if label_unit else ''} · n={len(t)}"
        ax.set_aspect("equal", adjustable="box")
        ax.set_xlabel(f"simulator{label_unit}", fontsize=9)
        ax.set_ylabel(f"proxy{label_unit}", fontsize=9)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.25)
        ax.set_title(heading, fontsize=9)
    if names:
        axes.flat[0].legend(fontsize=7, loc="upper left")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def _fmt(v: Any, pct: bool = False) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "-"
    if pct:
        return f"{v:.3f}"
    return f"{v:.4g}"


def format_table(report: Mapping[str, Any], warnings: bool = True) -> str:
    """The report as a plain-text table (what ``archgym proxy eval`` prints); ``warnings``
    adds the fit's warnings (the CLI leaves them out: they were logged already)."""
    lines = [f"proxy of {report['simulator']} v{report['version']}: {report.get('training_rows', '?')} training rows"]
    if warnings:
        lines.extend(f"warning: {w}" for w in report.get("warnings", []))
    units = {m["name"]: m["unit"] for m in report.get("metrics", [])}
    kinds = report.get("models", {})
    for section, label in (("heldout", "held-out split"), ("heldout_workload", "held-out workload"), ("evaluation", "evaluation")):
        block = report.get(section)
        if not block:
            continue
        extra = f" {block['workload']!r} (trained without it)" if block.get("workload") else ""
        lines.append(f"\n{label}{extra}: {block['rows']} rows")
        cov = any("coverage90" in s for s in block["metrics"].values())
        head = f" {'cov90':>6} {'wid90%':>7}" if cov else ""
        lines.append(f"  {'metric':<22} {'model':<6} {'RMSE':>11} {'unit':<6} {'%range':>8} {'%mean':>8} {'MAPE%':>8} {'R2':>8}{head}")
        for m, s in block["metrics"].items():
            tail = f" {_fmt(s.get('coverage90'), True):>6} {_fmt(s.get('width90_pct'), True):>7}" if cov else ""
            lines.append(
                f"  {m:<22} {kinds.get(m, ''):<6} {_fmt(s['rmse']):>11} {units.get(m, ''):<6} {_fmt(s['rmse_pct_range'], True):>8} "
                f"{_fmt(s['rmse_pct_mean'], True):>8} {_fmt(s['mape_pct'], True):>8} {_fmt(s['r2'], True):>8}{tail}"
            )
            by = s.get("coverage90_by_workload") or {}
            if len(by) > 1:
                lines.append("    90 % interval coverage by workload: " + ", ".join(f"{w} {_fmt(v, True)}" for w, v in by.items()))
        f = block.get("feasibility")
        if f and f.get("infeasible"):
            lines.append(f"  feasibility: accuracy {_fmt(f['accuracy'], True)}, infeasible recall {_fmt(f['infeasible_recall'], True)} ({f['infeasible']} infeasible rows)")
    sp = report.get("speed")
    if sp:
        lines.append(
            f"\nspeed ({sp['workload']}): simulator {sp['sim_s_per_call'] * 1e3:.3f} ms/call (median of {sp['sim_calls_timed']}); "
            f"proxy single {sp['proxy_single_s'] * 1e6:.1f} us -> {_fmt(sp['speedup_single'])}x; "
            f"batch of {sp['batch']} {sp['proxy_batch_s_per_design'] * 1e6:.2f} us/design -> {_fmt(sp['speedup_batch'])}x"
        )
    return "\n".join(lines)


def write_report(report: Mapping[str, Any], out_dir: str | os.PathLike[str], pairs: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None, name: str = "report") -> Path:
    """Write ``<name>.json``, ``<name>.txt`` and (with ``pairs``) ``<name>-parity.png``; returns the JSON path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    data = dict(report)
    if pairs:
        units = {m["name"]: m["unit"] for m in report.get("metrics", [])}
        png = parity_plot(out / f"{name}-parity.png", pairs, units, f"proxy of {report['simulator']}: held-out rows")
        data["parity_png"] = png.name
    path = out / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, default=lambda o: o.item() if isinstance(o, np.generic) else str(o)))
    (out / f"{name}.txt").write_text(format_table(data) + "\n")
    return path
