"""Fidelity of the analytical ``dnn_accel`` model against ZigZag (and SCALE-Sim), design by design.

Design sets (every design is a ``dnn_accel`` design, translated for ZigZag by
:mod:`archgym.simulators.accelerator.zigzag_translate`):

* ``grid``: PE counts 64, 256, 1024 (8², 16², 32²) × dataflows ws, os, rs, the rest at the
  baseline, on all of ResNet-18 (its distinct layer shapes, each weighted by how often it occurs);
* ``random``: ``--designs`` designs drawn from the design space (seeded), feasible for the
  analytical model, on ``--subset`` layers of ResNet-18 (default ``all``: every distinct layer
  shape weighted by its count, i.e. the whole network; a comma-separated list of names gives a
  cheaper subset, "network" = their weighted sum). ZigZag runs the missing pairs design by design
  (all layers of one design before the next), so an interrupted fill leaves whole designs;
* ``mbv2``: the grid on two depth-wise MobileNetV2 layers.

Prints, for each pair of backends: per-layer and per-network median and p90 relative error of
cycles and energy (relative to the reference: ZigZag, or SCALE-Sim), Spearman and Kendall rank
correlation across designs, and the ratio of the largest to the smallest network energy over
the grid. SCALE-Sim (``--scalesim``) runs on the systolic grid designs on ResNet-18's 1 × 1 and
fully-connected layers (the ones whose loops lower to one GEMM), comparing compute cycles.

ZigZag results are cached on disk (``$ARCHGYM_ZIGZAG_CACHE`` or ``~/.cache/archgym/zigzag``), so a
re-run costs only the analytical model. Usage::

    .venv/bin/python benchmarks/bench_accel_fidelity.py [--sets grid,random,mbv2,im2col] [--designs 100] [--subset all] [--jobs 1] [--lpf 4] [--cached-only] [--scalesim] [--explain-failures]

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

SUBSET = "all"
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
    if names is not None:
        unknown = sorted(set(names) - {la.name for la in load_network(network)})
        if unknown:
            raise SystemExit(f"unknown {network} layer(s) {', '.join(unknown)}; use 'all' or names such as conv1,conv3_1s,fc")
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


def zigzag_per_layer(zz: ZigZagSimulator, designs, layers, cached_only: bool = False, skip=None):
    """The same from ZigZag, and a status per design: ``"ok"``, ``"zigzag failed"`` (no valid
    mapping for some layer; NaN row) or ``"not run"`` (``cached_only`` and not all layers cached).

    Missing pairs run design by design (every layer of a design, stopping at its first failure,
    before the next design), each design's distinct layers in one pool of ``zz.jobs`` workers;
    designs flagged in ``skip`` (e.g. infeasible for the analytical model) are not run.
    """
    plain = [la for la, _ in layers]
    cyc, en = np.full((len(designs), len(layers)), np.nan), np.full((len(designs), len(layers)), np.nan)
    status = []
    for i, d in enumerate(designs):
        if skip is not None and skip[i]:
            status.append("skipped")
            continue
        res = [zz.cached_result(d, la) for la in plain]
        if not cached_only and any(r is None for r in res) and not any(r is not None and "error" in r for r in res):
            for la in plain:
                try:
                    zz.layer_results([d], [la])
                except InfeasibleDesign:
                    break
            res = [zz.cached_result(d, la) for la in plain]
        if any(r is not None and "error" in r for r in res):
            status.append("zigzag failed")
        elif any(r is None for r in res):
            status.append("not run")
        else:
            status.append("ok")
            cyc[i] = [r["latency_cycles"] * la.repeats() for r, la in zip(res, plain)]
            en[i] = [r["energy_pj"] * la.repeats() for r, la in zip(res, plain)]
    return cyc, en, status


def aggregate_rf_ratio(design) -> float:
    """Register-file storage of the whole array over the GLB's: ``PEs · rf_bytes / (glb_kib · 1024)``."""
    return design["pe_rows"] * design["pe_cols"] * design["rf_bytes"] / (design["glb_kib"] * 1024)


