"""The main job on the embedded default (``make demo``).

A search on the memory-controller environment, logged into a Parquet dataset under ``--out``.
(Grows into sweep → report → proxy as those pieces land.)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m archgym.demo", description=__doc__)
    parser.add_argument("--out", default="demo-out", help="output folder")
    parser.add_argument("--budget", type=int, default=60, help="simulator calls")
    args = parser.parse_args(argv)
    out = Path(args.out).resolve()

    import gymnasium as gym

    import archgym  # noqa: F401
    from archgym.agents import make_agent
    from archgym.datasets import info

    env = gym.make("archgym/DRAM-v0", workload="stream", dataset=out / "dataset")
    result = make_agent("random").search(env, budget=args.budget, seed=0)
    env.close()
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.json").write_text(result.to_json())
    print(json.dumps({"best_reward": result.best_reward, "best_design": result.best_design}, indent=2))
    print(f"dataset: {out / 'dataset'} ({info(out / 'dataset')['rows']} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
