"""Issue 18 item 6: plots people can read (inspected through the figure objects, not pixels)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from archgym.proxy.report import marker_style, parity_plot
from archgym.report.data import Panel
from archgym.report.plots import curves_plot, lottery_plot
from archgym.report.scales import reward_scale
from archgym.runner import plot_convergence


@pytest.fixture
def saved(monkeypatch):
    """Every figure saved during the test, in order."""
    figs = []
    original = Figure.savefig

    def record(self, *args, **kwargs):
        figs.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", record)
    return figs


def test_reward_scale_by_hand():
    assert reward_scale([1.0, 50.0]) == ("linear", {})
    assert reward_scale([0.5, 1000.0]) == ("log", {})  # 2000x, all positive
    assert reward_scale([-1000.0, -3.0, 0.0, 0.2, 2.0]) == ("symlog", {"linthresh": 0.2})  # 5000x, signs mixed
    assert reward_scale([-1.0, 0.0, 1.0]) == ("linear", {})
    assert reward_scale([np.nan, np.inf]) == ("linear", {})


def test_marker_style_by_row_count():
    assert marker_style(1) == (36.0, 0.85)  # 300/1 and 12/1, clipped
    assert marker_style(100) == (30.0, 0.85)  # 300/10; 12/10 clipped at 0.85
    assert marker_style(400) == (15.0, 0.6)  # 300/20, 12/20
    assert marker_style(10_000) == (3.0, 0.12)  # 300/100, 12/100


def test_convergence_has_baseline_line_calls_axis_and_log_scale(tmp_path, saved):
    curve = np.maximum.accumulate(np.r_[0.01, 0.02, 0.5, 3.0, 3.0, 40.0])  # 4000x
    plot_convergence(curve, tmp_path / "c.png", "t", baseline=0.64)
    ax = saved[-1].axes[0]
    assert ax.get_yscale() == "log" and ax.get_xlabel() == "unique simulator calls"
    flat = [ln for ln in ax.get_lines() if np.allclose(ln.get_ydata(), 0.64)]
    assert flat and "baseline" in flat[0].get_label()
    assert {t.get_text() for t in ax.get_legend().get_texts()} >= {"best reward so far", "baseline design (0.64)"}
    plot_convergence([-1000.0, -2.0, 0.5, 2.0], tmp_path / "d.png")
    assert saved[-1].axes[0].get_yscale() == "symlog"


def test_parity_plot_panels(tmp_path, saved):
    rng = np.random.default_rng(0)
    t = rng.uniform(1e4, 4.5e5, 300)
    pairs = {"total_time_ns": (t, t * rng.normal(1, 0.02, 300)), "row_hit_rate": (np.array([0.5, 1.0]), np.array([0.5, 0.9]))}
    parity_plot(tmp_path / "p.png", pairs, {"total_time_ns": "ns", "row_hit_rate": "1"})
    ax_t, ax_r = saved[-1].axes[:2]
    assert ax_t.get_title().startswith("total_time_ns\nR² 0.") and " ns · n=300" in ax_t.get_title()
    # row_hit_rate: r = [0, 0.1] -> RMSE sqrt(0.01/2) = 0.07071; R² = 1 - 0.01/0.125 = 0.92
    assert ax_r.get_title() == "row_hit_rate\nR² 0.920 · RMSE 0.07071 · n=2"
    assert ax_t.get_xlabel() == "simulator [ns]" and ax_r.get_xlabel() == "simulator"
    assert len(ax_t.get_xticks()) <= 7
    diag = [ln for ln in ax_t.get_lines() if ln.get_label() == "proxy = simulator"]
    assert diag and np.allclose(diag[0].get_xdata(), diag[0].get_ydata())
    pts = ax_t.collections[0]
    assert pts.get_alpha() == pytest.approx(12 / np.sqrt(300)) and pts.get_sizes()[0] == pytest.approx(300 / np.sqrt(300))


def _panel():
    rows, curves = [], {}
    for agent, n_cfg in (("ga", 3), ("random", 1)):
        for c in range(n_cfg):
            for seed in range(2):
                key = f"{agent}-{c}-{seed}"
                curve = np.maximum.accumulate(np.linspace(0.5, 0.6 + 0.01 * c + 0.005 * seed, 10))
                curves[key] = curve
                rows.append({"key": key, "agent": agent, "config_index": c, "seed": seed, "best_reward": curve[-1]})
    return Panel("archgym/X-v0", "w", "x", None, pd.DataFrame(rows), curves, pd.DataFrame(), 10, baseline_reward=0.55)


def test_lottery_colour_has_a_colour_bar(saved):
    lottery_plot(_panel())
    fig = saved[-1]
    assert len(fig.axes) == 2 and fig.axes[1].get_ylabel() == "configuration # (per agent)"
    assert list(fig.axes[1].get_yticks()) == [0, 1, 2]


def test_curves_legend_names_every_colour_and_style(saved):
    best = pd.DataFrame({"agent": ["ga", "random"], "config_index": [2, 0]})
    curves_plot(_panel(), best)
    texts = [t.get_text() for t in saved[-1].axes[0].get_legend().get_texts()]
    assert texts == ["ga #2 (2 seeds)", "random #0 (2 seeds)", "baseline design", "median of all its trials", "min–max over seeds"]