def explain_failures(zz: ZigZagSimulator, designs, layers) -> None:
    """Re-run every distinct (design, layer) pair ZigZag failed on with its LOMA memory allocator
    instrumented, and print which memory overflowed in how many loop orderings.

    A failing pair costs seconds: no ordering reaches the cost model. The cause found on every pair
    here: ZigZag's hierarchy is inclusive and LOMA allocates loops bottom-up, greedily: an operand whose
    whole per-PE share fits in the RF gets all its temporal loops there, and the GLB above must then
    hold that operand for every PE at once, which overflows it in every ordering.
    """
    import collections
    import re

    import zigzag.opt.loma.engine as engine

    from archgym.simulators.accelerator.zigzag_backend import run_zigzag
    from archgym.simulators.accelerator.zigzag_translate import zigzag_inputs

    overflows: collections.Counter = collections.Counter()
    allocate = engine.MemoryAllocator.run

    def counted(self):
        try:
            return allocate(self)
        except Exception as exc:
            hit = re.search(r"mem_op (\w+)\..*mem_capacity=(\d+)", str(exc))
            # no operand named: the operands' loops assigned below (RF × PEs) overflow together, which
            # only the GLB can raise (the RFs have nothing below them, the DRAM is 10^10 bits)
            overflows[(hit.group(1), int(hit.group(2))) if hit else ("all operands", -1)] += 1
            raise

    engine.MemoryAllocator.run = counted
    print("\n== ZigZag failures: which memory overflows in LOMA's allocator (operand, capacity in bits: orderings)")
    seen = set()
    try:
        for i, d in enumerate(designs):
            for la, _ in layers:
                res = zz.cached_result(d, la)
                if res is None or "error" not in res:
                    continue
                acc, mapping, wl = zigzag_inputs(d, la)
                key = repr((acc, mapping, [{k: v for k, v in x.items() if k != "name"} for x in wl]))
                if key in seen:
                    continue
                seen.add(key)
                overflows.clear()
                out = run_zigzag((acc, mapping, wl, zz.lpf_limit, zz.opt))
                glb_bits = d["glb_kib"] * 8192
                where = ", ".join(f"{op} {'GLB' if cap in (glb_bits, -1) else cap}: {n}" for (op, cap), n in overflows.most_common())
                print(f"  design {i:3d} {la.name:9s} {d['dataflow']} {d['pe_rows']}x{d['pe_cols']} rf {d['rf_bytes']} B "
                      f"glb {d['glb_kib']} KiB (PEs x RF / GLB = {aggregate_rf_ratio(d):.1f}): "
                      f"{'fails' if 'error' in out else 'RUNS NOW'}; overflow {where}")
    finally:
        engine.MemoryAllocator.run = allocate


def level_breakdown(zz: ZigZagSimulator, fast: DNNAccelSimulator, designs, layers) -> None:
    """Energy by memory level, the fast model against ZigZag, on the designs both ran on every layer.

    ZigZag's per-level energies are its access counts × the per-word energies the translation writes
    (the same :mod:`tables` figures the fast model uses), so energy / per-word energy recovers its
    word accesses per level. Prints, per level, the median and p10/p90 ratio fast / ZigZag of the
    network energy, their Spearman across designs, the network-energy Spearman if that one level's
    term were ZigZag's (which level ranks the designs differently), and the register-file accesses
    per MAC by dataflow and RF size.
    """
    from archgym.simulators.accelerator import tables

    rows, per_mac = [], {}
    for d in designs:
        zres = [zz.cached_result(d, la) for la, _ in layers]
        if any(r is None or "error" in r for r in zres):
            continue
        fres = [fast.layer_report(d, la) for la, _ in layers]
        if not all(r["feasible"] for r in fres):
            continue
        z = {k: sum(r[f"{k}_energy_pj"] * la.repeats() * c for r, (la, c) in zip(zres, layers)) for k in ("mac", "rf", "glb", "dram")}
        f = {k: sum(r[f"energy_{k}_pj"] * c for r, (la, c) in zip(fres, layers)) for k in ("mac", "rf", "noc", "glb", "dram")}
        z["total"] = sum(r["energy_pj"] * la.repeats() * c for r, (la, c) in zip(zres, layers))
        f["total"] = sum(r["energy_pj"] * c for r, (la, c) in zip(fres, layers))
        rows.append((f, z))
        e_rf = float(tables.e_rf_word(d["rf_bytes"], d["precision_bits"], d["rf_class"] == "sram"))
        macs = sum(la.macs() * c for la, c in layers)
        cell = per_mac.setdefault((d["dataflow"], d["rf_bytes"]), [])
        cell.append((f["rf"] / e_rf / macs, z["rf"] / e_rf / macs))
    if len(rows) < 3:
        return
    F = {k: np.array([f[k] for f, _ in rows]) for k in rows[0][0]}
    Z = {k: np.array([z[k] for _, z in rows]) for k in rows[0][1]}
    print(f"\n== energy by level, dnn_accel / ZigZag, whole network, {len(rows)} designs both ran "
          f"(network energy Spearman {stats.spearmanr(F['total'], Z['total']).statistic:.3f})")
    for k in ("mac", "rf", "glb", "dram"):
        ratio = F[k] / Z[k]
        swapped = stats.spearmanr(F["total"] - F[k] + Z[k], Z["total"]).statistic
        print(f"  {k:4s}: share {np.median(F[k] / F['total']) * 100:4.0f} % (ZigZag {np.median(Z[k] / Z['total']) * 100:4.0f} %)  "
              f"ratio median {np.median(ratio):.2f} (p10 {np.percentile(ratio, 10):.2f}, p90 {np.percentile(ratio, 90):.2f})  "
              f"Spearman {stats.spearmanr(F[k], Z[k]).statistic:.3f}  network Spearman with ZigZag's {k}: {swapped:.3f}")
    print(f"  noc : share {np.median(F['noc'] / F['total']) * 100:4.0f} % (not in the ZigZag translation)")
    print("  RF accesses per MAC, dnn_accel / ZigZag (median over designs), by dataflow and RF bytes:")
    for df in sorted({k[0] for k in per_mac}):
        cells = [f"{rf} B {np.median([a for a, _ in v]):.2f}/{np.median([b for _, b in v]):.2f}"
                 for (d2, rf), v in sorted(per_mac.items()) if d2 == df]
        print(f"    {df}: " + ", ".join(cells))


