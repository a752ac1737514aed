"""``archgym sweep``: run (or resume) a sweep file on Ray Tune."""

from __future__ import annotations

import argparse
from typing import Any

from archgym.commands.common import example_parser


def add_parser(sub: Any) -> None:
    p = example_parser(
        sub,
        "sweep",
        "run agents x hyper-parameters x seeds x environments on Ray Tune",
        "archgym sweep sweeps/demo.yaml --out out/demo --max-concurrent 2",
        "Run a sweep file (see docs/sweep.md). The whole file is validated before Ray starts.\n"
        "Every simulator call is logged to OUT/dataset; `archgym report OUT` draws the results.\n"
        "After a kill, the same command with --resume finishes the sweep without re-running\n"
        "completed trials. --address joins a running Ray cluster (`ray start --head`).",
    )
    p.add_argument("config", help="sweep file (YAML)")
    p.add_argument("--out", "-o", required=True, help="sweep folder (new, or the sweep's own with --resume)")
    p.add_argument("--resume", action="store_true", help="finish the sweep in --out without re-running completed trials")
    p.add_argument("--address", help="join this Ray cluster (HOST:PORT or 'auto') instead of starting a local Ray")
    p.add_argument("--max-concurrent", type=int, help="trials at once (default: the file's max_concurrent, else all CPUs)")
    p.add_argument("--check", action="store_true", help="validate the file, print the trial count and exit")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from archgym.sweep import expand_trials, load_config, run_sweep

    cfg = load_config(args.config)
    if args.check:
        trials = expand_trials(cfg)
        agents = {a: sum(1 for t in trials if t.agent == a) for a in cfg.agents}
        print(f"{args.config}: valid; {len(trials)} trials ({', '.join(f'{a}: {n}' for a, n in agents.items())}), "
              f"{len(trials) * cfg.budget} simulator calls at most")
        return 0
    res = run_sweep(args.config, args.out, resume=args.resume, address=args.address,
                    max_concurrent=args.max_concurrent, progress=not args.no_progress)
    print(f"sweep {res.name} ({res.sweep_id}): {len(res.records)}/{res.total} trials complete "
          f"({res.ran} this run, {res.skipped} already done) in {res.wall_s:.1f} s")
    print(f"  dataset: {res.dataset}")
    print(f"  report:  archgym report {res.out_dir}")
    for key, err in sorted(res.failed.items()):
        print(f"  FAILED {key}: {err}")
    return 1 if res.failed else 0
