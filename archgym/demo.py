"""The main job on the embedded default (``make demo``): sweep → report → proxy.

1. a Ray Tune sweep of random walk, genetic algorithm and ant colony over hyper-parameters and
   seeds on the memory-controller environment (``sweeps/demo.yaml``), on a local Ray started
   in-process, every simulator call logged to ``<out>/sweep/dataset``;
2. the hyper-parameter-lottery report (``<out>/sweep/report.html``);
3. proxy cost models trained on the sweep's dataset, with their honest error report
   (``<out>/proxy``).

Running it again resumes: finished trials are not re-run.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m archgym.demo", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="demo-out", help="output folder (default: demo-out)")
    parser.add_argument("--config", help="sweep file (default: sweeps/demo.yaml)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    out = Path(args.out).resolve()
    sweep_dir = out / "sweep"
    t0 = time.perf_counter()

    from archgym.errors import ArchGymError
    from archgym.sweep.demo import run_demo

    try:
        print(f"[1/3] sweep on the embedded local Ray -> {sweep_dir}", flush=True)
        result, report = run_demo(sweep_dir, config=args.config, progress=not args.no_progress,
                                  resume=(sweep_dir / "sweep.yaml").exists())
        print(f"[2/3] report -> {report}", flush=True)
        print(f"[3/3] proxy models on {result.out_dir / 'dataset'} -> {out / 'proxy'}", flush=True)
        proxy_report = _train_proxy(result.out_dir / "dataset", out / "proxy")
    except ArchGymError as exc:
        print(f"archgym demo: error: {exc}", file=sys.stderr)
        return 2
    print()
    print(f"done in {time.perf_counter() - t0:.0f} s")
    print(f"  dataset : {result.out_dir / 'dataset'}   (archgym dataset info {result.out_dir / 'dataset'})")
    print(f"  report  : {report}")
    print(f"  proxy   : {proxy_report}")
    return 0


def _train_proxy(dataset: Path, out: Path) -> Path:
    from archgym.proxy.pipeline import train_and_report

    return train_and_report(dataset, "dram", out)


if __name__ == "__main__":
    sys.exit(main())