def _err_line(label: str, model: np.ndarray, ref: np.ndarray) -> str:
    rel = np.abs(model - ref) / ref
    return f"{label}: median {np.median(rel) * 100:6.1f} %  p90 {np.percentile(rel, 90) * 100:6.1f} %"


def _rank_line(label: str, model: np.ndarray, ref: np.ndarray) -> str:
    if len(model) < 3:
        return f"{label}: too few designs for a rank correlation"
    rho = stats.spearmanr(model, ref).statistic
    tau = stats.kendalltau(model, ref).statistic
    return f"{label}: Spearman {rho:.3f}  Kendall {tau:.3f}  (n={len(model)})"


def compare(title: str, designs, layers, fast, ref, status=None) -> None:
    weights = np.array([c for _, c in layers], dtype=np.float64)
    ok = np.isfinite(fast[0]).all(axis=1) & np.isfinite(ref[0]).all(axis=1) & np.isfinite(fast[1]).all(axis=1)
    print(f"\n== {title}: {int(ok.sum())} designs both backends run (of {len(designs)}) x {len(layers)} distinct layers (weighted {int(weights.sum())})")
    fast_bad = int((~np.isfinite(fast[0]).all(axis=1)).sum())
    if status is not None:
        counts = Counter(status)
        print(f"  dropped: {fast_bad} infeasible for dnn_accel; ZigZag: {counts.get('zigzag failed', 0)} without a valid mapping, "
              f"{counts.get('not run', 0)} not (completely) run yet")
        failed = [aggregate_rf_ratio(d) for d, st in zip(designs, status) if st == "zigzag failed"]
        ran = [aggregate_rf_ratio(d) for d, st in zip(designs, status) if st == "ok"]
        if failed:
            print(f"  PEs x RF / GLB: ZigZag failed on {len(failed)} designs, ratio {min(failed):.2f} .. {max(failed):.0f}; "
                  f"ran {len(ran)}, of which {sum(r > min(failed) for r in ran)} above {min(failed):.2f} (--explain-failures)")
    fast, ref = (fast[0][ok], fast[1][ok]), (ref[0][ok], ref[1][ok])
    if not ok.any():
        return
    for metric, k in (("cycles", 0), ("energy", 1)):
        print("  per layer  " + _err_line(metric, fast[k].ravel(), ref[k].ravel()))
        net_f, net_r = fast[k] @ weights, ref[k] @ weights
        print("  per net    " + _err_line(metric, net_f, net_r))
        print("  per net    " + _rank_line(metric, net_f, net_r))
    print("  by layer   (median / p90 rel. error of cycles, energy; Spearman of cycles, energy across designs)")
    for j, (la, c) in enumerate(layers):
        cells = []
        for k in (0, 1):
            rel = np.abs(fast[k][:, j] - ref[k][:, j]) / ref[k][:, j]
            cells.append(f"{np.median(rel) * 100:5.1f} / {np.percentile(rel, 90) * 100:6.1f} %")
        rho = [stats.spearmanr(fast[k][:, j], ref[k][:, j]).statistic if ok.sum() >= 3 else np.nan for k in (0, 1)]
        print(f"    {la.name:9s} x{c}: cycles {cells[0]}  energy {cells[1]}  rho {rho[0]:6.3f} {rho[1]:6.3f}")


