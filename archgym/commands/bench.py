"""``archgym bench``: the versioned task suite, reference bests, runs and the leaderboard."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from archgym.commands.common import example_parser, print_json


def add_parser(sub: Any) -> None:
    p = example_parser(
        sub,
        "bench",
        "ArchGym-Bench: named tasks, reference bests, equal-budget runs and a leaderboard",
        "archgym bench run --suite v1 --agents random,ga,bo --seeds 5 --out out/bench",
        "Subcommands: `tasks` lists a suite; `refs --task T` recomputes a task's reference best;\n"
        "`run` runs agents x seeds on every task on Ray Tune (resumable); `leaderboard DIR` writes\n"
        "Markdown and HTML tables and regret-vs-budget plots. See docs/bench.md.",
    )
    bsub = p.add_subparsers(dest="bench_command", metavar="SUBCOMMAND", required=True)

    t = example_parser(bsub, "tasks", "list a suite's tasks and their references", "archgym bench tasks --suite v1")
    t.add_argument("--suite", default=None, help="suite name (v1 ... v4; default: the newest) or YAML file")
    t.add_argument("--json", action="store_true", help="print JSON")
    t.set_defaults(func=run_tasks)

    r = example_parser(
        bsub, "refs", "recompute a task's reference best", "archgym bench refs --task dnnmap-resnet18-conv2-latency --write",
        "Exhaustive enumeration where the task says so (small spaces), otherwise a random search of\n"
        "--designs designs; --method agents adds the best of long agent runs (--agents ga,aco\n"
        "--budget N --seeds K) to the task's stored record. Progress is checkpointed after every\n"
        "chunk or agent run (default under $ARCHGYM_CACHE_DIR/bench-refs/), so the same command\n"
        "after a kill resumes. Prints the record; --write stores it in the suite's refs file.\n"
        "--tasks a,b (or --all) computes several tasks; tasks on the same simulator and workload\n"
        "(e.g. dram-cloud1-latency,dram-cloud1-mo) share one search: each design is simulated\n"
        "once and scored by every task's objective.",
    )
    r.add_argument("--suite", default=None, help="suite name (v1 ... v4; default: the newest) or YAML file")
    which = r.add_mutually_exclusive_group(required=True)
    which.add_argument("--task", help="task id (see `archgym bench tasks`)")
    which.add_argument("--tasks", help="comma-separated task ids: tasks on one workload share one search "
                       "(each design simulated once, scored for each)")
    which.add_argument("--all", action="store_true", help="every task of the suite, one search per workload")
    r.add_argument("--method", choices=("exhaustive", "random", "agents", "designs"), help="override the task's ref_method")
    r.add_argument("--designs", type=int, default=100_000, help="random designs (random method)")
    r.add_argument("--seed", type=int, default=0, help="seed of the random designs; first seed of the agent runs")
    r.add_argument("--agents", help="comma-separated agents (agents method)")
    r.add_argument("--budget", type=int, help="calls per agent run (agents method; default 10 x the task's budget)")
    r.add_argument("--seeds", type=int, default=1, help="runs per agent (agents method)")
    r.add_argument("--designs-file", help="designs method: a JSON file with a list of designs to evaluate (added to the record)")
    r.add_argument("--note", default="", help="designs method: why these designs (stored with the record)")
    r.add_argument("--chunk", type=int, default=10_000, help="designs per checkpointed chunk (random method)")
    r.add_argument("--checkpoint", help="progress file (default: under the cache dir; 'none' for none)")
    r.add_argument("--write", nargs="?", const="", default=None, metavar="PATH",
                   help="store the record (default path: the suite's v<N>.refs.yaml)")
    r.add_argument("--no-progress", action="store_true", help="no progress bar")
    r.set_defaults(func=run_refs)

    b = example_parser(
        bsub, "run", "run agents x seeds on every task (Ray Tune; resumable)",
        "archgym bench run --suite v1 --agents random,ga,aco,bo,optuna-tpe,nevergrad-ngopt --seeds 5 --out out/bench",
        "One sweep per task in OUT/tasks/<task>/ (every call logged to its dataset). After a kill, the\n"
        "same command with --resume finishes the run without losing or repeating a row.",
    )
    b.add_argument("--suite", default=None, help="suite name (v1 ... v4; default: the newest) or YAML file")
    b.add_argument("--agents", required=True, help="comma-separated agent names (default hyper-parameters)")
    b.add_argument("--agent-param", "-p", action="extend", nargs="+", default=[], metavar="AGENT.KEY=VALUE",
                   help="a hyper-parameter that differs from the agent's default, e.g. ga.mutation_rate=0.1")
    b.add_argument("--seeds", default="5", help="seeds per agent and task: N (0..N-1), A-B (A..B) or a list 1,4,7")
    b.add_argument("--out", "-o", required=True, help="benchmark folder (new, or the run's own with --resume)")
    b.add_argument("--tasks", help="comma-separated task ids (default: all)")
    b.add_argument("--resume", action="store_true", help="finish the run in --out")
    b.add_argument("--address", help="join this Ray cluster (HOST:PORT or 'auto') instead of a local Ray")
    b.add_argument("--max-concurrent", type=int, help="trials at once (default: all CPUs)")
    b.add_argument("--no-progress", action="store_true", help="no progress bars")
    b.set_defaults(func=run_run)

    lb = example_parser(
        bsub, "leaderboard", "Markdown/HTML leaderboard and regret plots of a bench run",
        "archgym bench leaderboard out/bench --dest docs/",
    )
    lb.add_argument("dir", nargs="+", help="the folder of `archgym bench run`, or several runs of one suite "
                    "(e.g. seeds 0-4 and seeds 5-9) to score together")
    lb.add_argument("--agents", help="comma-separated agents to score (default: every agent of the run)")
    lb.add_argument("--supersede", action="store_true", help="an agent and seed run in several folders is taken from "
                    "the last folder listed (a rerun after a fix); the page lists each replacement")
    lb.add_argument("--seeds", help="score only these seeds: N (0..N-1), A-B or a list such as 1,4,7 (default: all)")
    lb.add_argument("--dest", help="where to write leaderboard.md/.html and plots/ (default: DIR/leaderboard)")
    lb.add_argument("--refs", help="refs file to use instead of the references stored with the run")
    lb.add_argument("--baseline-agent", default="random", help="agent the paired tests compare against")
    lb.add_argument("--alpha", type=float, default=0.05, help="significance level of the paired test")
    lb.add_argument("--command", default="", help="the command that made the run (printed in the page)")
    lb.add_argument("--no-plots", action="store_true", help="no regret plots")
    lb.set_defaults(func=run_leaderboard)


def run_tasks(args: argparse.Namespace) -> int:
    from archgym.bench.suite import load_suite

    suite = load_suite(args.suite, check=False)
    refs = suite.refs()
    if args.json:
        print_json({"version": suite.version, "tasks": [dict(t.to_json(), reference=refs.get(t.id)) for t in suite.tasks]})
        return 0
    print(f"suite v{suite.version}: {len(suite.tasks)} tasks")
    for t in suite.tasks:
        ref = refs.get(t.id)
        how = "no reference yet" if ref is None else (
            f"ref {ref['best']:.6g} (baseline {ref['baseline']:.6g}; {ref['method']}, {ref['designs']} designs"
            + (", provisional)" if ref.get("provisional") else ")")
        )
        print(f"  {t.id:36} {t.env:22} {t.workload:24} budget {t.budget:4}  {how}")
    return 0


def run_refs(args: argparse.Namespace) -> int:
    from archgym.bench.refs import compute_references, group_by_workload
    from archgym.bench.suite import load_suite

    suite = load_suite(args.suite, check=False)
    if args.all:
        tasks = list(suite.tasks)
    else:
        ids = _names(args.task if args.task is not None else args.tasks)
        if not ids:
            raise SystemExit("archgym bench refs: --tasks needs at least one task id, e.g. --tasks dram-cloud1-latency,dram-cloud1-mo")
        tasks = [suite.task(i) for i in ids]  # an unknown id: ConfigError listing the suite's tasks
    groups: list[list[Any]] = []
    for group in group_by_workload(tasks):
        methods: dict[str, list[Any]] = {}
        for t in group:
            methods.setdefault(args.method or t.ref_method, []).append(t)
        for method, same in methods.items():  # agent runs follow one objective: one task at a time
            groups += [[t] for t in same] if method == "agents" else [same]
    path = (args.write or suite.refs_path) if args.write is not None else None
    records: dict[str, Any] = {}
    for group in groups:
        method = args.method or group[0].ref_method
        ckpts = {t.id: _checkpoint(args, suite.version, t.id, method) for t in group}
        found = compute_references(group, method, designs=args.designs, seed=args.seed, progress=not args.no_progress,
                                   agents=_names(args.agents), budget=args.budget, seeds=args.seeds,
                                   checkpoints={k: v for k, v in ckpts.items() if v is not None}, chunk=args.chunk,
                                   design_list=_design_list(args.designs_file) if method == "designs" else (), note=args.note)
        for task_id, record in found.items():
            records[task_id] = _store(record, task_id, method, path, suite)
    print_json(records)
    return 0


def _checkpoint(args: argparse.Namespace, version: int, task_id: str, method: str) -> Path | None:
    """The task's checkpoint file: ``--checkpoint`` (one task only), or under the cache dir."""
    if args.checkpoint is not None:
        if str(args.checkpoint) == "none":
            return None
        if args.all or len(_names(args.tasks)) > 1:
            raise SystemExit("archgym bench refs: --checkpoint PATH takes one task; with --tasks/--all the checkpoints "
                             "go under $ARCHGYM_CACHE_DIR/bench-refs/ (or --checkpoint none)")
        return Path(args.checkpoint)
    from archgym.baseline_cache import cache_dir

    what = method if method != "agents" else f"agents-{'+'.join(_names(args.agents))}-b{args.budget}-k{args.seeds}"
    return cache_dir() / "bench-refs" / f"v{version}-{task_id}-{what}-s{args.seed}.json"


