"""``build_report(OUT)``: one self-contained HTML file (PNG plots embedded as base64) and a
JSON file with the same tables, written into the sweep folder."""

from __future__ import annotations

import base64
import html
import json
import math
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from archgym.report.data import Panel, SweepData, best_configs, load_sweep
from archgym.report.plots import curves_plot, lottery_plot, pareto_plot, success_plot

__all__ = ["build_report"]

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2em auto;max-width:1100px;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;font-size:.85em;margin:.6em 0}td,th{border:1px solid #ddd;padding:.25em .5em;text-align:left}
th{background:#f4f4f4}.figs{display:flex;flex-wrap:wrap;gap:1em}.figs img{max-width:100%;border:1px solid #eee}
.note{color:#8a5a00}.muted{color:#666;font-size:.9em}code{background:#f4f4f4;padding:0 .2em}
"""


def _img(png: bytes, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'


def _fmt(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if isinstance(v, (float, np.floating)):
        return f"{v:.4g}"
    return html.escape(str(v))


def _table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{_fmt(r.get(c))}</td>" for c in columns) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _params(text: str) -> str:
    params = json.loads(text)
    return ", ".join(f"{k}={_fmt(v)}" for k, v in params.items()) or "(defaults)"


def _hypervolumes(panel: Panel) -> dict[str, float]:
    from archgym.objective import hypervolume, pareto_front

    obj, pts = panel.objective, panel.points
    ref = obj.ref_vector() if obj is not None and hasattr(obj, "ref_vector") else None
    if ref is None or pts.empty or len(ref) > 3:
        return {}
    out = {}
    for agent, sub in pts.groupby("agent"):
        vecs = np.array([obj.vector(m) for m in sub[list(obj.metric_names)].to_dict("records")])
        out[agent] = hypervolume(vecs[pareto_front(vecs)], ref)
    return out


def _panel_section(panel: Panel) -> tuple[str, dict[str, Any]]:
    best = best_configs(panel)
    parts = [f"<h2>{html.escape(panel.title)}</h2>"]
    obj_desc = json.dumps(panel.objective.to_json(), default=str) if panel.objective is not None else "(not rebuilt)"
    parts.append(f'<p class="muted">simulator <code>{html.escape(panel.simulator)}</code>; objective '
                 f"<code>{html.escape(obj_desc)}</code>; {len(panel.trials)} completed trials, budget {panel.budget}.</p>")
    parts += [f'<p class="note">{html.escape(n)}</p>' for n in panel.notes]
    figs = [_img(lottery_plot(panel), "hyper-parameter lottery"), _img(curves_plot(panel, best), "best-so-far curves")]
    if panel.objective is not None:
        if panel.has_target:
            figs.append(_img(success_plot(panel), "success rate vs budget"))
        else:
            parts.append('<p class="note">This objective states no target, so there is no success rate to plot.</p>')
    if panel.multi_objective:
        png = pareto_plot(panel)
        if png is not None:
            figs.append(_img(png, "Pareto front"))
    parts.append('<div class="figs">' + "".join(figs) + "</div>")
    hv = _hypervolumes(panel) if panel.multi_objective else {}
    rows = []
    for r in best.to_dict("records"):
        rows.append({
            "agent": r["agent"], "config": f"#{r['config_index']}", "hyper-parameters": _params(r["params"]),
            "seeds": r["seeds"], "median best": r["median_best"], "min–max over seeds": f"{_fmt(r['min_best'])} – {_fmt(r['max_best'])}",
            "met target": f"{r['successes']}/{r['seeds']}" if panel.has_target else "–",
            "median calls to target": r["median_calls_to_success"],
            "all trials: median (min–max)": f"{_fmt(r['agent_median'])} ({_fmt(r['agent_min'])} – {_fmt(r['agent_max'])}, {r['trials']} trials)",
            **({"hypervolume": hv.get(r["agent"])} if hv else {}),
        })
    parts.append("<h3>Best configuration per agent</h3>")
    parts.append(_table(rows, list(rows[0]) if rows else ["agent"]))
    t = panel.trials
    if not t.empty:
        top = t.loc[t["best_reward"].idxmax()]
        parts.append(f'<p class="muted">Best single trial: {html.escape(str(top["agent"]))} config #{top["config_index"]} '
                     f"seed {top['seed']} (trial {html.escape(str(top['key']))}, Tune id {html.escape(str(top['trial_id']))}), "
                     f"reward {_fmt(float(top['best_reward']))}; design <code>{html.escape(json.dumps(top['best_design'], default=str))}</code></p>")
    summary = {
        "env_id": panel.env_id, "workload": panel.workload, "simulator": panel.simulator,
        "objective": panel.objective.to_json() if panel.objective is not None else None,
        "best_configs": json.loads(best.to_json(orient="records")) if not best.empty else [],
        "trials": json.loads(t.drop(columns=["best_design"], errors="ignore").to_json(orient="records")),
        "hypervolume": hv,
    }
    return "\n".join(parts), summary


def build_report(out: str | os.PathLike[str], path: str | os.PathLike[str] | None = None) -> Path:
    """Write the HTML report of the sweep in ``out``; returns its path.

    Args:
        out: the sweep folder (made by :func:`archgym.sweep.run_sweep`).
        path: where to write (default ``out/report.html``; a ``report.json`` goes beside it).

    Raises:
        ConfigError: ``out`` holds no sweep.
    """
    data: SweepData = load_sweep(out)
    st = data.state
    target = Path(path) if path else st.out / "report.html"
    recs = data.records.values()
    sim_s = sum(r.get("sim_s", 0.0) for r in recs)
    search_s = sum(r.get("search_s", 0.0) for r in recs)
    head = [
        f"<h1>Sweep {html.escape(st.name)}</h1>",
        f'<p class="muted">sweep id <code>{html.escape(st.sweep_id)}</code>, started {html.escape(st.created)}; '
        f"report written {time.strftime('%Y-%m-%d %H:%M:%SZ', time.gmtime())} from <code>{html.escape(str(st.dataset))}</code>.</p>",
        f"<p><b>{data.completed} of {data.total} trials complete</b>; budget {st.config['budget']} unique simulator calls per trial; "
        f"seeds {st.config['seeds']}; agents {', '.join(st.config['agents'])}; "
        f"{search_s:.1f} s of search in total, {sim_s:.1f} s of it inside simulators.</p>",
    ]
    if data.completed < data.total:
        head.append(f'<p class="note">{data.total - data.completed} trials have not completed; finish them with '
                    f"<code>archgym sweep CONFIG --out {html.escape(str(st.out))} --resume</code>.</p>")
    head.append("<p>The <b>lottery</b> plots show, for each agent, the best reward of every trial — every hyper-parameter "
                "configuration (dot colour) with every seed. A wide box means the agent's result depends on its "
                "hyper-parameters and luck as much as on the agent.</p>")
    sections, summaries = [], []
    for panel in data.panels:
        sec, summ = _panel_section(panel)
        sections.append(sec)
        summaries.append(summ)
    if not data.panels:
        sections.append('<p class="note">No trial has completed yet.</p>')
    doc = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>ArchGym sweep "
           f"{html.escape(st.name)}</title><style>{_CSS}</style></head><body>"
           + "\n".join(head + sections) + "</body></html>")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(doc)
    summary = {"name": st.name, "sweep_id": st.sweep_id, "completed": data.completed, "total": data.total, "panels": summaries}
    target.with_suffix(".json").write_text(json.dumps(summary, indent=1, default=str))
    return target


def trials_frame(out: str | os.PathLike[str]) -> pd.DataFrame:
    """All completed trials of a sweep with their recomputed best reward and first success."""
    data = load_sweep(out)
    frames = [p.trials.assign(env_id=p.env_id, workload=p.workload) for p in data.panels]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
