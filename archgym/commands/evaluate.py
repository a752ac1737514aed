"""``archgym evaluate``: one simulator call, metrics printed as JSON.

Exit codes: 0 the design was evaluated; 2 bad input (nothing evaluated); 3 the design is valid
but infeasible (the JSON on stdout says ``"feasible": false`` with the reason and whatever
metrics exist; stderr says ``archgym: infeasible: <reason>``).
"""

from __future__ import annotations

import argparse
import inspect
import sys
from typing import Any

from archgym.commands.common import example_parser, print_json
from archgym.errors import ArchGymError, ConfigError, InfeasibleDesign

#: exit status of ``archgym evaluate`` for a valid design that cannot be built
EXIT_INFEASIBLE = 3


def add_parser(sub: Any) -> None:
    p = example_parser(
        sub,
        "evaluate",
        "evaluate one design and print its metrics as JSON",
        "archgym evaluate --simulator dram --workload stream --design PagePolicy=Closed Scheduler=FrFcfs",
        "Evaluate one design. Parameters not given keep the simulator's baseline value.\n"
        f"Exit status: 0 evaluated, 2 bad input, {EXIT_INFEASIBLE} infeasible design (reason and the metrics\n"
        "that exist are printed).",
    )
    p.add_argument("--simulator", "-s", required=True, help="registered simulator name (see `archgym list`)")
    p.add_argument("--workload", "-w", help="workload (default: the simulator's first)")
    p.add_argument("--design", "-d", nargs="*", default=[], metavar="KEY=VALUE", help="design parameters (each once)")
    p.add_argument("--config", "-c", help="a simulator-native config file (e.g. a DRAMSys simulation JSON)")
    p.add_argument("--timeout", type=float, metavar="SECONDS",
                   help="end the call after this many seconds (external simulators such as scalesim)")
    p.add_argument("--no-progress", action="store_true", help="no 'layer i of n' line from external simulators")
    p.set_defaults(func=run)


def _make(name: str, timeout: float | None, progress: bool) -> Any:
    """The simulator, with ``timeout_s`` and ``progress`` for those that take them (external tools)."""
    from archgym.simulator import make_simulator, simulator_spec

    if timeout is not None and not timeout > 0:
        raise ConfigError(f"--timeout must be a positive number of seconds, got {timeout!r}")
    factory = simulator_spec(name).load_factory()
    try:
        takes = set(inspect.signature(factory).parameters)
    except (TypeError, ValueError):
        takes = set()
    kwargs: dict[str, Any] = {"progress": progress} if "progress" in takes else {}
    if timeout is not None:
        if "timeout_s" not in takes:
            raise ConfigError(f"simulator {name!r} takes no --timeout (it runs in-process); drop --timeout")
        kwargs["timeout_s"] = timeout
    return make_simulator(name, **kwargs)


def run(args: argparse.Namespace) -> int:
    sim = _make(args.simulator, args.timeout, not args.no_progress)
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
    head = {"simulator": sim.name, "version": sim.version, "workload": workload, "design": design}
    ok, reason = sim.design_space.feasibility(design)
    metrics: dict[str, float] = {}
    try:
        metrics = sim.evaluate(design, workload)
    except InfeasibleDesign as exc:
        ok, reason, metrics = False, reason or str(exc), exc.metrics
    except ArchGymError:
        if ok:
            raise
    if not ok:
        print_json({**head, "feasible": False, "reason": reason, "metrics": metrics})
        print(f"archgym: infeasible: {reason}", file=sys.stderr)
        return EXIT_INFEASIBLE
    print_json({**head, "feasible": True, "metrics": metrics})
    return 0