def _store(record: dict[str, Any], task_id: str, method: str, path: Any, suite: Any) -> dict[str, Any]:
    """Merge ``record`` with the task's stored one (agent runs add to it; a search replaces the
    searches it repeats and keeps the rest) and write it when ``path`` is given."""
    from archgym.bench.refs import merge_records, supersede, write_reference
    from archgym.bench.suite import read_refs

    stored = read_refs(path).get("tasks", {}) if path and Path(path).is_file() else {}
    old = stored.get(task_id) or suite.refs().get(task_id)  # a task new to PATH: the suite's record
    if old is not None:
        record = merge_records(old, record) if method in ("agents", "designs") else supersede(old, record)
    if path is not None:
        write_reference(path, suite.version, task_id, record)
        print(f"# {task_id} written to {path}")
    return record


def _design_list(path: str | None) -> list[dict[str, Any]]:
    import json

    if not path:
        raise SystemExit("archgym bench refs: --method designs needs --designs-file FILE (a JSON list of designs)")
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise SystemExit(f"archgym bench refs: --designs-file {path}: not a readable JSON file ({exc})") from None
    if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
        raise SystemExit(f"archgym bench refs: --designs-file {path} must hold a JSON list of designs ({{parameter: value}})")
    return data


def _names(text: str | None) -> list[str]:
    return [x.strip() for x in (text or "").split(",") if x.strip()]


