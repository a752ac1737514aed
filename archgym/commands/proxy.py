"""``archgym proxy``: train, evaluate and register proxy cost models."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from archgym.commands.common import example_parser, print_json
from archgym.errors import ConfigError


def add_parser(sub: Any) -> None:
    p = example_parser(
        sub, "proxy", "train and evaluate proxy cost models",
        "archgym proxy train --dataset out/sweep/dataset --simulator dram --out out/proxy-dram",
    )
    psub = p.add_subparsers(dest="proxy_command", metavar="ACTION")

    t = example_parser(
        psub, "train", "train a proxy (one model per metric, chosen by cross-validation) and write its report",
        "archgym proxy train --dataset out/sweep/dataset --simulator dram --out out/proxy-dram --models rf,et,hgb",
    )
    t.add_argument("--dataset", required=True, help="ArchGym dataset folder")
    t.add_argument("--simulator", required=True, help="whose rows to learn (registry name)")
    t.add_argument("--out", required=True, help="model directory to write (card.json, models.skops, report files)")
    t.add_argument("--models", default="rf,et,hgb,knn,gp,mlp", help="candidates, comma-separated (default: all six)")
    t.add_argument("--log-target", action="store_true", help="fit ln(metric) instead of the metric")
    t.add_argument("--per-workload", action="store_true", help="one model per workload instead of the workload as a feature")
    t.add_argument("--version", default=None, help="simulator version, when the dataset holds several")
    t.add_argument("--test-fraction", type=float, default=0.2, help="share of unique rows held out for the report")
    t.add_argument("--calibration-fraction", type=float, default=0.2,
                   help="share of the training designs set aside to calibrate the uncertainty (0: none)")
    t.add_argument("--holdout-workload", default="auto", help="workload held out for the cross-workload report ('none' to skip)")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--no-speed", action="store_true", help="skip the speed measurement")
    t.add_argument("--json", action="store_true", help="print the report as JSON")
    t.set_defaults(func=run_train)

    e = example_parser(
        psub, "eval", "score a saved proxy on a dataset (rows it was trained on are left out)",
        "archgym proxy eval --model out/proxy-dram --dataset out/run2/dataset",
    )
    e.add_argument("--model", required=True, help="model directory written by `archgym proxy train`")
    e.add_argument("--dataset", required=True, help="ArchGym dataset folder of the same simulator")
    e.add_argument("--out", default=None, help="where to write eval.json / eval.txt / eval-parity.png (default: the model directory)")
    e.add_argument("--include-training-rows", action="store_true", help="also score rows the model was trained on")
    e.add_argument("--no-speed", action="store_true", help="skip the speed measurement")
    e.add_argument("--json", action="store_true", help="print the report as JSON")
    e.set_defaults(func=run_eval)

    c = example_parser(psub, "card", "print a proxy's model card", "archgym proxy card out/proxy-dram")
    c.add_argument("model", help="model directory")
    c.set_defaults(func=run_card)
    p.set_defaults(func=lambda a: (p.print_help(), 2)[1])


def _need_dir(flag: str, path: str, what: str, marker: str | None = None) -> None:
    """Fail fast (before scikit-learn and pyarrow are imported) on a missing input folder."""
    p = Path(path)
    if not p.exists():
        raise ConfigError(f"{flag} {path}: no such folder; give {what}")
    if not p.is_dir():
        raise ConfigError(f"{flag} {path} is a file; give {what} (a folder)")
    if marker is not None and not (p / marker).is_file():
        raise ConfigError(f"{flag} {path} has no {marker}; give {what}")


def run_train(args: argparse.Namespace) -> int:
    _need_dir("--dataset", args.dataset, "an ArchGym dataset folder (e.g. out/run1/dataset)")
    if Path(args.out).exists() and not Path(args.out).is_dir():
        raise ConfigError(f"--out {args.out} is a file; give a folder to write the model into")
    if not 0.0 < args.test_fraction < 1.0:
        raise ConfigError(f"--test-fraction must be in (0, 1), got {args.test_fraction}")
    from archgym.proxy.pipeline import train_proxy
    from archgym.proxy.registry import proxy_env_id
    from archgym.proxy.train import TrainConfig

    cfg = TrainConfig(
        models=tuple(m.strip() for m in args.models.split(",") if m.strip()),
        log_target=args.log_target,
        workload_feature=not args.per_workload,
        test_fraction=args.test_fraction,
        calibration_fraction=args.calibration_fraction,
        holdout_workload=None if args.holdout_workload.lower() == "none" else args.holdout_workload,
        seed=args.seed,
    )
    result = train_proxy(args.dataset, args.simulator, args.out, cfg, version=args.version, speed=not args.no_speed)
    if args.json:
        print_json(result.report)
    else:
        from archgym.proxy.report import format_table

        print(format_table(result.report, warnings=False))  # the warnings were logged already
        print(f"\nmodel: {args.out}  report: {result.report_path}")
        env_id = proxy_env_id({"simulator": result.model.simulator, **result.model.card})
        print(f"use it: ARCHGYM_PROXIES={args.out} archgym run --env {env_id} --agent ga --budget 1000 --out OUT")
    return 0


def run_eval(args: argparse.Namespace) -> int:
    _need_dir("--model", args.model, "a model folder written by `archgym proxy train`", "card.json")
    _need_dir("--dataset", args.dataset, "an ArchGym dataset folder (e.g. out/run1/dataset)")
    from archgym.proxy.pipeline import evaluate_proxy
    from archgym.proxy.report import format_table

    report, path = evaluate_proxy(args.model, args.dataset, args.out, args.include_training_rows, speed=not args.no_speed)
    if args.json:
        print_json(report)
    else:
        print(format_table(report))
        print(f"\nreport: {path}")
    return 0


def run_card(args: argparse.Namespace) -> int:
    _need_dir("MODEL", args.model, "a model folder written by `archgym proxy train`", "card.json")
    from archgym.proxy.persist import load_card

    print_json(load_card(args.model))
    return 0
