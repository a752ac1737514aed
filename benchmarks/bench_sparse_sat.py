"""SparseSAT figures: the array shapes that fit, BDWP 2:8 vs dense per network, each optimisation alone, evaluations/s.

Usage::

    .venv/bin/python benchmarks/bench_sparse_sat.py [--batch 32] [--evals 3000]
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

import numpy as np

from archgym import InfeasibleDesign, make_simulator
from archgym.simulators.sparse_sat.baseline import RULE_WORKLOADS, rank_array_shapes
from archgym.simulators.sparse_sat.config import SATConfig
from archgym.simulators.sparse_sat.simulator import simulate

NETWORKS = ("resnet18", "resnet50", "vgg16", "vit_b16")
ALL_OFF = dict(interleave=False, pregeneration=False, offline_scheduling=False,
               dataflow_ff="os", dataflow_bp="os", dataflow_wu="os")
OPTIMISATIONS = {
    "interleave mapping": dict(interleave=True),
    "weight pre-generation": dict(pregeneration=True),
    "offline scheduling": dict(offline_scheduling=True),
    "adaptive OS/WS dataflow": dict(dataflow_ff="adaptive", dataflow_bp="adaptive", dataflow_wu="adaptive"),
}


def _t(cfg: SATConfig, net: str) -> float:
    return simulate(cfg, net).timing.time_s


def speedup_table(cfg: SATConfig) -> None:
    print(f"\n## BDWP {cfg.pattern} vs dense training on SAT ({cfg.rows}×{cfg.cols}, batch {cfg.batch}, all optimisations on)")
    print(f"{'network':10s} {'dense ms':>10s} {'BDWP ms':>10s} {'speed-up':>9s} {'ideal':>6s} {'SR-STE':>7s}")
    ups = []
    for net in NETWORKS:
        d, s = _t(replace(cfg, scheme="dense"), net), _t(cfg, net)
        sr = d / _t(replace(cfg, scheme="sr_ste"), net)
        ups.append(d / s)
        print(f"{net:10s} {d * 1e3:10.1f} {s * 1e3:10.1f} {d / s:8.3f}× {cfg.sparsity.ideal_speedup():5.2f}× {sr:6.3f}×")
    print(f"{'mean':10s} {'':10s} {'':10s} {np.mean(ups):8.3f}×   (paper: 1.75×)")


def array_shape_table(cfg: SATConfig) -> None:
    """Every array shape with the largest PE count that fits, in the baseline rule's order."""
    ranking = rank_array_shapes(cfg)
    pes = max(s.pes for s in ranking)
    print(f"\n## Array shapes with {pes} PEs that fit the XCVU9P, ranked by the baseline rule "
          f"(dense training throughput, geometric mean over {', '.join(RULE_WORKLOADS)}; batch {cfg.batch})")
    print(f"{'array':>8s} {'DSP':>5s} {'dense samples/s':>15s} " + " ".join(f"{n:>9s}" for n in NETWORKS) + f" {'mean':>7s}")
    means = []
    for s in (x for x in ranking if x.pes == pes):
        c = replace(cfg, rows=s.rows, cols=s.cols)
        ups = [_t(replace(c, scheme="dense"), n) / _t(c, n) for n in NETWORKS]
        means.append(float(np.mean(ups)))
        print(f"{s.rows:>3d}×{s.cols:<4d} {s.dsp:5d} {s.dense_geomean_samples_s:15.2f} "
              + " ".join(f"{u:8.3f}×" for u in ups) + f" {means[-1]:6.3f}×")
    print(f"BDWP {cfg.pattern} speed-up (mean over networks) spans {min(means):.3f}×–{max(means):.3f}× over these shapes; "
          f"the rule picks {ranking[0].rows}×{ranking[0].cols}")


def optimisation_table(cfg: SATConfig) -> None:
    print(f"\n## Each dataflow optimisation alone (BDWP {cfg.pattern}, batch {cfg.batch}): speed-up over all-off / slow-down when the only one off")
    print(f"{'optimisation':26s} " + " ".join(f"{n:>17s}" for n in NETWORKS))
    base_off = replace(cfg, **ALL_OFF)
    off_t = {n: _t(base_off, n) for n in NETWORKS}
    on_t = {n: _t(cfg, n) for n in NETWORKS}
    for name, knobs in OPTIMISATIONS.items():
        undo = {k: ALL_OFF[k] for k in knobs}
        alone = [off_t[n] / _t(replace(base_off, **knobs), n) for n in NETWORKS]
        without = [_t(replace(cfg, **undo), n) / on_t[n] for n in NETWORKS]
        print(f"{name:26s} " + " ".join(f"{a:7.3f}× / {w:6.3f}×" for a, w in zip(alone, without)))
    print(f"{'all on vs all off':26s} " + " ".join(f"{off_t[n] / on_t[n]:16.3f}×" for n in NETWORKS))


def evals_per_second(n: int) -> None:
    sim = make_simulator("sparse_sat")
    d = sim.default_design()
    sim.evaluate(d, "resnet18")  # warm the layer-table cache
    t0 = time.perf_counter()
    for _ in range(n):
        sim.evaluate(d, "resnet18")
    fixed = n / (time.perf_counter() - t0)
    designs = sim.design_space.sample(np.random.default_rng(0), n)
    for b in {x["batch"] for x in designs}:
        sim.evaluate(dict(d, batch=b), "resnet18")
    t0 = time.perf_counter()
    infeasible = 0
    for x in designs:
        try:
            sim.evaluate(x, "resnet18")
        except InfeasibleDesign:
            infeasible += 1
    rand = n / (time.perf_counter() - t0)
    print("\n## Evaluations per second, ResNet-18 training (one process, validation included)")
    print(f"baseline design, repeated: {fixed:8.0f} evals/s")
    print(f"random designs:            {rand:8.0f} evals/s ({infeasible} of {n} over the XCVU9P budget)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--evals", type=int, default=3000)
    args = ap.parse_args()
    cfg = replace(SATConfig(), batch=args.batch)
    array_shape_table(cfg)
    speedup_table(cfg)
    optimisation_table(cfg)
    optimisation_table(replace(cfg, batch=4))
    evals_per_second(args.evals)


if __name__ == "__main__":
    main()
