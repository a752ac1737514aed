"""``archgym list``: simulators, their Gymnasium ids and workloads, and agents."""

from __future__ import annotations

import argparse
from typing import Any

from archgym.commands.common import example_parser, print_json


def add_parser(sub: Any) -> None:
    p = example_parser(sub, "list", "list simulators, environment ids, workloads and agents", "archgym list --json")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=run)


def collect() -> dict[str, Any]:
    from archgym.agents import agent_class, list_agents
    from archgym.envs import env_ids
    from archgym.simulator import list_simulators, make_simulator, simulator_spec

    ids = env_ids()
    sims = []
    for name in list_simulators():
        spec = simulator_spec(name)
        entry: dict[str, Any] = {"name": name, "env_id": ids.get(name), "source": spec.source, "description": spec.description}
        try:
            sim = make_simulator(name)
            entry.update(version=sim.version, workloads=list(sim.workloads), metrics=list(sim.metric_names),
                         parameters=list(sim.design_space.names), design_space_size=sim.design_space.size)
        except Exception as exc:  # noqa: BLE001 - a broken plugin is listed, not fatal
            entry["error"] = f"{type(exc).__name__}: {exc}"
        sims.append(entry)
    agents = []
    for name in list_agents():
        try:
            cls = agent_class(name)
            agents.append({"name": name, "hyperparameters": {h.name: h.default for h in cls.hyperparameters}})
        except Exception as exc:  # noqa: BLE001 - optional dependency missing
            agents.append({"name": name, "error": f"{type(exc).__name__}: {exc}"})
    return {"simulators": sims, "agents": agents}


def run(args: argparse.Namespace) -> int:
    data = collect()
    if args.json:
        print_json(data)
        return 0
    print("simulators:")
    for s in data["simulators"]:
        if "error" in s:
            print(f"  {s['name']:<14} {s['env_id'] or '':<24} ERROR {s['error']}")
            continue
        size = s["design_space_size"]
        size_txt = f"{size:.3g} designs" if size else "continuous"
        print(f"  {s['name']:<14} {s['env_id']:<24} {s['description']}")
        w = s["workloads"]
        w_txt = ", ".join(w[:8]) + (f", … ({len(w)} in all; --json lists them)" if len(w) > 8 else "")
        print(f"  {'':<14} workloads: {w_txt}; {size_txt}")
        print(f"  {'':<14} metrics: {', '.join(s['metrics'])}")
    print("agents:")
    for a in data["agents"]:
        hp = ", ".join(f"{k}={v}" for k, v in a.get("hyperparameters", {}).items())
        print(f"  {a['name']:<14} {a.get('error', hp)}")
    return 0
