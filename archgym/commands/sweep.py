"""``archgym sweep``: run (or resume) a sweep file on Ray Tune."""

from __future__ import annotations

import argparse
import shlex
import sys
from typing import Any

from archgym.commands.common import example_parser
from archgym.errors import ConfigError


def add_parser(sub: Any) -> None:
    p = example_parser(
        sub,
        "sweep",
        "run agents x hyper-parameters x seeds x environments on Ray Tune",
        "archgym sweep sweeps/demo.yaml --out out/demo --max-concurrent 2",
        "Run a sweep file (see docs/sweep.md). The whole file is validated before Ray starts.\n"
        "Every simulator call is logged to OUT/dataset; `archgym report OUT` draws the results.\n"
        "After a kill, the same command with --resume finishes the sweep without re-running\n"
        "completed trials. --address joins a running Ray cluster (`ray start --head`); the cluster is\n"
        "joined before anything is created, and an unreachable address fails after --connect-timeout.\n"
        "Ctrl-C or SIGTERM stops the sweep, keeps the completed trials, prints the --resume command and\n"
        "exits 130 (143 for SIGTERM).",
    )
    p.add_argument("config", help="sweep file (YAML)")
    p.add_argument("--out", "-o", required=True, help="sweep folder (new, or the sweep's own with --resume)")
    p.add_argument("--resume", action="store_true", help="finish the sweep in --out without re-running completed trials")
    p.add_argument("--address", help="join this Ray cluster (HOST:PORT or 'auto') instead of starting a local Ray")
    p.add_argument("--connect-timeout", type=float, default=30.0, metavar="SECONDS",
                   help="with --address: give up joining the cluster after this long (default 30)")
    p.add_argument("--max-concurrent", type=int, help="trials at once (default: the file's max_concurrent, else all CPUs)")
    p.add_argument("--check", action="store_true", help="validate the file, print the trial count and exit")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def resume_command(args: argparse.Namespace) -> str:
    """The ``archgym sweep ... --resume`` command that finishes this sweep."""
    parts = ["archgym", "sweep", args.config, "--out", args.out, "--resume"]
    if args.address:
        parts += ["--address", args.address]
    if args.max_concurrent:
        parts += ["--max-concurrent", str(args.max_concurrent)]
    return " ".join(shlex.quote(str(p)) for p in parts)


def run(args: argparse.Namespace) -> int:
    from archgym.interrupts import exit_code, sigterm_as_interrupt
    from archgym.sweep import expand_trials, load_config, run_sweep
    from archgym.sweep.runner import SweepInterrupted

    if not args.connect_timeout > 0:
        raise ConfigError(f"--connect-timeout must be > 0 seconds, got {args.connect_timeout}")
    cfg = load_config(args.config)
    if args.check:
        trials = expand_trials(cfg)
        agents = {a: sum(1 for t in trials if t.agent == a) for a in cfg.agents}
        print(f"{args.config}: valid; {len(trials)} trials ({', '.join(f'{a}: {n}' for a, n in agents.items())}), "
              f"{len(trials) * cfg.budget} simulator calls at most")
        return 0
    try:
        with sigterm_as_interrupt():
            res = run_sweep(args.config, args.out, resume=args.resume, address=args.address,
                            max_concurrent=args.max_concurrent, progress=not args.no_progress,
                            connect_timeout_s=args.connect_timeout)
    except SweepInterrupted as exc:
        if not (exc.out / "sweep.json").is_file():
            print(f"archgym: sweep {exc.name} interrupted ({exc}) before it started; nothing was created", file=sys.stderr)
        else:
            print(f"archgym: sweep {exc.name} interrupted ({exc}): {exc.completed}/{exc.total} trials complete, "
                  f"kept in {exc.out}", file=sys.stderr)
            print(f"archgym: resume with: {resume_command(args)}", file=sys.stderr)
        return exit_code(exc)
    print(f"sweep {res.name} ({res.sweep_id}): {len(res.records)}/{res.total} trials complete "
          f"({res.ran} this run, {res.skipped} already done) in {res.wall_s:.1f} s")
    print(f"  dataset: {res.dataset}")
    print(f"  report:  archgym report {res.out_dir}")
    for key, err in sorted(res.failed.items()):
        print(f"  FAILED {key}: {err}")
    return 1 if res.failed else 0
