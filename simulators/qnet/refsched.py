"""The reference's time-driven schedulers and admission, re-stated from their mechanism.

Skrzypczyk & Wehner's controller admits demands in draw order; a demand is kept when (1) no
qubit's utilisation (busy slots / period, summed over the tasks) exceeds 1 and (2) the scheduler
schedules every instance of the whole set over the hyperperiod by its deadline.

* **PTS-NP-EDF** — the network is one processor, simulated in time: at the current time every
  released instance joins a ready queue; the one with the earliest deadline (then name) runs for
  its ``c`` slots, non-pre-emptively; the processor idles only when nothing is released. The set
  is rejected if an instance ends after its deadline.
* **RCPSP-NP-EDF / RCPSP-NP-FPR** — tasks that share no qubit are scheduled apart. Instances
  enter the ready queue when it is empty (every task with the earliest next release) or when an
  instance just placed holds a qubit of another task up to or past that task's next release;
  the earliest deadline is placed next, at the first start where its qubits are free: with its
  per-qubit busy intervals (EDF; the search starts from the release shifted by the overlap found
  at ``max(release, this task's last start)``) or with all its qubits reserved for the whole
  ``c`` slots (FPR; the search starts at ``max(release, last start)``). A miss rejects the set.

:class:`RefTask` is a periodic task on physical qubit labels (``"<node>-C<i>"``,
``"<node>-S<i>"``); :func:`rebalance` re-maps virtual qubit labels to physical ones as the
reference's demand generator does after each demand.
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

__all__ = ["REF_SCHEDULERS", "RefResult", "RefTask", "admit", "rebalance", "schedule", "verify_groups"]

#: reference scheduler names → this module's keys
REF_SCHEDULERS: tuple[str, ...] = ("pts_np_edf", "rcpsp_np_fpr", "rcpsp_np_edf")


@dataclass(frozen=True)
class RefTask:
    """A periodic task on qubit labels.

    Attributes:
        name: unique name (the reference's ``"S=…, D=…, F=…, R=…, ID=…"``; breaks deadline ties).
        p: period, slots.
        c: length, slots.
        intervals: per qubit label, busy ``(begin, end)`` intervals relative to the start.
        key: the demand's index in its demand set.
        hops: path length in links.
        fidelity: delivered fidelity (Werner algebra).
    """

    name: str
    p: int
    c: int
    intervals: dict[str, tuple[tuple[int, int], ...]]
    key: int = -1
    hops: int = 0
    fidelity: float = 0.0

    def utilisation(self, qubit: str) -> float:
        return sum(e - b for b, e in self.intervals.get(qubit, ())) / self.p


def _kind(label: str) -> str:
    node, rid = label.split("-")
    return node + rid[0]


def rebalance(tasks: Sequence[RefTask], qubits: Sequence[str]) -> list[RefTask]:
    """Re-map each task's qubit labels onto the physical qubits, as the reference's generator does.

    Tasks are taken in order; within each node and qubit kind, the task's least-used qubit goes to
    the most-utilised physical qubit so far (ties by label), the next to the next, and so on.

    Args:
        tasks: the tasks, in admission order.
        qubits: every physical qubit label of the network.
    """
    util = dict.fromkeys(qubits, 0.0)
    by_kind: dict[str, list[str]] = defaultdict(list)
    for q in qubits:
        by_kind[_kind(q)].append(q)
    out = []
    for t in tasks:
        mine: dict[str, list[str]] = defaultdict(list)
        for q in t.intervals:
            mine[_kind(q)].append(q)
        mapping = {}
        for kind, virt in mine.items():
            tru = sorted((t.utilisation(v), v) for v in virt)
            ru = sorted((-util[q], q) for q in by_kind[kind])
            for (vu, v), (_, q) in zip(tru, ru):
                mapping[v] = q
                util[q] += vu
        out.append(replace(t, intervals={mapping[q]: iv for q, iv in t.intervals.items()}))
    return out


class _Occupation:
    """Busy intervals of one qubit, merged (touching ones too), sorted by begin."""

    __slots__ = ("begins", "ends")

    def __init__(self):
        self.begins: list[int] = []
        self.ends: list[int] = []

    def first_overlap_end(self, b: int, e: int) -> int | None:
        """End of the earliest-beginning interval overlapping ``[b, e)``, or ``None``."""
        i = bisect.bisect_right(self.begins, b) - 1
        if i >= 0 and self.ends[i] > b:
            return self.ends[i]
        i += 1
        if i < len(self.begins) and self.begins[i] < e:
            return self.ends[i]
        return None

    def add(self, b: int, e: int) -> None:
        i = bisect.bisect_left(self.begins, b)
        if i > 0 and self.ends[i - 1] >= b:
            i -= 1
            b = self.begins[i]
        j = i
        while j < len(self.begins) and self.begins[j] <= e:
            e = max(e, self.ends[j])
            j += 1
        self.begins[i:j] = [b]
        self.ends[i:j] = [e]


Entry = tuple[int, int, RefTask, int]  # start, end, task, instance


def _pts(tasks: Sequence[RefTask]) -> list[Entry] | None:
    h = math.lcm(*(t.p for t in tasks))
    pending = [(0, t.p, t.name, k, 0) for k, t in enumerate(tasks)]  # release, deadline, name, task, instance
    heapq.heapify(pending)
    ready: list[tuple[int, str, int, int, int]] = []
    now, out = 0, []
    while pending or ready:
        while pending and pending[0][0] <= now:
            a, d, name, k, n = heapq.heappop(pending)
            heapq.heappush(ready, (d, f"{name}|{n}", k, n, a))
        if ready:
            d, _, k, n, a = heapq.heappop(ready)
            t = tasks[k]
            out.append((now, now + t.c, t, n))
            if now + t.c > d:
                return None
            if n < h // t.p - 1:
                heapq.heappush(pending, ((n + 1) * t.p, (n + 2) * t.p, t.name, k, n + 1))
            now += t.c
        elif pending:
            now = pending[0][0]
    return out


def _rcpsp(tasks: Sequence[RefTask], reserve_all: bool) -> list[Entry] | None:
    h = math.lcm(*(t.p for t in tasks))
    occ: dict[str, _Occupation] = defaultdict(_Occupation)
    release: dict[int, float] = {k: 0 for k in range(len(tasks))}
    count = {k: 0 for k in range(len(tasks))}
    last_start = defaultdict(int)
    ready: list[tuple[int, str, int, int]] = []
    ivs = [
        {q: ((0, t.c),) for q in t.intervals} if reserve_all else t.intervals for t in tasks
    ]

    def put(k: int) -> None:
        t, n = tasks[k], count[k]
        heapq.heappush(ready, ((n + 1) * t.p, f"{t.name}|{n}", k, n))
        if h // t.p - 1 == n:
            release[k] = math.inf
        else:
            count[k] += 1
            release[k] += t.p

    out = []
    while any(r != math.inf for r in release.values()) or ready:
        if not ready:
            nxt = min(release.values())
            if nxt == math.inf:
                break
            for k in sorted((k for k in release if release[k] == nxt), key=lambda k: tasks[k].name):
                put(k)
        d, _, k, n = heapq.heappop(ready)
        t = tasks[k]
        a = n * t.p
        earliest = max(a, last_start[k])
        start = _earliest_fixed(ivs[k], t.c, occ, earliest) if reserve_all else _earliest_profile(ivs[k], occ, a, earliest)
        if start + t.c > d:
            return None
        last_start[k] = start
        placed = {q: [(b + start, e + start) for b, e in iv] for q, iv in ivs[k].items()}
        ends = {q: max(e for _, e in iv) for q, iv in placed.items()}
        for j in range(len(tasks)):
            if release[j] == math.inf:
                continue
            if any(q in tasks[j].intervals and end >= release[j] for q, end in ends.items()):
                put(j)
        out.append((start, start + t.c, t, n))
        for q, iv in placed.items():
            for b, e in iv:
                occ[q].add(b, e)
    return out


def _earliest_fixed(ivs: dict[str, tuple[tuple[int, int], ...]], c: int, occ, start: int) -> int:
    """First start ``>= start`` where every qubit of the task is free for its whole ``c`` slots (FPR)."""
    while True:
        dist = 0
        for q in ivs:
            end = occ[q].first_overlap_end(start, start + c) if q in occ else None
            if end is not None:
                dist = max(dist, end - start)
        if dist == 0:
            return start
        start += dist


def _overlaps(ivs, occ, at: int) -> list[int]:
    """For every busy interval of the task placed at ``at`` that meets an occupied one: how far the
    earliest-beginning occupied interval it meets extends past the interval's begin."""
    out = []
    bisect_right = bisect.bisect_right
    for q, iv in ivs.items():
        o = occ.get(q)
        if o is None or not o.begins:
            continue
        begins, ends = o.begins, o.ends
        n = len(begins)
        for b, e in iv:
            b += at
            e += at
            i = bisect_right(begins, b) - 1
            if i >= 0 and ends[i] > b:
                out.append(ends[i] - b)
            elif i + 1 < n and begins[i + 1] < e:
                out.append(ends[i + 1] - b)
    return out


def _earliest_profile(ivs, occ, release: int, earliest: int) -> int:
    """First start where the task's per-qubit intervals are free (EDF): the search begins at the
    release shifted by the largest overlap found at ``earliest`` and steps by the smallest."""
    offset = max([0, *_overlaps(ivs, occ, earliest)])
    while True:
        dists = _overlaps(ivs, occ, release + offset)
        if not dists:
            return release + offset
        offset += min(dists)


def _components(tasks: Sequence[RefTask]) -> list[list[RefTask]]:
    parent = list(range(len(tasks)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, t in enumerate(tasks):
        for q in t.intervals:
            if q in owner:
                parent[find(i)] = find(owner[q])
            else:
                owner[q] = i
    groups: dict[int, list[RefTask]] = defaultdict(list)
    for i, t in enumerate(tasks):
        groups[find(i)].append(t)
    return list(groups.values())


def schedule(tasks: Sequence[RefTask], scheduler: str) -> list[list[Entry]] | None:
    """Schedule a task set; ``None`` when an instance misses its deadline.

    Returns:
        One list of ``(start, end, task, instance)`` per group of tasks scheduled together.
    """
    if scheduler == "pts_np_edf":
        out = _pts(tasks)
        return None if out is None else [out]
    if scheduler not in REF_SCHEDULERS:
        raise ValueError(f"unknown reference scheduler {scheduler!r}; allowed: {', '.join(REF_SCHEDULERS)}")
    groups = []
    for comp in _components(tasks):
        out = _rcpsp(comp, scheduler == "rcpsp_np_fpr")
        if out is None:
            return None
        groups.append(out)
    return groups


def _overutilised(tasks: Sequence[RefTask]) -> bool:
    util: dict[str, float] = defaultdict(float)
    for t in tasks:
        for q in t.intervals:
            util[q] += t.utilisation(q)
            if util[q] > 1:
                return True
    return False


@dataclass(frozen=True)
class RefResult:
    """Outcome of reference admission.

    Attributes:
        admitted: indices of the admitted tasks, in order.
        groups: the last successful schedule (see :func:`schedule`).
        throughput_pairs_s: sum of the admitted rates, pairs/s.
        latency_s: worst-case response time (finish − release), s.
        jitter_s2: max over tasks of the variance of (start gap − period), s².
    """

    admitted: tuple[int, ...]
    groups: tuple[tuple[Entry, ...], ...]
    throughput_pairs_s: float
    latency_s: float
    jitter_s2: float


def admit(tasks: Sequence[RefTask], scheduler: str, slot_s: float = 0.01) -> RefResult:
    """Admit tasks one at a time in order (utilisation check, then the whole set must schedule).

    Args:
        tasks: the tasks on physical qubits, in draw order.
        scheduler: one of :data:`REF_SCHEDULERS`.
        slot_s: slot length, s.
    """
    kept: list[int] = []
    last: list[list[Entry]] = []
    for i in range(len(tasks)):
        trial = [tasks[k] for k in kept] + [tasks[i]]
        if _overutilised(trial):
            continue
        groups = schedule(trial, scheduler)
        if groups is not None:
            kept.append(i)
            last = groups
    if not kept:
        return RefResult((), (), 0.0, 0.0, 0.0)
    ts = [tasks[k] for k in kept]
    h = math.lcm(*(t.p for t in ts))
    throughput = sum(h / t.p for t in ts) / (h * slot_s)
    wcrt = 0.0
    jitter = 0.0
    for group in last:
        starts: dict[str, list[float]] = defaultdict(list)
        for s, e, t, n in group:
            wcrt = max(wcrt, (e - n * t.p) * slot_s)
            starts[t.name].append(s * slot_s)
        for t in ts:
            st = starts.get(t.name, [])
            change = [s2 - s1 - t.p * slot_s for s1, s2 in zip(st, st[1:])]
            if change:
                jitter = max(jitter, float(np.var(change)))
    return RefResult(tuple(kept), tuple(tuple(g) for g in last), throughput, wcrt, jitter)


def verify_groups(groups: Sequence[Sequence[Entry]], one_processor: bool = False) -> None:
    """Check a reference schedule: every instance inside its window, ``c`` slots, no qubit used twice.

    Args:
        groups: the schedule (see :func:`schedule`).
        one_processor: also forbid any two instances overlapping in time (PTS).

    Raises:
        ScheduleViolation: naming the first violation.
    """
    from archgym.simulators.qnet.verify import ScheduleViolation

    busy: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    if one_processor:
        runs = sorted((s, e, f"{t.name}|{n}") for g in groups for s, e, t, n in g)
        for (_, e1, n1), (b2, _, n2) in zip(runs, runs[1:]):
            if b2 < e1:
                raise ScheduleViolation(f"{n1} and {n2} overlap on the one processor at slot {b2}")
    for group in groups:
        for s, e, t, n in group:
            if s < n * t.p or e > (n + 1) * t.p:
                raise ScheduleViolation(f"{t.name} instance {n} runs [{s}, {e}) outside its window [{n * t.p}, {(n + 1) * t.p})")
            if e - s != t.c:
                raise ScheduleViolation(f"{t.name} instance {n} runs {e - s} slots, not c={t.c}")
            for q, iv in t.intervals.items():
                busy[q].extend((b + s, e2 + s, f"{t.name}|{n}") for b, e2 in iv)
    for q, ivs in busy.items():
        ivs.sort()
        for (_, e1, n1), (b2, _, n2) in zip(ivs, ivs[1:]):
            if b2 < e1 and n1 != n2:
                raise ScheduleViolation(f"qubit {q} used by {n1} and {n2} in slot {b2}")
