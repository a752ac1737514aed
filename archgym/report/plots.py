"""The report's figures (matplotlib, Agg backend), each returned as PNG bytes.

* :func:`lottery_plot` — per agent, the spread of best reward over every hyper-parameter
  configuration and seed (box plot plus one dot per trial, coloured by configuration, with a
  colour bar saying so);
* :func:`success_plot` — fraction of an agent's trials that met the target within each budget;
* :func:`curves_plot` — best-so-far reward vs unique simulator calls: each agent's best
  configuration as the median over seeds with a min–max band, and the median over all its
  trials dashed; the legend names every colour and line style;
* :func:`pareto_plot` — feasible designs of a multi-objective sweep in the first two
  objective metrics, with the non-dominated front of all agents.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from archgym.report.data import Panel
from archgym.report.scales import apply_reward_scale

__all__ = ["curves_plot", "lottery_plot", "pareto_plot", "success_plot"]


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    _plt().close(fig)
    return buf.getvalue()


def _agents(panel: Panel) -> list[str]:
    return sorted(panel.trials["agent"].unique())


def _colors(names: list[str]) -> dict[str, Any]:
    cmap = _plt().get_cmap("tab10")
    return {n: cmap(i % 10) for i, n in enumerate(names)}


def lottery_plot(panel: Panel) -> bytes:
    """Box plot of per-trial best reward by agent, with one jittered dot per trial."""
    plt = _plt()
    agents = _agents(panel)
    t = panel.trials
    fig, ax = plt.subplots(figsize=(1.6 + 1.3 * len(agents), 3.6))
    data = [t.loc[t["agent"] == a, "best_reward"].to_numpy(dtype=float) for a in agents]
    ax.boxplot(data, widths=0.55, showfliers=False)
    ax.set_xticks(range(1, len(agents) + 1), agents)
    rng = np.random.default_rng(0)
    cmap = plt.get_cmap("viridis")
    n_cfg = max(1, int(t["config_index"].max()) + 1) if len(t) else 1
    norm = plt.Normalize(0, max(1, n_cfg - 1))
    for i, a in enumerate(agents):
        sub = t[t["agent"] == a]
        x = i + 1 + rng.uniform(-0.18, 0.18, len(sub))
        ax.scatter(x, sub["best_reward"], s=14, alpha=0.8, c=sub["config_index"].to_numpy(), cmap=cmap, norm=norm,
                   edgecolors="none")
    if n_cfg > 1:  # the dots' colour: which hyper-parameter configuration of its agent
        bar = fig.colorbar(plt.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, pad=0.02, fraction=0.05)
        bar.set_ticks(list(range(n_cfg)) if n_cfg <= 12 else np.linspace(0, n_cfg - 1, 6).round())
        bar.set_label("configuration # (per agent)", fontsize=8)
        bar.ax.tick_params(labelsize=7)
    apply_reward_scale(ax, t["best_reward"].to_numpy(dtype=float))
    ax.set_ylabel("best reward per trial")
    ax.set_title(f"{panel.title}: spread over hyper-parameters × seeds", fontsize=9)
    ax.grid(axis="y", alpha=0.3)
    return _png(fig)


def success_plot(panel: Panel) -> bytes:
    """Success rate (target met) vs budget per agent."""
    plt = _plt()
    agents = _agents(panel)
    colors = _colors(agents)
    budget = np.arange(1, panel.budget + 1)
    fig, ax = plt.subplots(figsize=(5.2, 3.4))
    t = panel.trials
    for a in agents:
        fs = t.loc[t["agent"] == a, "first_success"].to_numpy(dtype=float)
        rate = [(np.nan_to_num(fs, nan=np.inf) <= b).mean() for b in budget]
        ax.step(budget, rate, where="post", color=colors[a], label=f"{a} ({len(fs)} trials)")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("budget (unique simulator calls)")
    ax.set_ylabel("trials that met the target")
    ax.set_title(f"{panel.title}: success rate vs budget", fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    return _png(fig)


def curves_plot(panel: Panel, best_configs: Any) -> bytes:
    """Best-so-far curves: best configuration per agent (median, min–max over seeds) and all trials' median."""
    plt = _plt()
    agents = _agents(panel)
    colors = _colors(agents)
    t = panel.trials
    fig, ax = plt.subplots(figsize=(5.6, 3.6))
    all_vals = []

    def stack(keys: list[str]) -> np.ndarray:
        n = panel.budget
        rows = []
        for k in keys:
            c = panel.curves[k]
            if len(c) == 0:
                continue
            rows.append(np.concatenate([c, np.full(n - len(c), c[-1])]) if len(c) < n else c[:n])
        return np.asarray(rows, dtype=float)

    for a in agents:
        sub = t[t["agent"] == a]
        everything = stack(list(sub["key"]))
        if everything.size == 0:
            continue
        x = np.arange(1, everything.shape[1] + 1)
        ax.plot(x, np.median(everything, axis=0), color=colors[a], ls="--", lw=0.9, alpha=0.7)
        row = best_configs[best_configs["agent"] == a]
        if len(row):
            ci = int(row["config_index"].iloc[0])
            best = stack(list(sub.loc[sub["config_index"] == ci, "key"]))
            ax.plot(x, np.median(best, axis=0), color=colors[a], lw=1.8, label=f"{a} #{ci} ({len(best)} seeds)")
            ax.fill_between(x, best.min(axis=0), best.max(axis=0), color=colors[a], alpha=0.18, lw=0)
        all_vals.append(everything.ravel())
    if all_vals:
        apply_reward_scale(ax, np.concatenate(all_vals))
    baseline = panel.baseline_reward
    if baseline is not None and np.isfinite(baseline):
        ax.axhline(baseline, color="0.35", ls=":", lw=1.0, zorder=1, label="baseline design")
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    # one entry per colour (agent: its best configuration) plus one per line style
    handles, _ = ax.get_legend_handles_labels()
    handles += [
        Line2D([], [], color="0.4", ls="--", lw=0.9, label="median of all its trials"),
        Patch(color="0.4", alpha=0.18, label="min–max over seeds"),
    ]
    ax.set_xlabel("unique simulator calls")
    ax.set_ylabel("best reward so far")
    ax.set_title(f"{panel.title}: best configuration per agent", fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(handles=handles, fontsize=7)
    return _png(fig)


def pareto_plot(panel: Panel) -> bytes | None:
    """Feasible designs in the first two objective metrics, with the joint Pareto front."""
    from archgym.objective import pareto_front

    obj = panel.objective
    pts = panel.points
    if obj is None or pts.empty:
        return None
    metrics = list(obj.metric_names)[:2]
    if len(metrics) < 2 or any(m not in pts.columns for m in metrics):
        return None
    plt = _plt()
    agents = _agents(panel)
    colors = _colors(agents)
    fig, ax = plt.subplots(figsize=(5.2, 3.8))
    for a in agents:
        sub = pts[pts["agent"] == a]
        ax.scatter(sub[metrics[0]], sub[metrics[1]], s=9, alpha=0.45, color=colors[a], label=a, edgecolors="none")
    signs = np.array([1.0 if obj.directions[m] == "max" else -1.0 for m in metrics])
    vals = pts[metrics].to_numpy(dtype=float)
    front = np.unique(vals[pareto_front(vals * signs)], axis=0)
    front = front[np.argsort(front[:, 0])]
    ax.plot(front[:, 0], front[:, 1], "k-o", ms=3.5, lw=1.2, label=f"Pareto front ({len(front)})")
    ax.set_xlabel(f"{metrics[0]} ({obj.directions[metrics[0]]})")
    ax.set_ylabel(f"{metrics[1]} ({obj.directions[metrics[1]]})")
    ax.set_title(f"{panel.title}: feasible designs and the joint Pareto front", fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    return _png(fig)
