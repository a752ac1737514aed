"""The ``archgym`` command line: one program, many subcommands.

    archgym list                                   what is installed: simulators, env ids, agents
    archgym evaluate --simulator dram --workload stream --design PagePolicy=Closed
    archgym dataset info out/dataset
    archgym run --env archgym/DRAM-v0 --agent bo --budget 64 --out out/run1
    archgym sweep sweeps/demo.yaml --out out/sweep
    archgym report out/sweep
    archgym proxy train --dataset out/sweep/dataset --simulator dram --out out/proxy

Every subcommand's ``--help`` shows a real example; ``python -m archgym`` runs the same
program. Bad input prints one line ``archgym: error: …`` naming the culprit and what is
allowed, and exits with code 2; ``evaluate`` of a valid but infeasible design exits with 3.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from archgym.errors import ArchGymError, RepeatedSimulatorError

# (subcommand, module under archgym.commands); a module that is not in this build is skipped.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("list", "list_cmd"),
    ("evaluate", "evaluate"),
    ("dataset", "dataset"),
    ("run", "run"),
    ("sweep", "sweep"),
    ("report", "report"),
    ("proxy", "proxy"),
    ("bench", "bench"),
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="archgym",
        description="ML-assisted hardware design-space exploration.",
        epilog=__doc__.split("\n\n")[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging (-vv for debug)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    here = Path(__file__).parent / "commands"
    for _name, module in COMMANDS:
        if not (here / f"{module}.py").exists():
            continue
        mod = importlib.import_module(f"archgym.commands.{module}")
        mod.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``archgym`` program; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING - 10 * min(args.verbose, 2),
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except RepeatedSimulatorError as exc:  # not bad input: the simulator itself is failing
        tb = exc.last_traceback.rstrip().splitlines()[-12:]
        print(f"archgym: error: {exc}\n  last traceback (most recent call last, tail):", file=sys.stderr)
        print("\n".join("    " + line for line in tb), file=sys.stderr)
        return 1
    except ArchGymError as exc:
        print(f"archgym: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        from archgym.interrupts import exit_code

        print(f"archgym: interrupted ({str(exc) or 'SIGINT'})", file=sys.stderr)
        return exit_code(exc)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
