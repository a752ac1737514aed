"""``archgym run``: one search of one agent on one environment."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from archgym.commands.common import example_parser
from archgym.errors import ConfigError


def add_parser(sub: Any) -> None:
    p = example_parser(
        sub,
        "run",
        "run one agent on one environment and log every simulator call",
        "archgym run --env archgym/DRAM-v0 --agent ga --budget 100 --seed 0 --agent-param population=16 --out out/run1",
        "Run one search for BUDGET unique simulator calls (cache hits are free). Writes OUT/dataset "
        "(Parquet, one row per call), OUT/summary.json (best design and metrics, calls, wall time, "
        "best-so-far curve) and OUT/convergence.png. Agents: see `archgym list`.\n\n"
        "Ctrl-C or SIGTERM stops the run, keeps every completed row, marks summary.json interrupted and exits\n"
        "130 (143 for SIGTERM). Rows are published every --publish-every seconds, so even kill -9 loses\n"
        "little; `archgym run --resume --out OUT` continues the run (the agent re-walks the logged steps\n"
        "without simulator calls, so a deterministic agent ends as an uninterrupted run would).\n\n"
        "Multi-fidelity (docs/multifidelity.md): --fidelity TIER runs the env at one tier of its simulator's\n"
        "family (e.g. --env dram --fidelity proxy --tier-option proxy_model=models/dram); a -MF- id\n"
        "(archgym/DRAM-MF-v0, archgym/DNNAccel-MF-v0, archgym/QNetSched-MF-v0) lets the agent pick the tier\n"
        "per call, e.g. --agent mf-sh --budget-cost 400. summary.json reports calls, cost units and\n"
        "simulator seconds per tier and in total.",
    )
    p.add_argument("--env", "-e", help="Gymnasium id (archgym/DRAM-v0) or simulator name (dram)")
    p.add_argument("--agent", "-a", help="agent name: random, ga, aco, bo, ppo, a2c, dqn, ...")
    p.add_argument("--budget", "-b", type=int, help="unique simulator calls to spend (>= 1; at the top tier of a -MF- env)")
    p.add_argument("--budget-cost", type=float, metavar="UNITS",
                   help="cost units to spend (a tier's declared cost per call; with or instead of --budget)")
    p.add_argument("--fidelity", metavar="TIER", help="run the env at this fidelity tier of its simulator's family (e.g. proxy, cycle)")
    p.add_argument("--tier-option", action="extend", nargs="+", default=[], metavar="KEY=VALUE",
                   help="option of the family's tiers, e.g. proxy_model=models/dram")
    p.add_argument("--seed", type=int, help="random seed (default 0)")
    p.add_argument("--workload", "-w", help="workload (default: the simulator's first)")
    p.add_argument(
        "--objective",
        help="objective kind (target, weighted, multi) or JSON, e.g. '{\"kind\": \"multi\", \"metrics\": [\"power_mw\", \"latency_ns\"]}'",
    )
    p.add_argument(
        "--agent-param", "-p", action="extend", nargs="+", default=[], metavar="KEY=VALUE", help="agent hyper-parameter"
    )
    p.add_argument("--out", "-o", required=True, help="output folder (new or empty, unless --resume or --overwrite)")
    p.add_argument("--resume", action="store_true",
                   help="continue the interrupted or killed run in --out (its settings come from OUT/run.json)")
    p.add_argument("--overwrite", action="store_true", help="replace the run in --out")
    p.add_argument("--publish-every", type=float, default=2.0, metavar="SECONDS",
                   help="publish logged rows at least this often, so a kill loses at most this much (default 2)")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.set_defaults(func=run)


def parse_params(items: list[str], flag: str = "--agent-param") -> dict[str, str]:
    """``["k=v", ...]`` -> ``{"k": "v"}``; raises :class:`ConfigError` on a malformed item."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"malformed {flag} {item!r}: expected KEY=VALUE")
        if key.strip() in out:
            raise ConfigError(f"{flag} {key.strip()!r} given twice ({out[key.strip()]!r} and {value.strip()!r}); give each once")
        out[key.strip()] = value.strip()
    return out


def run(args: argparse.Namespace) -> int:
    from archgym.interrupts import exit_code, sigterm_as_interrupt
    from archgym.runner import RunInterrupted, run_search

    if args.publish_every is not None and not args.publish_every > 0:
        raise ConfigError(f"--publish-every must be > 0 seconds, got {args.publish_every}")
    try:
        with sigterm_as_interrupt():
            result = run_search(
                args.env,
                args.agent,
                args.budget,
                args.seed,
                args.out,
                workload=args.workload,
                objective=args.objective,
                agent_params=parse_params(args.agent_param),
                progress=not args.no_progress,
                resume=args.resume,
                overwrite=args.overwrite,
                publish_every_s=args.publish_every,
                fidelity=args.fidelity,
                budget_cost=args.budget_cost,
                tier_options=parse_params(args.tier_option, "--tier-option"),
            )
    except RunInterrupted as exc:
        s = exc.summary
        print(f"archgym: run interrupted ({exc}) after {s.get('calls', 0)} of {s.get('budget')} simulator calls; "
              f"{s.get('steps', 0)} steps saved in {args.out}/dataset", file=sys.stderr)
        print(f"archgym: resume with: {exc.resume_command}", file=sys.stderr)
        return exit_code(exc)
    print(f"best reward {result.best_reward:.6g} after {result.calls} simulator calls ({result.wall_s:.1f} s)")
    led = result.ledger
    if led and (len(led["tiers"]) > 1 or args.budget_cost is not None):
        tiers = ", ".join(f"{t} {v['calls']} calls / {v['cost']:.6g} units" for t, v in led["tiers"].items())
        print(f"cost {led['total_cost']:.6g} units ({tiers}); simulator time {led['total_sim_s']:.2f} s")
    print(f"best design {result.best_design}")
    print(f"wrote {args.out}/summary.json, {args.out}/convergence.png, {args.out}/dataset")
    return 0
