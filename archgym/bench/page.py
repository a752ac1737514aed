"""The pages of ``bench leaderboard``: Markdown and HTML tables and the regret-vs-calls plots.

Renders a :class:`~archgym.bench.leaderboard.Leaderboard` (built by
:func:`~archgym.bench.leaderboard.build_leaderboard`, which scores the runs); nothing here
computes a score.
"""

from __future__ import annotations

import html
import json
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from archgym.bench.leaderboard import Leaderboard, TaskBoard

__all__ = ["regret_plot", "write_leaderboard"]

def _params_table(lb: Leaderboard) -> tuple[list[str], list[list[str]]]:
    """Per agent, each set of hyper-parameters its scored runs used (the most used first, the
    others as their differences from it) and where."""
    rows = []
    n_tasks = len(lb.tasks)
    for agent in sorted(lb.agent_params):
        sets = sorted(lb.agent_params[agent].items(), key=lambda kv: (-len(kv[1]), kv[0]))
        first = json.loads(sets[0][0])
        for i, (text, runs) in enumerate(sets):
            p = json.loads(text)
            if i == 0:
                shown = ", ".join(f"{k}={p[k]}" for k in sorted(p)) or "(none)"
            else:
                diff = sorted(k for k in set(p) | set(first) if p.get(k) != first.get(k))
                shown = "as above but " + ", ".join(f"{k}={p.get(k, '(unset)')}" for k in diff)
            tasks = sorted({t for t, _ in runs})
            missing = sorted(set(lb.tasks) - set(tasks))
            where = (f"all {n_tasks} task{'s' if n_tasks != 1 else ''}" if not missing else f"all but {', '.join(missing)}"
                     if len(tasks) > n_tasks / 2 else ", ".join(tasks))
            rows.append([agent if i == 0 else "", shown, f"{len(runs)} ({where})"])
    return ["agent", "hyper-parameters", "runs (tasks)"], rows


def _fmt(v: Any, digits: int = 3) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if isinstance(v, float):
        return f"{v:.{digits}g}" if abs(v) >= 1e-3 or v == 0 else f"{v:.1e}"
    return str(v)


def _task_table(b: TaskBoard, baseline_agent: str) -> tuple[list[str], list[list[str]]]:
    multi = b.task["objective"].get("kind") == "multi"
    head = ["agent", "median regret [95% CI]", "regret@25%", "AUC", "calls to 1%", "mean rank", f"vs {baseline_agent} (p)"]
    if multi:
        head.insert(4, "HV ratio")
    rows = []
    for r in b.rows:
        calls = f">{r['budget']}" if r["calls_to_1pct"] is None else f"{r['calls_to_1pct']:.0f}"
        vs = "–" if "vs_baseline" not in r else f"{r['vs_baseline']} ({r['p']:.2g})"
        row = [r["agent"], f"{_fmt(r['regret'])} [{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]", _fmt(r["regret@25"]),
               _fmt(r["auc"]), f"{calls} ({r['reached_1pct']})", f"{r['mean_rank']:.2f}", vs]
        if multi:
            row.insert(4, _fmt(r["hv_ratio"]))
        rows.append(row)
    return head, rows


def _md_table(head: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def _overall_table(lb: Leaderboard) -> tuple[list[str], list[list[str]]]:
    head = ["agent", "tasks", "mean rank", "median normalised regret [95% CI]", f"win/tie/loss vs {lb.baseline_agent}"]
    rows = [[r["agent"], str(r["tasks"]), f"{r['mean_rank']:.2f}", f"{_fmt(r['regret'])} [{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]", r["wtl"]]
            for r in lb.overall]
    return head, rows


def _targets_table(lb: Leaderboard) -> tuple[list[str], list[list[str]]]:
    head = ["task", f"{lb.baseline_agent} within 1% (seeds)", "≤ 50 % of seeds", "best agent", "its median regret",
            f"{lb.baseline_agent}'s", "best ≤ ½ random"]
    yn = {True: "yes", False: "NO", None: "–"}
    rows = [[t["task"], _fmt(t["random_reach_1pct"]), yn[t["random_hard"]], t["best_agent"], _fmt(t["best_regret"]),
             _fmt(t["random_regret"]), yn[t["separates"]]] for t in lb.targets]
    return head, rows


def regret_plot(b: TaskBoard) -> bytes:
    """Median normalised regret against calls per agent, with the interquartile band."""
    from archgym.report.plots import _colors, _plt, _png

    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.4, 3.4))
    colors = _colors(sorted(b.curves))
    for a, m in sorted(b.curves.items()):
        x = np.arange(1, m.shape[1] + 1)
        ax.plot(x, np.median(m, axis=0), label=a, color=colors[a])
        ax.fill_between(x, np.quantile(m, 0.25, axis=0), np.quantile(m, 0.75, axis=0), color=colors[a], alpha=0.12)
    ax.set_xlabel("simulator calls")
    ax.set_ylabel("normalised regret")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title(b.task["id"], fontsize=10)
    ax.legend(fontsize=7, ncol=2)
    return _png(fig)


