"""``archgym evaluate``: one simulator call, metrics printed as JSON."""

from __future__ import annotations

import argparse
from typing import Any

from archgym.commands.common import example_parser, print_json
from archgym.errors import ConfigError


def add_parser(sub: Any) -> None:
    p = example_parser(
        sub,
        "evaluate",
        "evaluate one design and print its metrics as JSON",
        "archgym evaluate --simulator dram --workload stream --design PagePolicy=Closed Scheduler=FrFcfs",
        "Evaluate one design. Parameters not given keep the simulator's baseline value.",
    )
    p.add_argument("--simulator", "-s", required=True, help="registered simulator name (see `archgym list`)")
    p.add_argument("--workload", "-w", help="workload (default: the simulator's first)")
    p.add_argument("--design", "-d", nargs="*", default=[], metavar="KEY=VALUE", help="design parameters")
    p.add_argument("--config", "-c", help="a simulator-native config file (e.g. a DRAMSys simulation JSON)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from archgym.simulator import make_simulator

    sim = make_simulator(args.simulator)
    base = sim.default_design()
    workload = args.workload
    if args.config:
        reader = getattr(sim, "design_from_config", None)
        if reader is None:
            raise ConfigError(f"simulator {sim.name!r} cannot read config files; use --design KEY=VALUE")
        base, cfg_workload = reader(args.config)
        workload = workload or cfg_workload
    design = sim.design_space.parse_design(args.design, base=base)
    workload = sim.check_workload(workload)
    metrics = sim.evaluate(design, workload)
    print_json({"simulator": sim.name, "version": sim.version, "workload": workload, "design": design, "metrics": metrics})
    return 0
