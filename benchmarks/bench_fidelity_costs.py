"""Relative cost of the fidelity tiers, measured from the dataset's ``sim_wall_s``.

For each family it evaluates one fixed seeded sample of designs at every tier (after one
unlogged warm-up call of the default design; each tier in a fresh interpreter) through a
``DesignEnv`` that logs into a dataset, reads the dataset back and prints the mean
``sim_wall_s`` per tier (grouped by the ``fidelity`` column) and the ratio to the cheapest
tier. The declared ``Tier.cost`` values in ``archgym/fidelity.py`` quote a run of this script.

    python benchmarks/bench_fidelity_costs.py [--n 40] [--seed 0] [--families dram,qnet,dnn_accel]

The DRAM proxy tier is a proxy trained (extra-trees, one candidate) on a separate seeded
sample of cycle-level calls; the ZigZag tier runs only when ``zigzag-dse`` is installed, on
:data:`DNN_WORKLOAD` (two ResNet-18 layers; the ratio is per layer, both tiers scale with layers).
The machine is shared: absolute times vary; the ratios are what the tiers declare.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import multiprocessing
import tempfile
import time
from pathlib import Path

import numpy as np

import archgym  # noqa: F401 - registers simulators
from archgym.datasets import load
from archgym.envs import DesignEnv
from archgym.simulator import make_simulator


def _log_in_process(sim_name: str, workload: str, designs: list[dict], root: str, kwargs: dict | None, proxy_model: str | None) -> None:

    if proxy_model is not None:
        from archgym.proxy.registry import register_proxy

        register_proxy(proxy_model, overwrite=True)
    sim = make_simulator(sim_name, **(kwargs or {}))
    sim.evaluate(sim.default_design(), workload)  # warm-up (lazy loads, first-call set-up), not logged
    env = DesignEnv(sim, workload, dataset=root, max_steps=10**9)
    for d in designs:
        env.evaluate_design(d)
    env.close()


def _log_sample(sim_name: str, workload: str, designs: list[dict], root: Path, kwargs: dict | None = None,
                proxy_model: Path | None = None) -> None:
    """Log ``designs`` at one tier in a fresh interpreter, so no tier profits from another's
    process-wide caches (the quantum-network model memoises protocol synthesis, for one)."""
    ctx = multiprocessing.get_context("spawn")
    proc = ctx.Process(target=_log_in_process, args=(sim_name, workload, designs, str(root), kwargs,
                                                     None if proxy_model is None else str(proxy_model)))
    proc.start()
    proc.join()
    if proc.exitcode != 0:
        raise RuntimeError(f"measuring {sim_name} on {workload} failed (exit code {proc.exitcode})")


def _mean_by_fidelity(root: Path) -> dict[str, tuple[float, int, float]]:
    df = load(root)
    df = df[~df["cache_hit"]]
    return {f: (float(g["sim_wall_s"].mean()), len(g), float(g["sim_wall_s"].median())) for f, g in df.groupby("fidelity")}


def bench_dram(n: int, seed: int, work: Path) -> dict[str, tuple[float, int]]:
    from archgym.proxy.pipeline import train_proxy
    from archgym.proxy.registry import register_proxy
    from archgym.proxy.train import TrainConfig

    space = make_simulator("dram").design_space
    train = space.sample(np.random.default_rng(seed + 1000), 4 * n)
    _log_sample("dram", "random", train, work / "train")
    train_proxy(work / "train", "dram", work / "model", TrainConfig(models=("et",), holdout_workload=None), speed=False)
    proxy = register_proxy(work / "model", overwrite=True)
    designs = space.sample(np.random.default_rng(seed), n)
    _log_sample("dram", "random", designs, work / "dram")
    _log_sample(proxy, "random", designs, work / "dram", proxy_model=work / "model")
    return _mean_by_fidelity(work / "dram")


def bench_qnet(n: int, seed: int, work: Path) -> dict[str, tuple[float, int]]:
    space = make_simulator("qnet").design_space
    designs = space.sample(np.random.default_rng(seed), n)
    _log_sample("qnet", "symmetric-f0.6-load50", designs, work / "qnet")
    _log_sample("qnet", "symmetric-f0.6-load50-stoch", designs, work / "qnet")
    return _mean_by_fidelity(work / "qnet")


#: a few ResNet-18 layers (1 x 1 and the classifier) that ZigZag maps in seconds, not minutes
DNN_WORKLOAD = "resnet18:conv5_1s+fc"


def bench_dnn_accel(n: int, seed: int, work: Path) -> dict[str, tuple[float, int]]:
    space = make_simulator("dnn_accel").design_space
    designs = space.sample(np.random.default_rng(seed), n)
    _log_sample("dnn_accel", DNN_WORKLOAD, designs, work / "dnn")
    if importlib.util.find_spec("zigzag") is not None:  # a fresh on-disk cache: every call runs ZigZag
        _log_sample("zigzag", DNN_WORKLOAD, designs[: max(2, n // 10)], work / "dnn", {"cache_dir": str(work / "zz-cache")})
    return _mean_by_fidelity(work / "dnn")


#: the array sides of the accelerator multi-fidelity benchmark (SCALE-Sim takes seconds a call on them)
SCALESIM_SIDES = (32, 64, 128, 256)


def bench_dnn_scalesim(n: int, seed: int, work: Path) -> dict[str, tuple[float, int]]:
    """``dnn_accel`` with ``verify="scalesim"``: the analytical model on the designs SCALE-Sim can
    express (array sides :data:`SCALESIM_SIDES`), and SCALE-Sim (CALC) on ``max(3, n // 8)`` of them."""
    from archgym.fidelity import tiers_for

    analytical, scalesim = tiers_for("dnn_accel", DNN_WORKLOAD, verify="scalesim", array_sides=SCALESIM_SIDES)
    space = make_simulator(analytical.simulator, **analytical.simulator_kwargs).design_space
    designs = space.sample(np.random.default_rng(seed), n)
    _log_sample("dnn_accel", DNN_WORKLOAD, designs, work / "dnn", dict(analytical.simulator_kwargs))
    _log_sample("scalesim", DNN_WORKLOAD, [scalesim.design_for(d) for d in designs[: max(3, n // 8)]], work / "dnn")
    return _mean_by_fidelity(work / "dnn")


FAMILIES = {"dram": bench_dram, "qnet": bench_qnet, "dnn_accel": bench_dnn_accel, "dnn_accel-scalesim": bench_dnn_scalesim}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=40, help="designs per tier (ZigZag: n // 10, at least 2)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--families", default=",".join(FAMILIES), help="comma-separated: " + ", ".join(FAMILIES))
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(f"# bench_fidelity_costs  {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}  n={args.n} seed={args.seed}")
    with tempfile.TemporaryDirectory() as tmp:
        for fam in args.families.split(","):
            res = FAMILIES[fam](args.n, args.seed, Path(tmp) / fam)
            cheapest = min(m for m, _, _ in res.values())
            for tier, (mean, count, median) in sorted(res.items(), key=lambda kv: kv[1][0]):
                print(f"{fam:10s} {tier:14s} calls {count:4d}  mean sim_wall_s {mean * 1e3:10.3f} ms  "
                      f"(median {median * 1e3:9.3f} ms)  ratio of means {mean / cheapest:8.2f}")


if __name__ == "__main__":
    main()
