"""``archgym report``: a self-contained HTML report of a sweep folder."""

from __future__ import annotations

import argparse
from typing import Any

from archgym.commands.common import example_parser


def add_parser(sub: Any) -> None:
    p = example_parser(
        sub,
        "report",
        "write an HTML report of a sweep (lottery, success rate, curves, Pareto front)",
        "archgym report out/demo",
        "Write OUT/report.html (plots embedded) and OUT/report.json from the sweep's dataset:\n"
        "per agent the spread of best reward over hyper-parameters and seeds, success rate vs\n"
        "budget, best-so-far curves with seed bands, Pareto fronts and the best configuration.",
    )
    p.add_argument("out", help="sweep folder (made by `archgym sweep`)")
    p.add_argument("--html", help="where to write the report (default OUT/report.html)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from archgym.report import build_report

    path = build_report(args.out, args.html)
    print(f"report: {path}")
    return 0
