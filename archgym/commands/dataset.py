"""``archgym dataset``: inspect logged datasets."""

from __future__ import annotations

import argparse
from typing import Any

from archgym.commands.common import example_parser, print_json


def add_parser(sub: Any) -> None:
    p = example_parser(sub, "dataset", "inspect a logged dataset", "archgym dataset info out/dataset")
    dsub = p.add_subparsers(dest="dataset_command", metavar="ACTION")
    info = example_parser(
        dsub, "info",
        "check every part file, then print rows, simulators and columns (exit 1 when a part is damaged)",
        "archgym dataset info out/dataset --json",
    )
    info.add_argument("path", help="dataset folder (or one part file)")
    info.add_argument("--json", action="store_true", help="print JSON")
    info.set_defaults(func=run_info)
    p.set_defaults(func=lambda a: (p.print_help(), 2)[1])


def run_info(args: argparse.Namespace) -> int:
    """Exit 0 when every part file is healthy, 1 when any is damaged (listed by name)."""
    import sys

    from archgym.datasets import info

    data = info(args.path)
    damaged = data["damaged"]
    if args.json:
        print_json(data)
        return 1 if damaged else 0
    versions = "/".join(f"v{v}" for v in data["schema_versions"]) or f"v{data['schema_version']}"
    healthy = data["files"] - len(damaged)
    print(f"dataset {data['path']} (schema {versions}): {data['rows']} rows in {healthy} healthy part files")
    for name, s in data["simulators"].items():
        print(f"  simulator {name} v{s['version']}: {s['rows']} rows, {s['files']} files")
    print(f"  runs: {', '.join(data['runs'])}")
    print(f"  columns: {', '.join(data['columns'])}")
    if damaged:
        print(f"archgym: error: {len(damaged)} of {data['files']} part files are damaged:", file=sys.stderr)
        for d in damaged:
            print(f"  {d['error']}", file=sys.stderr)
        return 1
    return 0