def run_run(args: argparse.Namespace) -> int:
    from archgym.bench.run import parse_agent_params, parse_seeds, run_bench

    res = run_bench(args.suite, _names(args.agents), parse_seeds(args.seeds), args.out, tasks=_names(args.tasks) or None,
                    resume=args.resume, address=args.address, max_concurrent=args.max_concurrent, progress=not args.no_progress,
                    agent_params=parse_agent_params(args.agent_param))
    for task_id, r in res.tasks.items():
        print(f"{task_id:36} {r['complete']}/{r['total']} runs complete ({r['ran']} this call)")
        for key, err in sorted(r["failed"].items()):
            print(f"  FAILED {key}: {err}")
    print(f"bench run in {res.wall_s:.0f} s; leaderboard: archgym bench leaderboard {res.out_dir}")
    return 1 if res.failed else 0


def run_leaderboard(args: argparse.Namespace) -> int:
    from archgym.bench.leaderboard import build_leaderboard, write_leaderboard
    from archgym.bench.run import parse_seeds, seed_list

    lb = build_leaderboard(args.dir, refs=args.refs, baseline_agent=args.baseline_agent, alpha=args.alpha,
                           agents=_names(args.agents) or None, supersede=args.supersede,
                           seeds=seed_list(parse_seeds(args.seeds)) if args.seeds else None)
    dest = Path(args.dest) if args.dest else Path(args.dir[0]) / "leaderboard"
    paths = write_leaderboard(lb, dest, command=args.command, plots=not args.no_plots)
    print(paths["md"].read_text())
    print(f"# written: {paths['md']}, {paths['html']}")
    return 0
