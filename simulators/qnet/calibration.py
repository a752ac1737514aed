"""Replay the reference's calibration points and compare, row by row.

The calibration data (``data/calibration/``, from the reference at commit 46b4a67, seed 1 of every
(network, F_min, load) point on the four small networks) holds each point's ordered demand set
and the reference's offered/admitted/throughput/latency/jitter for its three schedulers (72
rows). :func:`replay` runs the reference controller on each demand set and pairs every row with
ours; :func:`summary` reduces the rows to the shares the issue asks for.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from archgym.simulators.qnet.demandfile import load_demand_file
from archgym.simulators.qnet.reference import reference_tasks
from archgym.simulators.qnet.refsched import admit
from archgym.simulators.qnet.topology import build_topology

__all__ = ["SCHEDULER_NAMES", "Row", "calibration_dir", "replay", "summary"]

#: the reference's scheduler names → ours
SCHEDULER_NAMES = {"PTS-NP-EDF": "pts_np_edf", "RCPSP-NP-FPR": "rcpsp_np_fpr", "RCPSP-NP-EDF": "rcpsp_np_edf"}


@dataclass(frozen=True)
class Row:
    """One calibration row: the reference's figures and ours.

    ``*_ref`` from the reference's CSV; the others from the replay. Throughput in pairs/s,
    latency (worst-case response time) in s, jitter in s².
    """

    network: str
    fmin: float
    load: float
    scheduler: str
    offered: int
    admitted: int
    admitted_ref: int
    throughput: float
    throughput_ref: float
    latency: float
    latency_ref: float
    jitter: float
    jitter_ref: float
    c_match: bool

    def within(self, tol: float = 0.10) -> bool:
        """Throughput and admitted count both within ``tol`` (relative) of the reference."""
        def close(a: float, b: float) -> bool:
            return abs(a - b) <= tol * abs(b) if b else abs(a) <= tol

        return close(self.throughput, self.throughput_ref) and close(self.admitted, self.admitted_ref)


def calibration_dir() -> Path:
    """The shipped calibration data."""
    return Path(str(resources.files("archgym.simulators.qnet.data") / "calibration"))


def replay(root: Path | None = None, keys: Sequence[str] | None = None) -> list[Row]:
    """Replay every calibration demand set (or ``keys``) under the three reference schedulers."""
    root = calibration_dir() if root is None else Path(root)
    sets = root / "demand_sets_seed1.json"
    with open(root / "reference_seed1.csv", newline="", encoding="utf-8") as fh:
        ref = {(r["network"], r["fmin"], r["load"], r["seed"], r["scheduler"]): r for r in csv.DictReader(fh)}
    points = sorted({k[:4] for k in ref}) if keys is None else [tuple(k.split(",")) for k in keys]
    rows = []
    for net, fmin, load, seed in points:
        f = load_demand_file(str(sets), f"{net},{fmin},{load},{seed}")
        tasks = reference_tasks(build_topology(f.network, f.length_km), f.demands, f.fmin, slot_s=f.slot_s)
        c_match = all(c is None or c == t.c for c, t in zip(f.expected_c, tasks))
        for name, ours in SCHEDULER_NAMES.items():
            r = ref[(net, fmin, load, seed, name)]
            res = admit(tasks, ours, f.slot_s)
            rows.append(
                Row(net, float(fmin), float(load), name, len(f.demands), len(res.admitted), int(r["admitted"]),
                    res.throughput_pairs_s, float(r["throughput"]), res.latency_s, float(r["wcrt_s"]),
                    res.jitter_s2, float(r["jitter_s2"]), c_match)
            )
    return rows


def summary(rows: Sequence[Row]) -> dict[str, float | dict[str, bool]]:
    """Shares of rows within 10 % (throughput and admitted), with exact admitted counts, and the
    per-network order of the schedulers by mean throughput (does ours match the reference's?)."""
    by_net: dict[str, dict[str, list[tuple[float, float]]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        by_net[r.network][r.scheduler].append((r.throughput, r.throughput_ref))

    def order(means: dict[str, float]) -> list[str]:
        return sorted(means, key=lambda s: (-round(means[s], 9), s))

    order_match = {}
    for net, per in by_net.items():
        ours = {s: sum(a for a, _ in v) / len(v) for s, v in per.items()}
        theirs = {s: sum(b for _, b in v) / len(v) for s, v in per.items()}
        order_match[net] = order(ours) == order(theirs)
    n = len(rows) or 1
    return {
        "rows": len(rows),
        "within_10pct": sum(r.within() for r in rows) / n,
        "admitted_exact": sum(r.admitted == r.admitted_ref for r in rows) / n,
        "order_match": order_match,
    }
