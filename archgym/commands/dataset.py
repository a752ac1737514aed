"""``archgym dataset``: inspect logged datasets."""

from __future__ import annotations

import argparse
from typing import Any

from archgym.commands.common import example_parser, print_json


def add_parser(sub: Any) -> None:
    p = example_parser(sub, "dataset", "inspect a logged dataset", "archgym dataset info out/dataset")
    dsub = p.add_subparsers(dest="dataset_command", metavar="ACTION")
    info = example_parser(dsub, "info", "rows, simulators and columns of a dataset", "archgym dataset info out/dataset --json")
    info.add_argument("path", help="dataset folder (or one part file)")
    info.add_argument("--json", action="store_true", help="print JSON")
    info.set_defaults(func=run_info)
    p.set_defaults(func=lambda a: (p.print_help(), 2)[1])


def run_info(args: argparse.Namespace) -> int:
    from archgym.datasets import info

    data = info(args.path)
    if args.json:
        print_json(data)
        return 0
    print(f"dataset {data['path']} (schema v{data['schema_version']}): {data['rows']} rows in {data['files']} files")
    for name, s in data["simulators"].items():
        print(f"  simulator {name} v{s['version']}: {s['rows']} rows, {s['files']} files")
    print(f"  runs: {', '.join(data['runs'])}")
    print(f"  columns: {', '.join(data['columns'])}")
    return 0
