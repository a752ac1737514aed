"""Estimate the wall time of a full ``archgym bench run`` from measured per-call costs.

The full run (issue 16's target: < 2 h on 2 cores) is every task of a suite × every agent ×
``--seeds`` seeds. Its CPU time is the sum over trials of

    budget × (simulator seconds per call of the task's family)
      + the agent's own time for a run of that budget (proposal overhead: BO's grows with calls)
      + a per-trial cost of the sweep machinery (Ray trial start, dataset, completion record),

and its wall time on ``--cores`` cores, with trials packed ``--cores`` at a time, is about that
sum / cores (plus starting Ray once). The three parts are measured, not assumed:

* from the trial records of existing ``bench run`` folders (``--runs DIR ...``): per trial
  ``sim_s`` (simulator) and ``search_s − sim_s`` (the agent and the environment's own work:
  encoding, caching, logging every call to the dataset) — wall times, so on a loaded machine
  they overstate an idle one;
* ``--measure``: one direct search per (family's first task, agent) with the task's budget, in
  CPU time of this process (what an idle core would take); measured figures replace the runs';
* ``--sim-cost ENV=S`` for families too slow to measure here, ``--machinery-s`` for the sweep
  machinery's cost per trial.

Usage::

    .venv/bin/python benchmarks/bench_suite_time.py --suite v2 --runs out/bench-partial \\
        --agents random,ga,aco,bo,optuna-tpe,nevergrad-ngopt --seeds 5 --cores 2 --measure
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

from archgym.bench.suite import load_suite  # noqa: E402

#: simulator seconds per call of the families too slow to measure here: SCALE-Sim on AlexNet
#: ("more than 6½ CPU-minutes", README) and QNetSched (~0.2 s, docs/bench.md); --sim-cost overrides
DOCUMENTED_SIM_COST = {"archgym/ScaleSim-v0": 400.0, "archgym/QNetSched-v0": 0.2}
#: per-trial cost of the sweep machinery when no record says: deliberately above the 0.13 s
#: docs/sweep.md measured per trial with actor reuse (env and dataset set-up, Tune bookkeeping)
DEFAULT_MACHINERY_S = 2.0


def from_runs(dirs: list[str]) -> tuple[dict, dict, list[float]]:
    """``sim[(simulator)] = [s per call]``, ``agent[(simulator, agent, budget)] = [agent s per run]``, machinery s."""
    from archgym.sweep.store import read_records

    sim: dict = defaultdict(list)
    agent: dict = defaultdict(list)
    machinery: list[float] = []
    for d in dirs:
        meta = json.loads((Path(d) / "bench.json").read_text())
        for task_id, entry in meta["tasks"].items():
            simulator = entry["task"]["env"]
            for rec in read_records(Path(d) / "tasks" / task_id).values():
                calls = max(1, rec["result"]["calls"])
                sim[simulator].append(rec["sim_s"] / calls)
                agent[(simulator, rec["spec"]["agent"], entry["task"]["budget"])].append(max(0.0, rec["search_s"] - rec["sim_s"]))
                if "trial_s" in rec:
                    machinery.append(max(0.0, rec["trial_s"] - rec["search_s"]))
    return sim, agent, machinery


def measure(task, agent_name: str, budget: int) -> tuple[float, float]:
    """One search of ``budget`` calls: (simulator s per call, agent s for the run), in CPU time.

    CPU time of this (single-threaded: torch on one thread) process is what the search would
    take on an idle core, whatever the load of a shared machine; the simulator's share is split
    off in the proportion of the calls' wall times.
    """
    from archgym.agents import make_agent

    env = task.make_env()
    c0, t0 = time.process_time(), time.perf_counter()
    res = make_agent(agent_name).search(env, budget, seed=0)
    cpu, wall = time.process_time() - c0, time.perf_counter() - t0
    sim_share = min(1.0, sum(r.sim_wall_s for r in res.history) / max(wall, 1e-9))
    return cpu * sim_share / max(1, res.calls), cpu * (1 - sim_share)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--suite", help="suite (default: the newest)")
    ap.add_argument("--runs", nargs="*", default=[], help="bench run folders to take measured costs from")
    ap.add_argument("--agents", default="random,ga,aco,bo,optuna-tpe,nevergrad-ngopt")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--measure", action="store_true", help="measure what the runs do not cover")
    ap.add_argument("--measure-agents", help="agents to measure directly (default: every agent of --agents)")
    ap.add_argument("--agent-envs", default="archgym/DRAM-v0",
                    help="env ids whose first task the agents are measured on (default: DRAM; the rest reuse it)")
    ap.add_argument("--measure-envs", help="env ids to measure on (default: every env of the suite without --sim-cost)")
    ap.add_argument("--sim-cost", action="append", default=[], metavar="ENV=SECONDS",
                    help="simulator seconds per call of a family not measured here (e.g. a documented figure)")
    ap.add_argument("--agent-cost", action="append", default=[], metavar="AGENT=SECONDS",
                    help="an agent's own CPU seconds per 100-call run, for families where it was not measured "
                         "(e.g. from an earlier --measure)")
    ap.add_argument("--machinery-s", type=float, help="per-trial cost of the sweep machinery (default: from the "
                    f"records' trial_s when they hold it, else {DEFAULT_MACHINERY_S} s)")
    ap.add_argument("--json", help="write the table here")
    args = ap.parse_args(argv)
    if not args.runs:
        args.measure = True  # nothing to read: measure (what `make bench` runs)
    suite = load_suite(args.suite, check=False)
    agents = [a for a in args.agents.split(",") if a]
    sim, agent, machinery = from_runs(args.runs)
    task_sim: dict[str, float] = {}
    for item in args.agent_cost:
        name, _, sec = item.partition("=")
        agent[("*", name, 100)] = [float(sec)]
    given = {}
    for item in [f"{k}={v}" for k, v in DOCUMENTED_SIM_COST.items()] + list(args.sim_cost):
        env_id, _, sec = item.partition("=")
        given[env_id] = float(sec)
        sim[env_id] = [float(sec)]
    first = {}
    for t in suite.tasks:
        if t.env not in given and (not args.measure_envs or t.env in args.measure_envs.split(",")):
            first.setdefault(t.env, t)
    if args.measure:
        todo = [a for a in (args.measure_agents.split(",") if args.measure_agents else agents)]
        for env_id, t in first.items():
            if env_id not in args.agent_envs.split(","):
                continue
            for a in todo:
                per_call, own = measure(t, a, t.budget)
                print(f"# measured {t.id} {a}: {per_call * 1000:.2f} ms/call, agent {own:.2f} s/run (CPU)", flush=True)
                agent[(env_id, a, t.budget)] = [own]
        for t in suite.tasks:  # the simulator's cost differs by workload (DRAM's stream trace is longest)
            if t.env in first:
                per_call, _ = measure(t, "random", t.budget)
                print(f"# measured {t.id} random: {per_call * 1000:.2f} ms/call (CPU)", flush=True)
                task_sim[t.id] = per_call
    if args.machinery_s is not None:
        mach = args.machinery_s
    elif machinery:
        mach = statistics.median(machinery)
    else:
        mach = DEFAULT_MACHINERY_S
    rows = []
    total = 0.0
    for t in suite.tasks:
        if not sim.get(t.env) and t.id not in task_sim:
            print(f"# no simulator cost for {t.env}: use --measure")
            return 1
        per_call = task_sim[t.id] if t.id in task_sim else statistics.median(sim[t.env])
        for a in agents:
            # the agent's time at this budget: measured at it, else scaled linearly from the family's
            known = [(b, statistics.median(v)) for (e, ag, b), v in agent.items() if e == t.env and ag == a]
            if not known:
                known = [(b, statistics.median(v)) for (e, ag, b), v in agent.items() if ag == a]
            if not known:
                print(f"# no agent cost for {a}: use --measure")
                return 1
            b0, own0 = min(known, key=lambda x: abs(x[0] - t.budget))
            own = own0 * t.budget / b0
            trial = t.budget * per_call + own + mach
            total += trial * args.seeds
            rows.append({"task": t.id, "agent": a, "budget": t.budget, "sim_s": t.budget * per_call, "agent_s": own,
                         "machinery_s": mach, "trial_s": trial, "cpu_s": trial * args.seeds})
    by_family: dict = defaultdict(float)
    by_agent: dict = defaultdict(float)
    for r in rows:
        by_family[suite.task(r["task"]).env] += r["cpu_s"]
        by_agent[r["agent"]] += r["cpu_s"]
    print(f"suite v{suite.version}: {len(suite.tasks)} tasks x {len(agents)} agents x {args.seeds} seeds = "
          f"{len(rows) * args.seeds} trials; machinery {mach:.2f} s/trial")
    print("CPU time by family:")
    for k, v in sorted(by_family.items(), key=lambda x: -x[1]):
        per = [task_sim[t.id] for t in suite.tasks if t.env == k and t.id in task_sim] or sim[k]
        print(f"  {k:24} {v / 60:8.1f} min  (sim {min(per) * 1000:.1f}-{max(per) * 1000:.1f} ms/call)")
    print("CPU time by agent:")
    for k, v in sorted(by_agent.items(), key=lambda x: -x[1]):
        print(f"  {k:24} {v / 60:8.1f} min")
    print(f"total CPU {total / 3600:.2f} h; wall on {args.cores} cores ~ {total / args.cores / 3600:.2f} h")
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": rows, "total_cpu_s": total, "cores": args.cores}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
