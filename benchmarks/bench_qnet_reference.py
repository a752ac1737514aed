"""Benchmark: the reference controller against the reference's own numbers (issue 13).

Prints

1. every calibration row (24 demand sets × 3 schedulers): offered, admitted, throughput (pairs/s),
   worst-case latency (s) and jitter (s²), ours next to the reference's;
2. per network and overall: the share of rows whose throughput and admitted count are within
   10 % of the reference's, the share with exact admitted counts, and whether the schedulers'
   order by mean throughput matches;
3. time per point: demand set → protocols (cold caches: every protocol synthesised afresh) →
   admission → verified schedule, per scheduler; the slowest point;
4. our seeded demand generator over seeds 1–10 next to the calibration seed: mean offered demand
   count, offered load, hop mix (mean hops) and throughput per scheduler per (network, F_min, load).

Run: ``.venv/bin/python benchmarks/bench_qnet_reference.py [--seeds 10] [--skip-generator]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import defaultdict

import networkx as nx

from archgym.simulators.qnet.calibration import SCHEDULER_NAMES, calibration_dir, replay, summary
from archgym.simulators.qnet.demandfile import load_demand_file
from archgym.simulators.qnet.demands import generate_demands
from archgym.simulators.qnet.esss import _searcher, esss_protocol
from archgym.simulators.qnet.reference import RefDemand, protocol_task, reference_tasks
from archgym.simulators.qnet.refsched import admit, verify_groups
from archgym.simulators.qnet.topology import build_topology

NETS = {"line": "line", "star": "star", "H": "h", "symm": "symmetric"}


def _clear() -> None:
    protocol_task.cache_clear()
    esss_protocol.cache_clear()
    _searcher.cache_clear()


def table() -> list:
    rows = replay()
    print(f"{'point':16s} {'scheduler':13s} {'offered':>7s} {'admitted':>12s} {'throughput':>19s} {'latency s':>13s} {'jitter s2':>21s}")
    for r in rows:
        print(
            f"{r.network + ',' + format(r.fmin, 'g') + ',' + format(r.load, 'g'):16s} {r.scheduler:13s} {r.offered:7d} "
            f"{r.admitted:5d} / {r.admitted_ref:4d} {r.throughput:8.4f} / {r.throughput_ref:8.4f} "
            f"{r.latency:5.2f} / {r.latency_ref:5.2f} {r.jitter:9.6f} / {r.jitter_ref:9.6f}"
        )
    print()
    print(f"{'network':8s} {'rows':>4s} {'within 10%':>10s} {'admitted exact':>14s} {'order matches':>13s}")
    for net in NETS:
        sub = [r for r in rows if r.network == net]
        s = summary(sub)
        print(f"{net:8s} {s['rows']:4d} {s['within_10pct']:10.1%} {s['admitted_exact']:14.1%} {str(s['order_match'][net]):>13s}")
    s = summary(rows)
    print(f"{'overall':8s} {s['rows']:4d} {s['within_10pct']:10.1%} {s['admitted_exact']:14.1%} {str(all(s['order_match'].values())):>13s}")
    return rows


def timing() -> None:
    sets = str(calibration_dir() / "demand_sets_seed1.json")
    with open(sets, encoding="utf-8") as fh:
        keys = sorted(json.load(fh))
    print()
    print("time per point: demand set -> protocols -> admission -> verified schedule, seconds")
    print("(wall and CPU; the machine is shared, so CPU time is the fairer figure)")
    for cold in (True, False):
        per_net: dict[str, list[tuple[float, float]]] = defaultdict(list)
        worst = (0.0, 0.0, "")
        for key in keys:
            for scheduler in SCHEDULER_NAMES.values():
                if cold:
                    _clear()
                t0, c0 = time.perf_counter(), time.process_time()
                f = load_demand_file(sets, key)
                tasks = reference_tasks(build_topology(f.network), f.demands, f.fmin)
                res = admit(tasks, scheduler)
                verify_groups(res.groups, one_processor=scheduler == "pts_np_edf")
                wall, cpu = time.perf_counter() - t0, time.process_time() - c0
                per_net[key.split(",")[0]].append((wall, cpu))
                worst = max(worst, (cpu, wall, f"{key} {scheduler}"))
        print(f"  {'cold caches (every protocol synthesised afresh)' if cold else 'warm protocol caches (as in a search)'}:")
        for net, t in per_net.items():
            walls, cpus = [w for w, _ in t], [c for _, c in t]
            print(
                f"    {net:6s} wall median {statistics.median(walls):6.3f} max {max(walls):6.3f}   "
                f"CPU median {statistics.median(cpus):6.3f} max {max(cpus):6.3f}  ({len(t)} points)"
            )
        print(f"    slowest (CPU): {worst[2]}: CPU {worst[0]:.3f} s, wall {worst[1]:.3f} s")


def generator(seeds: int) -> None:
    sets = str(calibration_dir() / "demand_sets_seed1.json")
    rows = {(r.network, r.fmin, r.load, r.scheduler): r for r in replay()}
    print()
    print(f"seeded generator, seeds 1-{seeds} (mean) vs the calibration seed")
    print(f"{'point':16s} {'demands':>13s} {'load':>13s} {'hops':>11s} " + " ".join(f"{s:>19s}" for s in SCHEDULER_NAMES))
    with open(sets, encoding="utf-8") as fh:
        keys = sorted(json.load(fh))
    for key in keys:
        net, fmin, load, _ = key.split(",")
        g = build_topology(NETS[net])
        cal = load_demand_file(sets, key)
        cal_hops = statistics.mean(len(nx.shortest_path(g, d.src, d.dst)) - 1 for d in cal.demands)
        counts, loads, hops = [], [], []
        thr: dict[str, list[float]] = defaultdict(list)
        for seed in range(1, seeds + 1):
            ds = generate_demands(g, float(fmin), float(load), seed, "nv")
            counts.append(len(ds))
            loads.append(sum(d.rate for d in ds))
            hops.append(statistics.mean(d.hops for d in ds))
            tasks = reference_tasks(g, [RefDemand(d.src, d.dst, d.rate) for d in ds], float(fmin))
            for name, sched in SCHEDULER_NAMES.items():
                thr[name].append(admit(tasks, sched).throughput_pairs_s)
        cells = " ".join(
            f"{statistics.mean(thr[n]):8.3f} / {rows[(net, float(fmin), float(load), n)].throughput_ref:8.3f}" for n in SCHEDULER_NAMES
        )
        print(
            f"{key[:-2]:16s} {statistics.mean(counts):5.1f} / {len(cal.demands):5d} {statistics.mean(loads):5.1f} / "
            f"{sum(d.rate for d in cal.demands):5.1f} {statistics.mean(hops):4.2f} / {cal_hops:4.2f} {cells}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=10, help="generator seeds 1..N")
    ap.add_argument("--skip-generator", action="store_true")
    ap.add_argument("--skip-timing", action="store_true")
    args = ap.parse_args()
    table()
    if not args.skip_timing:
        timing()
    if not args.skip_generator:
        generator(args.seeds)


if __name__ == "__main__":
    main()