def im2col_agreement(fast: DNNAccelSimulator, designs) -> None:
    """Where the fast model's compute cycles equal SCALE-Sim's: against the shared systolic kernel on
    the im2col GEMM (``gemm_cycles``, which equals SCALE-Sim's compute cycles exactly on every
    ResNet-18 layer shape: ``tests/integration/test_scalesim_crosscheck.py``), for every systolic
    design × every distinct ResNet-18 layer, by layer kind and dataflow."""
    from archgym.simulators.systolic import gemm_cycles

    tally: dict[tuple[str, str], list[int]] = {}
    for la, _ in unique_layers("resnet18"):
        kind = "fc" if la.kind != "conv" else (f"{la.R}x{la.S} conv" if la.R > 1 else f"1x1 conv stride {la.stride}")
        m, n, k = la.gemm()
        for d in designs:
            ref = int(gemm_cycles(m, n, k, d["pe_rows"], d["pe_cols"], d["dataflow"])) * la.repeats()
            got = fast.layer_report(d, la)["compute_cycles"]
            if np.isfinite(got):
                t = tally.setdefault((kind, d["dataflow"]), [0, 0])
                t[0] += int(got == ref)
                t[1] += 1
    print(f"\n== compute cycles equal to SCALE-Sim's (im2col GEMM on the shared kernel), {len(designs)} systolic designs x ResNet-18 layers")
    for (kind, df), (eq, n) in sorted(tally.items()):
        print(f"  {kind:18s} {df}: {eq:4d} of {n:4d} (design, layer) pairs exact")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--designs", type=int, default=100, help="random designs (seeded)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=1, help="ZigZag worker processes (per design: its distinct layers)")
    parser.add_argument("--lpf", type=int, default=4, help="ZigZag lpf_limit (<= 6)")
    parser.add_argument("--sets", default="grid,random,mbv2", help="comma-separated design sets to run (grid, random, mbv2, im2col)")
    parser.add_argument("--grid-layers", default="all", help="ResNet-18 layers of the grid: 'all' (every distinct shape) or names, comma-separated")
    parser.add_argument("--subset", default=SUBSET, help="ResNet-18 layers of the random designs: 'all' (the whole network) or names, comma-separated")
    parser.add_argument("--opt", default="EDP", help="ZigZag's mapping target (latency, energy, EDP); EDP breaks latency ties by energy")
    parser.add_argument("--scalesim", action="store_true", help="also compare compute cycles with SCALE-Sim")
    parser.add_argument("--cached-only", action="store_true", help="use only ZigZag results already cached (run nothing)")
    parser.add_argument("--explain-failures", action="store_true",
                        help="re-run the random and grid designs' failed ZigZag pairs with its allocator instrumented (seconds each)")
    args = parser.parse_args()

    fast = DNNAccelSimulator()
    zz = ZigZagSimulator(jobs=args.jobs, lpf_limit=args.lpf, opt=args.opt)
    grid_names = None if args.grid_layers == "all" else tuple(args.grid_layers.split(","))
    subset = None if args.subset == "all" else tuple(args.subset.split(","))
    sets = args.sets.split(",")
    if "grid" in sets:
        designs, layers = grid_designs(), unique_layers("resnet18", grid_names)
        t = time.perf_counter()
        *z, status = zigzag_per_layer(zz, designs, layers, args.cached_only)
        print(f"ZigZag grid: {time.perf_counter() - t:.0f} s (cached pairs cost nothing)")
        f = fast_per_layer(fast, designs, layers)
        compare(f"grid (64/256/1024 PEs x ws/os/rs), ResNet-18 layers {args.grid_layers}, dnn_accel vs ZigZag", designs, layers, f, z, status)
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
        f = fast_per_layer(fast, designs, layers)
        t = time.perf_counter()
        *z, status = zigzag_per_layer(zz, designs, layers, args.cached_only, skip=~np.isfinite(f[0]).all(axis=1))
        print(f"ZigZag random: {time.perf_counter() - t:.0f} s")
        compare(f"random designs (seed {args.seed}), ResNet-18 layers {args.subset}, dnn_accel vs ZigZag", designs, layers, f, z, status)
        level_breakdown(zz, fast, designs, layers)
    if "mbv2" in sets:
        designs, layers = grid_designs(), unique_layers("mobilenet_v2", MBV2)
        *z, status = zigzag_per_layer(zz, designs, layers, args.cached_only)
        compare("grid, MobileNetV2 depth-wise layers, dnn_accel vs ZigZag", designs, layers, fast_per_layer(fast, designs, layers), z, status)
    if args.explain_failures:
        explain_failures(zz, random_designs(args.designs, args.seed) + grid_designs(), unique_layers("resnet18"))
    if "im2col" in sets:
        im2col_agreement(fast, [d for d in grid_designs() + random_designs(args.designs, args.seed) if d["dataflow"] != "rs"])
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
