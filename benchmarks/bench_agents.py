"""Agent figures: search quality on every registered fast env, and agent overhead per proposal.

1. Quality: for each env, agent and seed, one search of ``--budget`` unique simulator calls.
   Prints the median best reward per agent, and the calls each agent needs to reach the random
   walk's final best of the same seed (median over the seeds that reached it; ``k/n`` says how
   many did). Goals (issue 7): BO and GA beat random on every env; BO reaches random's final
   best in at most half the calls.
2. Overhead: time an agent spends per proposal outside the simulator, with 50 and 200
   observations told (ask + tell, averaged over a few rounds); RL agents: search wall time
   minus simulator time, per environment step. Targets: <= 2 s for BO at 200, <= 1 ms for
   GA/ACO/random.

Usage::

    .venv/bin/python benchmarks/bench_agents.py                       # everything (long)
    .venv/bin/python benchmarks/bench_agents.py --envs archgym/DRAM-v0 --seeds 3 --agents random ga bo
    .venv/bin/python benchmarks/bench_agents.py --skip-quality        # overhead only

Torch runs on one thread (the agents' default).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

import gymnasium as gym  # noqa: E402
import numpy as np  # noqa: E402

import archgym  # noqa: E402
from archgym.agents import list_agents, make_agent  # noqa: E402
from archgym.envs import env_ids  # noqa: E402
from archgym.simulator import simulator_spec  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _register_roofline() -> None:
    """The example plugin's roofline model, as in the tests (when not installed)."""
    if "roofline" in archgym.list_simulators():
        return
    import importlib.util

    path = ROOT / "examples" / "custom_simulator" / "archgym_roofline" / "simulator.py"
    if path.exists():
        spec = importlib.util.spec_from_file_location("archgym_roofline_bench", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        archgym.register_simulator("roofline", module.VectorRoofline)


def fast_envs() -> list[str]:
    out = []
    for name, env_id in env_ids().items():
        try:
            if getattr(simulator_spec(name).load_factory(), "fast", True):
                out.append(env_id)
        except Exception as exc:  # noqa: BLE001
            print(f"# skipping {env_id}: cannot load ({exc})")
    return out


def quality(envs: list[str], agents: list[str], seeds: int, budget: int) -> dict:
    table: dict = {}
    for env_id in envs:
        runs: dict[str, list] = {}
        for agent in agents:
            runs[agent] = []
            for seed in range(seeds):
                env = gym.make(env_id)
                t0 = time.perf_counter()
                res = make_agent(agent).search(env, budget, seed=seed)
                wall = time.perf_counter() - t0
                sim = sum(r.sim_wall_s for r in res.history)
                runs[agent].append((res, wall, sim))
                env.close()
            print(f"#   {env_id} {agent}: done ({statistics.median(w for _, w, _ in runs[agent]):.1f} s median per run)", flush=True)
        rows = {}
        ref = [r.best_reward for r, _, _ in runs.get("random", [])]
        for agent, rs in runs.items():
            best = [r.best_reward for r, _, _ in rs]
            reach = []
            if ref:
                for (r, _, _), target in zip(rs, ref):
                    reach.append(r.calls_to_reach(target))
            hit = [c for c in reach if c is not None]
            # a seed that never reached random's best counts as "more than the budget"
            med = float(np.median([c if c is not None else np.inf for c in reach])) if reach else None
            rows[agent] = {
                "median_best": float(np.median(best)),
                "best": best,
                "calls_to_random_best": reach,
                "median_calls_to_random_best": None if med is None or not np.isfinite(med) else med,
                "reached": f"{len(hit)}/{len(reach)}",
                "median_wall_s": statistics.median(w for _, w, _ in rs),
                "median_agent_s": statistics.median(w - s for _, w, s in rs),
            }
        table[env_id] = rows
        print(f"\n## {env_id}: budget {budget}, seeds 0..{seeds - 1}")
        print(f"{'agent':8} {'median best reward':>20} {'calls to random best':>22} {'reached':>8} {'wall s':>8} {'agent s':>8}")
        for agent, row in rows.items():
            calls = f">{budget}" if row["median_calls_to_random_best"] is None else f"{row['median_calls_to_random_best']:.0f}"
            print(
                f"{agent:8} {row['median_best']:>20.6g} {calls:>22} {row['reached']:>8} "
                f"{row['median_wall_s']:>8.1f} {row['median_agent_s']:>8.1f}"
            )
        if "random" in rows:
            for agent in ("bo", "ga"):
                if agent in rows:
                    beats = rows[agent]["median_best"] > rows["random"]["median_best"]
                    print(f"goal: {agent} median best > random's: {'yes' if beats else 'NO'}")
            if "bo" in rows:
                med = rows["bo"]["median_calls_to_random_best"]
                half = med is not None and med <= budget / 2
                print(f"goal: bo reaches random's final best in <= {budget // 2} calls (median): {'yes' if half else 'NO'}")
        sys.stdout.flush()
    return table


def _observations(env_id: str, n: int, seed: int = 123) -> tuple:
    """An env and ``n`` evaluation records of random designs (to tell an agent)."""
    env = gym.make(env_id)
    base = env.unwrapped
    rng = np.random.default_rng(seed)
    records, seen = [], set()
    while len(records) < n:
        d = base.space.sample(rng, 1)[0]
        key = tuple(d.values())
        if key in seen:
            continue
        seen.add(key)
        records.append(base.evaluate_design(d))
    return env, records


def overhead(env_id: str, agents: list[str], points: tuple[int, ...] = (50, 200), rounds: int = 5) -> dict:
    out: dict = {}
    env, pool = _observations(env_id, max(points) + 50)
    base = env.unwrapped
    print(f"\n## agent overhead per proposal on {env_id} (simulation excluded)")
    print(f"{'agent':8} " + " ".join(f"{'at ' + str(p) + ' obs':>14}" for p in points))
    for agent in agents:
        cls = make_agent(agent)
        if agent in ("ppo", "a2c", "dqn"):
            e = gym.make(env_id)
            t0 = time.perf_counter()
            res = cls.search(e, max(points), seed=0)
            wall = time.perf_counter() - t0
            per = (wall - sum(r.sim_wall_s for r in res.history)) / len(res.history)
            out[agent] = {"per_step_s": per, "steps": len(res.history)}
            print(f"{agent:8} {per * 1e3:>11.2f} ms per env step over a {max(points)}-call search ({len(res.history)} steps)")
            continue
        times = {}
        for p in points:
            a = make_agent(agent)
            a.setup(base.space, np.random.default_rng(0), base.objective.n_objectives)
            if agent == "bo":  # skip the Sobol phase: the point is the model's cost
                a._init = []
            a.tell(pool[:p])
            spent, proposals = 0.0, 0
            for _ in range(rounds if agent != "bo" else 3):
                t0 = time.perf_counter()
                designs = a.ask(a.batch_size())
                t1 = time.perf_counter()
                recs = [base.evaluate_design(d) for d in designs]
                t2 = time.perf_counter()
                a.tell(recs)
                spent += (t1 - t0) + (time.perf_counter() - t2)
                proposals += len(designs)
            times[p] = spent / max(proposals, 1)
        out[agent] = {str(p): t for p, t in times.items()}
        print(f"{agent:8} " + " ".join(f"{times[p] * 1e3:>11.3f} ms" for p in points))
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--envs", nargs="+", help="env ids (default: every registered fast env)")
    p.add_argument("--agents", nargs="+", help="agents (default: every registered agent)")
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--budget", type=int, default=100)
    p.add_argument("--overhead-env", default="archgym/DRAM-v0", help="env for the overhead figures")
    p.add_argument("--skip-quality", action="store_true")
    p.add_argument("--skip-overhead", action="store_true")
    p.add_argument("--json", help="write the figures to this JSON file")
    args = p.parse_args()
    logging.basicConfig(level=logging.WARNING)
    warnings.filterwarnings("ignore")
    _register_roofline()
    envs = args.envs or fast_envs()
    agents = args.agents or list_agents()
    if "random" not in agents:
        agents = ["random", *agents]
    print(f"# bench_agents: envs {envs}, agents {agents}, budget {args.budget}, seeds {args.seeds}, cpus {os.cpu_count()}")
    print(f"# load average at start: {os.getloadavg()}")
    result: dict = {"budget": args.budget, "seeds": args.seeds}
    t0 = time.perf_counter()
    if not args.skip_quality:
        result["quality"] = quality(envs, agents, args.seeds, args.budget)
    if not args.skip_overhead:
        env_for = args.overhead_env if args.overhead_env in env_ids().values() else envs[0]
        result["overhead"] = overhead(env_for, agents)
    print(f"\n# total {time.perf_counter() - t0:.0f} s; load average at end: {os.getloadavg()}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
