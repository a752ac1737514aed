"""Fidelity of the analytical ``dnn_accel`` model against ZigZag (and SCALE-Sim), design by design.

Design sets (every design is a ``dnn_accel`` design, translated for ZigZag by
:mod:`archgym.simulators.accelerator.zigzag_translate`):

* ``grid``: PE counts 64, 256, 1024 (8², 16², 32²) × dataflows ws, os, rs, the rest at the
  baseline, on all of ResNet-18 (its distinct layer shapes, each weighted by how often it occurs);
* ``random``: ``--designs`` designs drawn from the design space (seeded), feasible for the
  analytical model, on ``--subset`` layers of ResNet-18 (ZigZag takes seconds to a minute per
  layer here, so the random set uses a few representative layers; "network" = their weighted sum);
* ``mbv2``: the grid on two depth-wise MobileNetV2 layers.

Prints, for each pair of backends: per-layer and per-network median and p90 relative error of
cycles and energy (relative to the reference: ZigZag, or SCALE-Sim), Spearman and Kendall rank
correlation across designs, and the ratio of the largest to the smallest network energy over
the grid. SCALE-Sim (``--scalesim``) runs on the systolic grid designs on ResNet-18's 1 × 1 and
fully-connected layers (the ones whose loops lower to one GEMM), comparing compute cycles.

ZigZag results are cached on disk (``$ARCHGYM_ZIGZAG_CACHE`` or ``~/.cache/archgym/zigzag``), so a
re-run costs only the analytical model. Usage::

    .venv/bin/python benchmarks/bench_accel_fidelity.py [--designs 100] [--jobs 2] [--lpf 4] [--scalesim]

Figures on a shared machine are under load.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

import numpy as np
from scipy import stats

from archgym.errors import InfeasibleDesign
from archgym.simulators.accelerator.simulator import BASELINE, DNNAccelSimulator
from archgym.simulators.accelerator.zigzag_backend import ZigZagSimulator
from archgym.simulators.accelerator.zigzag_translate import scalesim_design
from archgym.simulators.networks import load_network

SUBSET = "conv1,conv2_1a,conv3_1s,conv4_1b,conv5_1b,fc"
MBV2 = ("b1_dw", "b7_dw")


def grid_designs() -> list[dict]:
    return [dict(BASELINE, pe_rows=s, pe_cols=s, dataflow=df) for s in (8, 16, 32) for df in ("ws", "os", "rs")]


def random_designs(n: int, seed: int = 0) -> list[dict]:
    """``n`` designs drawn uniformly from the space, one after another (so the first ``k`` of ``n``
    are the ``k`` of a smaller run, and their cached ZigZag results are reused); designs either
    backend cannot run are dropped later."""
    space, rng = DNNAccelSimulator().design_space, np.random.default_rng(seed)
    return [space.sample(rng, 1)[0] for _ in range(n)]


def unique_layers(network: str, names: tuple[str, ...] | None = None):
    """Distinct layer shapes of ``network`` (optionally only ``names``) with their multiplicity."""
    layers = [la for la in load_network(network) if names is None or la.name in names]
    counts = Counter((la.kind, la.K, la.C, la.Y, la.X, la.R, la.S, la.stride, la.groups) for la in layers)
    first = {}
    for la in layers:
        first.setdefault((la.kind, la.K, la.C, la.Y, la.X, la.R, la.S, la.stride, la.groups), la)
    return [(first[k], c) for k, c in counts.items()]


def fast_per_layer(sim: DNNAccelSimulator, designs, layers):
    """``(cycles, energy_pj)`` arrays ``(D, L)`` of the analytical model, one repeat × groups per layer."""
    cyc, en = np.full((len(designs), len(layers)), np.nan), np.full((len(designs), len(layers)), np.nan)
    for j, (layer, _) in enumerate(layers):
        for i, d in enumerate(designs):
            row = sim.layer_report(d, layer)
            if row["feasible"]:
                cyc[i, j], en[i, j] = row["cycles"], row["energy_pj"]
    return cyc, en


def zigzag_per_layer(zz: ZigZagSimulator, designs, layers, cached_only: bool = False):
    """The same from ZigZag (NaN rows for designs ZigZag cannot map, or not yet run with ``cached_only``);
    uncached pairs run in parallel."""
    plain = [la for la, _ in layers]
    if cached_only:
        cyc, en = np.full((len(designs), len(layers)), np.nan), np.full((len(designs), len(layers)), np.nan)
        for i, d in enumerate(designs):
            res = [zz.cached_result(d, la) for la in plain]
            if all(r is not None and "error" not in r for r in res):
                cyc[i] = [r["latency_cycles"] * la.repeats() for r, la in zip(res, plain)]
                en[i] = [r["energy_pj"] * la.repeats() for r, la in zip(res, plain)]
        return cyc, en
    try:
        zz.layer_results(designs, plain)  # fills the cache in one parallel pool
    except InfeasibleDesign:
        pass
    cyc, en = np.full((len(designs), len(layers)), np.nan), np.full((len(designs), len(layers)), np.nan)
    for i, d in enumerate(designs):
        try:
            row = zz.layer_results([d], plain)[0]
        except InfeasibleDesign:
            continue
        cyc[i] = [r["latency_cycles"] * la.repeats() for r, la in zip(row, plain)]
        en[i] = [r["energy_pj"] * la.repeats() for r, la in zip(row, plain)]
    return cyc, en


def _err_line(label: str, model: np.ndarray, ref: np.ndarray) -> str:
    rel = np.abs(model - ref) / ref
    return f"{label}: median {np.median(rel) * 100:6.1f} %  p90 {np.percentile(rel, 90) * 100:6.1f} %"


def _rank_line(label: str, model: np.ndarray, ref: np.ndarray) -> str:
    if len(model) < 3:
        return f"{label}: too few designs for a rank correlation"
    rho = stats.spearmanr(model, ref).statistic
    tau = stats.kendalltau(model, ref).statistic
    return f"{label}: Spearman {rho:.3f}  Kendall {tau:.3f}  (n={len(model)})"


def compare(title: str, designs, layers, fast, ref) -> None:
    weights = np.array([c for _, c in layers], dtype=np.float64)
    ok = np.isfinite(fast[0]).all(axis=1) & np.isfinite(ref[0]).all(axis=1) & np.isfinite(fast[1]).all(axis=1)
    fast, ref = (fast[0][ok], fast[1][ok]), (ref[0][ok], ref[1][ok])
    print(f"\n== {title}: {int(ok.sum())} designs both backends run (of {len(designs)}) x {len(layers)} distinct layers (weighted {int(weights.sum())})")
    for metric, k in (("cycles", 0), ("energy", 1)):
        print("  per layer  " + _err_line(metric, fast[k].ravel(), ref[k].ravel()))
        net_f, net_r = fast[k] @ weights, ref[k] @ weights
        print("  per net    " + _err_line(metric, net_f, net_r))
        print("  per net    " + _rank_line(metric, net_f, net_r))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--designs", type=int, default=100, help="random designs (seeded)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=2, help="ZigZag worker processes")
    parser.add_argument("--lpf", type=int, default=4, help="ZigZag lpf_limit (<= 6)")
    parser.add_argument("--sets", default="grid,random,mbv2", help="comma-separated design sets to run")
    parser.add_argument("--grid-layers", default="all", help="ResNet-18 layers of the grid: 'all' (every distinct shape) or names, comma-separated")
    parser.add_argument("--subset", default=SUBSET, help="ResNet-18 layers of the random designs, comma-separated")
    parser.add_argument("--opt", default="EDP", help="ZigZag's mapping target (latency, energy, EDP); EDP breaks latency ties by energy")
    parser.add_argument("--scalesim", action="store_true", help="also compare compute cycles with SCALE-Sim")
    parser.add_argument("--cached-only", action="store_true", help="use only ZigZag results already cached (run nothing)")
    args = parser.parse_args()

    fast = DNNAccelSimulator()
    zz = ZigZagSimulator(jobs=args.jobs, lpf_limit=args.lpf, opt=args.opt)
    grid_names = None if args.grid_layers == "all" else tuple(args.grid_layers.split(","))
    subset = tuple(args.subset.split(","))
    sets = args.sets.split(",")
    if "grid" in sets:
        designs, layers = grid_designs(), unique_layers("resnet18", grid_names)
        t = time.perf_counter()
        z = zigzag_per_layer(zz, designs, layers, args.cached_only)
        print(f"ZigZag grid: {time.perf_counter() - t:.0f} s (cached pairs cost nothing)")
        f = fast_per_layer(fast, designs, layers)
        compare(f"grid (64/256/1024 PEs x ws/os/rs), ResNet-18 layers {args.grid_layers}, dnn_accel vs ZigZag", designs, layers, f, z)
        w = np.array([c for _, c in layers], dtype=np.float64)
        ef, ez = f[1] @ w, z[1] @ w
        both = np.isfinite(ef) & np.isfinite(ez)
        print(f"  energy max/min over the grid ({int(both.sum())} designs both ran): dnn_accel {ef[both].max() / ef[both].min():.2f}x, "
              f"ZigZag {ez[both].max() / ez[both].min():.2f}x")
        cf, cz = f[0] @ w, z[0] @ w
        for df in ("ws", "os", "rs"):
            i64, i1024 = [i for i, d in enumerate(designs) if d["dataflow"] == df][::2]
            print(f"  speed-up 64 -> 1024 PEs ({df}): dnn_accel {cf[i64] / cf[i1024]:.2f}x, ZigZag {cz[i64] / cz[i1024]:.2f}x")
        for d, a, b, c, e in zip(designs, cf, cz, ef, ez):
            print(f"    {d['pe_rows']:>3}x{d['pe_cols']:<3} {d['dataflow']}: cycles {a:12.0f} vs {b:12.0f}   energy {c * 1e-6:9.1f} vs {e * 1e-6:9.1f} uJ")
    if "random" in sets:
        designs, layers = random_designs(args.designs, args.seed), unique_layers("resnet18", subset)
        t = time.perf_counter()
        z = zigzag_per_layer(zz, designs, layers, args.cached_only)
        print(f"ZigZag random: {time.perf_counter() - t:.0f} s")
        compare(f"random designs (seed {args.seed}), ResNet-18 layers {'+'.join(subset)}, dnn_accel vs ZigZag", designs, layers, fast_per_layer(fast, designs, layers), z)
    if "mbv2" in sets:
        designs, layers = grid_designs(), unique_layers("mobilenet_v2", MBV2)
        z = zigzag_per_layer(zz, designs, layers, args.cached_only)
        compare("grid, MobileNetV2 depth-wise layers, dnn_accel vs ZigZag", designs, layers, fast_per_layer(fast, designs, layers), z)
    if args.scalesim:
        from archgym.simulators.accelerator.scalesim_backend import ScaleSimSimulator, topology_rows

        ss = ScaleSimSimulator()
        designs = [d for d in grid_designs() if d["dataflow"] in ("ws", "os")]
        layers = [(la, c) for la, c in unique_layers("resnet18") if la.R == 1]
        ref = np.zeros((len(designs), len(layers)))
        for i, d in enumerate(designs):
            rows = topology_rows([la for la, _ in layers])
            ref[i] = [r["total_cycles"] + 1 for r in ss.run_layers(scalesim_design(d), rows)]  # SCALE-Sim prints the last cycle's index
        comp = np.array([[fast.layer_report(d, la)["compute_cycles"] for la, _ in layers] for d in designs])
        exact = int(np.sum(comp == ref))
        print(f"\n== SCALE-Sim, {len(designs)} systolic grid designs x {len(layers)} GEMM-like ResNet-18 layers: "
              f"compute cycles equal in {exact}/{ref.size}; max relative difference {np.max(np.abs(comp - ref) / ref) * 100:.2f} %")


if __name__ == "__main__":
    main()
