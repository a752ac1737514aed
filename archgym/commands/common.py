"""Helpers shared by subcommands."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def example_parser(sub: Any, name: str, help: str, example: str, description: str = "") -> argparse.ArgumentParser:
    """A subparser whose help ends with a real example."""
    return sub.add_parser(
        name,
        help=help,
        description=(description or help) + "\n\nexample:\n  " + example,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")
