"""Multi-fidelity figures (issue 17), one function per section.

Sections:

* ``screener-overhead`` — the ``mf-sh`` screener's own time per promoted design, beyond the
  simulator calls (target <= 1 ms): the time spent in the agent's ``ask``/``tell`` (ranking,
  promotion, sampling fresh designs) divided by the promoted designs, and, more
  conservatively, the whole search's wall time minus the simulators' time (environment,
  evaluator, objective and agent together) per promoted design. On a benchmark-local
  two-tier family whose calls take microseconds (so the simulators do not drown the figure),
  seeded.

Usage::

    .venv/bin/python benchmarks/bench_multifidelity.py                          # every section
    .venv/bin/python benchmarks/bench_multifidelity.py --sections screener-overhead --seeds 3

* ``screener-uncertainty`` — the same agent time with ``kappa = 0`` and ``1.645`` on
  ``archgym/DRAM-MF-v0`` (needs ``--proxy-model``), where ranking by the proxy's uncertainty
  adds one batched ``uncertainty`` call per rung.

Further sections (multi-fidelity BO vs single-fidelity BO at equal cost, proxy calibration) are
added as functions of their own and listed in ``SECTIONS``.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
from collections.abc import Callable
from typing import Any

import archgym  # noqa: F401 - registers the envs
from archgym.agents import make_agent
from archgym.fidelity import Budget, Tier
from archgym.objective import Weighted
from archgym.parameters import Integer
from archgym.simulator import Metric, Simulator, register_simulator
from archgym.space import ParameterSpace


def _timed(agent: Any) -> dict[str, float]:
    """Wrap ``agent.ask``/``agent.tell`` to add up the time spent inside them."""
    spent = {"s": 0.0}
    ask, tell = agent.ask, agent.tell

    def timed_ask(n: int = 1) -> Any:
        t0 = time.perf_counter()
        try:
            return ask(n)
        finally:
            spent["s"] += time.perf_counter() - t0

    def timed_tell(records: Any) -> None:
        t0 = time.perf_counter()
        try:
            tell(records)
        finally:
            spent["s"] += time.perf_counter() - t0

    agent.ask, agent.tell = timed_ask, timed_tell
    return spent


class _Quadratic(Simulator):
    """A microsecond-cheap two-tier family for timing the screener alone: six integer knobs,
    ``loss = sum((x_i - 5)^2)``, the ``fine`` tier adds ``x_0 mod 2`` (benchmark-local)."""

    version = "1"
    design_space = ParameterSpace({f"x{i}": Integer(0, 15) for i in range(6)})
    metrics = (Metric("loss", "1", "min", "distance to the centre"),)
    workloads = ("w",)

    def default_design(self) -> dict[str, int]:
        return {f"x{i}": 0 for i in range(6)}

    def default_objective(self, workload: str | None = None) -> Weighted:
        return Weighted({"loss": 1.0}, {"loss": "min"})

    def _evaluate(self, design: dict[str, Any], workload: str) -> dict[str, float]:
        loss = float(sum((v - 5) ** 2 for v in design.values()))
        return {"loss": loss + (design["x0"] % 2 if self.fidelity == "fine" else 0.0)}


class _Coarse(_Quadratic):
    name, fidelity = "bench-mf-coarse", "coarse"


class _Fine(_Quadratic):
    name, fidelity = "bench-mf-fine", "fine"


def _quadratic_env() -> Any:
    from archgym.envs.multifidelity import MultiFidelityEnv

    register_simulator("bench-mf-coarse", _Coarse, overwrite=True)
    register_simulator("bench-mf-fine", _Fine, overwrite=True)
    tiers = [Tier("coarse", "bench-mf-coarse", cost=1.0), Tier("fine", "bench-mf-fine", cost=10.0)]
    env = MultiFidelityEnv(tiers=tiers, max_steps=10**9)
    for i in range(len(tiers)):  # baselines (observation scale, objective) before the clock starts
        _ = env.tier_env(i).observation_scale
    return env


#: the screener's promotion rules measured: its default and the fixed fraction of earlier runs
RULES = (("promote=cost", {}), ("eta=3", {"eta": 3}))


def screener_overhead(seeds: int = 3, cost: float = 20_000.0, n0: int = 81) -> None:
    """Screener overhead per promoted design (target <= 1 ms), on a microsecond-cheap two-tier family."""
    for rule, params in RULES:
        print(f"## screener overhead  (two-tier quadratic family, costs 1 : 10, mf-sh n0={n0} {rule}, Budget(cost={cost:g}))")
        agent_ms, outside_ms = [], []
        for seed in range(seeds):
            env = _quadratic_env()
            agent = make_agent("mf-sh", n0=n0, **params)
            spent = _timed(agent)
            res = agent.search(env, Budget(cost=cost), seed=seed)
            env.close()
            promoted = len(agent.promotions)
            outside = res.wall_s - res.ledger["total_sim_s"]
            agent_ms.append(1e3 * spent["s"] / promoted)
            outside_ms.append(1e3 * outside / promoted)
            print(f"seed {seed}: {res.ledger['total_calls']} calls, {promoted} promoted, search {res.wall_s:.2f} s, "
                  f"simulators {res.ledger['total_sim_s']:.3f} s; agent ask+tell {agent_ms[-1]:.3f} ms / promoted design, "
                  f"everything but the simulators {outside_ms[-1]:.3f} ms / promoted design")
        print(f"{rule}: median over {seeds} seeds: agent {statistics.median(agent_ms):.3f} ms, "
              f"everything but the simulators {statistics.median(outside_ms):.3f} ms per promoted design (target <= 1 ms)")


def screener_uncertainty_overhead(seeds: int = 3, proxy_model: str | None = None, cost: float = 668.25) -> None:
    """The screener's own time per promoted design with and without the proxy's uncertainty
    (``kappa``): on ``archgym/DRAM-MF-v0`` (workload ``random``), where ``kappa`` adds one batched
    ``uncertainty`` call per proxy rung and the reward std of each of its designs."""
    from archgym.envs.multifidelity import MultiFidelityEnv

    if proxy_model is None:
        print("## screener uncertainty overhead: skipped (give --proxy-model, a trained DRAM proxy)")
        return
    from archgym.proxy.simulator import ProxySimulator

    # the proxy's uncertainty() is a call of the proxy tier's simulator (its forests, walked
    # once more): timed apart from the screener's own bookkeeping and arithmetic
    in_proxy = {"s": 0.0}
    original = ProxySimulator.uncertainty

    def timed_uncertainty(self: Any, *args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            in_proxy["s"] += time.perf_counter() - t0

    ProxySimulator.uncertainty = timed_uncertainty  # type: ignore[method-assign]
    try:
        for rule, params in RULES:
            print(f"## screener uncertainty overhead  (DRAM-MF random, mf-sh n0=27 {rule}, Budget(cost={cost:g}))")
            for kappa in (0.0, 1.645):
                per, own = [], []
                for seed in range(seeds):
                    env = MultiFidelityEnv("dram", workload="random", max_steps=10**9, proxy_model=proxy_model)
                    agent = make_agent("mf-sh", n0=27, kappa=kappa, **params)
                    spent = _timed(agent)
                    in_proxy["s"] = 0.0
                    agent.search(env, Budget(cost=cost), seed=seed)
                    env.close()
                    n = len(agent.promotions)
                    per.append(1e3 * spent["s"] / n)
                    own.append(1e3 * (spent["s"] - in_proxy["s"]) / n)
                    print(f"kappa {kappa}: seed {seed}: {n} promoted, agent ask+tell {per[-1]:.3f} ms / promoted design, "
                          f"of which the proxy's uncertainty calls {per[-1] - own[-1]:.3f} ms, the screener's own {own[-1]:.3f} ms")
                print(f"{rule}, kappa {kappa}: median over {seeds} seeds: ask+tell {statistics.median(per):.3f} ms, the screener's "
                      f"own (without the proxy's uncertainty calls) {statistics.median(own):.3f} ms per promoted design "
                      "(target <= 1 ms beyond the simulator calls)")
    finally:
        ProxySimulator.uncertainty = original  # type: ignore[method-assign]


SECTIONS: dict[str, Callable[..., None]] = {"screener-overhead": screener_overhead,
                                            "screener-uncertainty": screener_uncertainty_overhead}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sections", nargs="+", default=list(SECTIONS), choices=list(SECTIONS))
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--proxy-model", default=None, help="a trained DRAM proxy (section screener-uncertainty)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(f"# bench_multifidelity  {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}  (shared machine: times vary with load)")
    for name in args.sections:
        if name == "screener-uncertainty":
            SECTIONS[name](seeds=args.seeds, proxy_model=args.proxy_model)
        else:
            SECTIONS[name](seeds=args.seeds)


if __name__ == "__main__":
    main()
