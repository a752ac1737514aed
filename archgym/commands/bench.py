"""``archgym bench``: the versioned task suite, reference bests, runs and the leaderboard."""

from __future__ import annotations

import argparse
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
    t.add_argument("--suite", default="v1", help="suite name (v1) or YAML file")
    t.add_argument("--json", action="store_true", help="print JSON")
    t.set_defaults(func=run_tasks)

    r = example_parser(
        bsub, "refs", "recompute a task's reference best", "archgym bench refs --task dnnmap-resnet18-conv2-latency --write",
        "Exhaustive enumeration where the task says so (small spaces), otherwise a random search of\n"
        "--designs designs. Prints the record; --write stores it in the suite's refs file.",
    )
    r.add_argument("--suite", default="v1", help="suite name (v1) or YAML file")
    r.add_argument("--task", required=True, help="task id (see `archgym bench tasks`)")
    r.add_argument("--method", choices=("exhaustive", "random"), help="override the task's ref_method")
    r.add_argument("--designs", type=int, default=100_000, help="random designs (random method)")
    r.add_argument("--seed", type=int, default=0, help="seed of the random designs")
    r.add_argument("--write", nargs="?", const="", default=None, metavar="PATH",
                   help="store the record (default path: the suite's v<N>.refs.json)")
    r.add_argument("--no-progress", action="store_true", help="no progress bar")
    r.set_defaults(func=run_refs)


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
    from archgym.bench.refs import compute_reference, write_reference
    from archgym.bench.suite import load_suite

    suite = load_suite(args.suite, check=False)
    task = suite.task(args.task)
    record = compute_reference(task, args.method, designs=args.designs, seed=args.seed, progress=not args.no_progress)
    print_json({task.id: record})
    if args.write is not None:
        path = args.write or suite.refs_path
        write_reference(path, suite.version, task.id, record)
        print(f"# written to {path}")
    return 0
