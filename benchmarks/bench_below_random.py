"""Per agent: on how many tasks its median normalised regret is below random's (issue 16's BO/GA target).

Scores one or several ``bench run`` folders as ``archgym bench leaderboard`` does (runs of one
suite pooled), then prints per agent the tasks where its median final regret is below, equal to
or above the ``random`` agent's, its paired-test win/tie/loss, and every agent's median on the
DRAM tasks (the "GA beats random on every DRAM task" target).

Usage::

    .venv/bin/python benchmarks/bench_below_random.py out/bench-v4 out/bench-v4-qsym out/bench-v4-qh \\
        out/bench-v4-s5to9 out/bench-v4-qh-s5to9 --agents random,ga,bo --skip scalesim-bert-scores-latency \\
        --refs archgym/bench/suites/v4.refs.yaml

``--bootstrap 2000`` adds how firmly each count stands: per task, the share of seed resamples
(paired, with replacement) in which the agent's median is still below random's.

A rerun of an agent after a fix (e.g. ``out/ga-s0to9``, every GA seed again) is listed last
with ``--supersede``: its runs replace the earlier folders' runs of the same agent and seed.
"""

from __future__ import annotations

import argparse

import numpy as np

from archgym.bench.leaderboard import build_leaderboard
from archgym.bench.run import parse_seeds, seed_list


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("dirs", nargs="+", help="bench run folders of one suite")
    p.add_argument("--agents", help="comma-separated agents (default: all; random must be among them)")
    p.add_argument("--skip", default="", help="comma-separated task ids left out of the counts")
    p.add_argument("--refs", help="refs file instead of the references stored with the runs")
    p.add_argument("--supersede", action="store_true", help="a run in several folders is taken from the last one listed")
    p.add_argument("--seeds", help="only these seeds: N, A-B or a list (default: all)")
    p.add_argument("--bootstrap", type=int, default=0, help="also resample the seeds this many times (seeded) and "
                   "print per task how often the agent's median stays below random's")
    a = p.parse_args()
    lb = build_leaderboard(a.dirs, refs=a.refs, agents=a.agents.split(",") if a.agents else None, supersede=a.supersede,
                           seeds=seed_list(parse_seeds(a.seeds)) if a.seeds else None)
    for line in lb.replaced:
        print("replaced:", line)
    skip = {t for t in a.skip.split(",") if t}
    rows = {t: {r["agent"]: r for r in b.rows} for t, b in lb.tasks.items() if t not in skip}
    for agent in sorted({x for r in rows.values() for x in r} - {"random"}):
        mine = {t: r for t, r in rows.items() if agent in r}
        below = [t for t, r in mine.items() if r[agent]["regret"] < r["random"]["regret"]]
        equal = [t for t, r in mine.items() if r[agent]["regret"] == r["random"]["regret"]]
        above = [t for t in mine if t not in below and t not in equal]
        wtl = [r[agent].get("vs_baseline") for r in mine.values()]
        print(f"{agent}: below random on {len(below)}/{len(mine)} tasks ({100 * len(below) / len(mine):.0f} %); "
              f"equal on {equal}; above on {above}; paired win/tie/loss "
              f"{wtl.count('win')}/{wtl.count('tie')}/{wtl.count('loss')}")
    if a.bootstrap:
        # how firmly each count stands: resample the seeds (paired, with replacement) and count how
        # often the agent's median is still below random's; the sum over tasks is the expected count
        rng = np.random.default_rng(0)
        for agent in sorted({x for r in rows.values() for x in r} - {"random"}):
            probs = {}
            for t in rows:
                runs = lb.tasks[t].runs
                mine = {r["seed"]: r["regret@100"] for r in runs if r["agent"] == agent}
                base = {r["seed"]: r["regret@100"] for r in runs if r["agent"] == "random"}
                seeds = sorted(set(mine) & set(base))
                if not seeds:
                    continue
                x, y = np.array([mine[s] for s in seeds]), np.array([base[s] for s in seeds])
                idx = rng.integers(0, len(seeds), size=(a.bootstrap, len(seeds)))
                probs[t] = float(np.mean(np.median(x[idx], axis=1) < np.median(y[idx], axis=1)))
            firm = sum(p >= 0.9 for p in probs.values())
            print(f"{agent}: expected count over {a.bootstrap} seed resamples {sum(probs.values()):.1f}/{len(probs)}; "
                  f"below in >= 90 % of resamples on {firm}; per task: "
                  + ", ".join(f"{t} {p:.2f}" for t, p in probs.items()))
    for t, r in rows.items():
        if t.startswith("dram-"):
            print(f"  {t:24} " + "  ".join(f"{x} {r[x]['regret']:.4g} ({r[x]['seeds']} seeds)" for x in sorted(r)))


if __name__ == "__main__":
    main()
