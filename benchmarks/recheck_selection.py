"""Recheck the suite-selection rule R1 against newer references, without running anything.

``bench_suite_select.py --jsonl FILE`` stores, per task, the baseline value and random search's
final value per seed (``random_finals``). Those do not depend on the reference, so when a
reference improves, rule R1 (random within 1 % of the reference in at most half of the seeds:
``v* − v(B) ≤ 0.01·|v*|``) and random's median normalised regret ``(v* − v(B)) / (v* − v0)`` are
recomputed here from the stored finals and the refs file.

Usage::

    .venv/bin/python benchmarks/recheck_selection.py out/select.jsonl [--refs archgym/bench/suites/v2.refs.yaml]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

from archgym.bench.suite import read_refs

DEFAULT_REFS = Path(__file__).resolve().parents[1] / "archgym" / "bench" / "suites" / "v2.refs.yaml"


def recheck(row: dict, best: float) -> dict:
    """R1 and random's median regret of one stored row against the reference ``best``."""
    finals, v0 = row["random_finals"], row["baseline"]
    best = max(best, v0, *finals)  # a run that beats the reference raises it (as the leaderboard does)
    reached = sum(best - f <= 0.01 * abs(best) for f in finals)
    gap = best - v0
    regret = statistics.median((best - f) / gap if gap > 0 else 0.0 for f in finals)
    return {"reached": reached, "seeds": len(finals), "kept": reached <= len(finals) // 2, "median_regret": regret}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rows", help="JSON lines of bench_suite_select.py --jsonl")
    ap.add_argument("--refs", default=str(DEFAULT_REFS), help="refs file (default: v2.refs.yaml)")
    args = ap.parse_args(argv)
    refs = read_refs(args.refs).get("tasks", {})
    print("| task | old reference (designs) | random within 1 % | median regret | new reference (designs) "
          "| random within 1 % | median regret | R1 |")
    print("|---|---|---|---|---|---|---|---|")
    for line in Path(args.rows).read_text().splitlines():
        row = json.loads(line)
        if "random_finals" not in row or row["task"] not in refs:
            continue
        rec = refs[row["task"]]
        old, new = recheck(row, row["reference"]), recheck(row, rec["best"])
        prov = ", provisional" if rec.get("provisional") else ""
        print(f"| {row['task']} | {row['reference']:.6g} ({row['ref_designs']:,}) | {old['reached']}/{old['seeds']} "
              f"| {old['median_regret']:.3g} | {rec['best']:.6g} ({rec['designs']:,}{prov}) | {new['reached']}/{new['seeds']} "
              f"| {new['median_regret']:.3g} | {'kept' if new['kept'] else 'fails'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