def write_leaderboard(lb: Leaderboard, dest: str | os.PathLike[str], command: str = "", plots: bool = True) -> dict[str, Path]:
    """Write ``leaderboard.md``, ``leaderboard.html`` and ``plots/<task>.png`` into ``dest``."""
    import base64

    dest = Path(dest)
    (dest / "plots").mkdir(parents=True, exist_ok=True)
    pngs: dict[str, bytes] = {}
    if plots:
        for task_id, b in lb.tasks.items():
            pngs[task_id] = regret_plot(b)
            (dest / "plots" / f"{task_id}.png").write_bytes(pngs[task_id])
    md = ["# ArchGym-Bench leaderboard", ""]
    if command:
        md += ["Made by:", "", "```", command, "```", ""]
    if lb.replaced:
        md += ["Runs replaced by a later folder (`--supersede`):", ""] + [f"- {line}" for line in lb.replaced] + [""]
    md += ["Normalised regret: 0 = the task's reference best, 1 = no better than the baseline design "
           "(see docs/bench.md). Lower is better; mean rank 1 = best.", "", "## Overall", "", _md_table(*_overall_table(lb)), "",
           "## Targets", "", _md_table(*_targets_table(lb)), ""]
    if lb.agent_params:
        md += ["## Hyper-parameters of the scored runs", "", _md_table(*_params_table(lb)), ""]
    hd = ["<!doctype html><meta charset='utf-8'><title>ArchGym-Bench leaderboard</title>",
          "<style>body{font-family:sans-serif;max-width:70em;margin:auto}table{border-collapse:collapse}"
          "td,th{border:1px solid #ccc;padding:.2em .5em}</style><h1>ArchGym-Bench leaderboard</h1>"]
    if command:
        hd.append(f"<p>Made by: <code>{html.escape(command)}</code></p>")
    if lb.replaced:
        hd.append("<p>Runs replaced by a later folder (<code>--supersede</code>):</p><ul>"
                  + "".join(f"<li>{html.escape(line)}</li>" for line in lb.replaced) + "</ul>")
    for title, (head, rows) in (("Overall", _overall_table(lb)), ("Targets", _targets_table(lb))):
        hd.append(f"<h2>{title}</h2>" + _html_table(head, rows))
    if lb.agent_params:
        hd.append("<h2>Hyper-parameters of the scored runs</h2>" + _html_table(*_params_table(lb)))
    md += ["## Tasks", ""]
    for task_id, b in lb.tasks.items():
        t = b.task
        info = (f"{t['env']} / {t['workload']}, budget {t['budget']}; reference {b.reference.best:.6g} "
                f"({b.ref_note}), baseline {b.reference.baseline:.6g}")
        md += [f"### {task_id}", "", info, "", _md_table(*_task_table(b, lb.baseline_agent)), ""]
        if task_id in pngs:
            md += [f"![{task_id}](plots/{task_id}.png)", ""]
        hd.append(f"<h3>{html.escape(task_id)}</h3><p>{html.escape(info)}</p>" + _html_table(*_task_table(b, lb.baseline_agent)))
        if task_id in pngs:
            hd.append(f"<img alt='{html.escape(task_id)}' src='data:image/png;base64,{base64.b64encode(pngs[task_id]).decode()}'>")
    paths = {"md": dest / "leaderboard.md", "html": dest / "leaderboard.html"}
    paths["md"].write_text("\n".join(md) + "\n")
    paths["html"].write_text("\n".join(hd) + "\n")
    return paths


def _html_table(head: list[str], rows: list[list[str]]) -> str:
    th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><tr>{th}</tr>{body}</table>"
