"""Periodic tasks and cyclic schedules over the hyperperiod: PTS and RCPSP schedulers.

A demand of rate R becomes a periodic task: period ``p = ⌈1/(R·slot)⌉`` slots, instance ``n``
released at ``n·p`` and due by ``(n+1)·p`` (exclusive), ``c`` slots long. A schedule is a table
over the hyperperiod ``H = lcm(p_i)``, repeated cyclically (no instance's window crosses ``H``).

Schedulers (all non-pre-emptive except the last):

* ``pts_np_edf`` — the whole network as one processor, non-pre-emptive earliest deadline first:
  instances in EDF order (deadline, then release, then task), each at its earliest start where
  the processor is free (serial schedule generation, which may leave the processor idle rather
  than block an instance due soon);
* ``rcpsp_np_edf`` — every qubit a resource with the protocol's per-qubit time profile; the same
  EDF serial schedule generation, each instance at its earliest start where its profile fits;
* ``rcpsp_np_fpr`` — as ``rcpsp_np_edf`` but a protocol reserves all of its qubits for its whole
  duration (full protocol reservation);
* ``rcpsp_p_edf`` — as ``rcpsp_np_edf`` but an instance may pause up to ``budget`` times, only at
  boundaries no operation spans; while paused it keeps the qubits holding its stored pairs.

Occupancy is kept as one Python integer bitset per qubit (bit ``t`` = busy in slot ``t``), so a
fit test for every start of a window is a handful of shifts and ORs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["SCHEDULERS", "PeriodicTask", "Schedule", "build_schedule", "hyperperiod"]

SCHEDULERS: tuple[str, ...] = ("pts_np_edf", "rcpsp_np_edf", "rcpsp_np_fpr", "rcpsp_p_edf")
_NETWORK = -1  # the single resource of the one-processor (PTS) model
#: pre-emptive start times tried per instance before the earliest contiguous fit
MAX_PREEMPTIVE_TRIES = 16


@dataclass(frozen=True, eq=False)
class PeriodicTask:
    """One admitted demand as a periodic task on global qubits.

    Attributes:
        period: slots between releases.
        c: slots of one instance.
        qubits: global qubit indices, shape ``(m,)``.
        profile: ``(m, c)`` bool, qubit busy in a relative slot.
        preemption_points: relative boundaries where the task may pause.
        fidelity: delivered fidelity (Werner algebra).
        key: the demand's index in the workload's demand set.
    """

    period: int
    c: int
    qubits: np.ndarray
    profile: np.ndarray
    preemption_points: tuple[int, ...]
    fidelity: float
    key: int

    def runs(self, reserve_all: bool = False) -> list[tuple[int, int]]:
        """``(qubit, relative-slot bitmask)`` pairs; ``reserve_all`` marks every slot busy."""
        full = (1 << self.c) - 1
        out = []
        for q, row in zip(self.qubits, self.profile):
            mask = full if reserve_all else int(sum(1 << int(k) for k in np.flatnonzero(row)))
            if mask:
                out.append((int(q), mask))
        return out


@dataclass(frozen=True, eq=False)
class Schedule:
    """A cyclic schedule.

    Attributes:
        scheduler: which scheduler built it.
        hyperperiod: ``H``, slots.
        tasks: the scheduled tasks.
        exec_slots: per task, ``(H/p, c)`` int array: the absolute slot of every relative slot
            of every instance (consecutive unless the instance was pre-empted).
        preemption_budget: pauses allowed per instance (0 for non-pre-emptive schedulers).
    """

    scheduler: str
    hyperperiod: int
    tasks: tuple[PeriodicTask, ...]
    exec_slots: tuple[np.ndarray, ...]
    preemption_budget: int


def hyperperiod(periods: list[int]) -> int:
    """Least common multiple of the periods (1 for none)."""
    return math.lcm(*periods) if periods else 1


def _dilate(x: int, k0: int, length: int) -> int:
    """OR of ``x >> k`` for ``k`` in ``[k0, k0 + length)``."""
    acc = x >> k0
    span = 1
    while span < length:
        step = min(span, length - span)
        acc |= acc >> step
        span += step
    return acc


def _runs_of(mask: int) -> list[tuple[int, int]]:
    out, k = [], 0
    while mask >> k:
        if (mask >> k) & 1:
            start = k
            while (mask >> k) & 1:
                k += 1
            out.append((start, k - start))
        else:
            k += 1
    return out


def _jobs(tasks: tuple[PeriodicTask, ...], h: int) -> list[tuple[int, int, int, int]]:
    """Every instance as ``(deadline, release, task, instance)``, in EDF order."""
    jobs = [((n + 1) * t.period, n * t.period, i, n) for i, t in enumerate(tasks) for n in range(h // t.period)]
    jobs.sort()
    return jobs


def _sgs(tasks: tuple[PeriodicTask, ...], h: int, runs: list[list[tuple[int, int]]]) -> list[np.ndarray] | None:
    """Serial schedule generation: instances in EDF order, each at its earliest fitting start.

    ``runs[i]`` lists ``(resource, relative-slot bitmask)`` of task ``i``.
    """
    occ: dict[int, int] = {}
    starts = [np.zeros(h // t.period, dtype=np.int64) for t in tasks]
    spans = [[(q, mask, _runs_of(mask)) for q, mask in r] for r in runs]
    for d, r, i, n in _jobs(tasks, h):
        last = d - tasks[i].c
        if last < r:
            return None
        conflict = 0
        for q, _, pieces in spans[i]:
            x = occ.get(q, 0)
            if x:
                for k0, length in pieces:
                    conflict |= _dilate(x, k0, length)
        free = (((1 << (last - r + 1)) - 1) << r) & ~conflict
        if not free:
            return None
        s = (free & -free).bit_length() - 1
        for q, mask, _ in spans[i]:
            occ[q] = occ.get(q, 0) | (mask << s)
        starts[i][n] = s
    return starts


def _preemptive(tasks: tuple[PeriodicTask, ...], h: int, budget: int) -> list[np.ndarray] | None:
    """EDF serial generation where an instance may pause (``budget`` times) at its pre-emption points.

    For each instance: the earliest contiguous fit ``s_np`` is found as in :func:`_sgs`; starts
    before it where the first slot fits (at most :data:`MAX_PREEMPTIVE_TRIES`) are tried with a
    greedy that runs the next relative slot when its qubits are free and otherwise pauses, keeping
    the qubits that hold pairs; the first that completes by the deadline wins, else ``s_np``.
    """
    occ: dict[int, int] = {}
    out = [np.zeros((h // t.period, t.c), dtype=np.int64) for t in tasks]
    info = []
    for t in tasks:
        col = [[int(q) for q in t.qubits[t.profile[:, k]]] for k in range(t.c)]
        held = {k: [int(q) for q in t.qubits[t.profile[:, k - 1] & t.profile[:, k]]] for k in t.preemption_points}
        spans = [(q, mask, _runs_of(mask)) for q, mask in t.runs()]
        info.append((col, held, spans))

    def free(qs: list[int], t: int) -> bool:
        return all(not (occ.get(q, 0) >> t) & 1 for q in qs)

    for d, r, i, n in _jobs(tasks, h):
        task = tasks[i]
        col, held, spans = info[i]
        last = d - task.c
        if last < r:
            return None
        conflict = 0
        for q, _, pieces in spans:
            x = occ.get(q, 0)
            if x:
                for k0, length in pieces:
                    conflict |= _dilate(x, k0, length)
        contiguous = (((1 << (last - r + 1)) - 1) << r) & ~conflict
        s_np = (contiguous & -contiguous).bit_length() - 1 if contiguous else last + 1
        placed = None
        tries = 0
        for s0 in range(r, min(s_np, last + 1)):
            if not free(col[0], s0):
                continue
            tries += 1
            if tries > MAX_PREEMPTIVE_TRIES:
                break
            t, k, pauses, paused = s0, 0, 0, False
            ex: list[int] = []
            hold: list[tuple[int, int]] = []
            while k < task.c and t < d:
                if free(col[k], t):
                    ex.append(t)
                    k, t, paused = k + 1, t + 1, False
                elif k in held and (paused or pauses < budget) and free(held[k], t):
                    pauses += not paused
                    paused = True
                    hold.append((k, t))
                    t += 1
                else:
                    break
            if k == task.c:
                placed = (ex, hold)
                break
        if placed is None:
            if not contiguous:
                return None
            placed = (list(range(s_np, s_np + task.c)), [])
        ex, hold = placed
        for k, t in enumerate(ex):
            for q in col[k]:
                occ[q] = occ.get(q, 0) | (1 << t)
        for k, t in hold:
            for q in held[k]:
                occ[q] = occ.get(q, 0) | (1 << t)
        out[i][n] = ex
    return out


def build_schedule(tasks: list[PeriodicTask], scheduler: str, preemption_budget: int = 0) -> Schedule | None:
    """Schedule a task set over its hyperperiod.

    Args:
        tasks: the periodic tasks (each with ``c <= period``).
        scheduler: one of :data:`SCHEDULERS`.
        preemption_budget: pauses allowed per instance (``rcpsp_p_edf`` only).

    Returns:
        The schedule, or ``None`` when the scheduler misses a deadline.
    """
    if scheduler not in SCHEDULERS:
        raise ValueError(f"unknown scheduler {scheduler!r}; allowed: {', '.join(SCHEDULERS)}")
    tt = tuple(tasks)
    h = hyperperiod([t.period for t in tt])
    if any(t.c > t.period for t in tt):
        return None
    budget = preemption_budget if scheduler == "rcpsp_p_edf" else 0
    if scheduler == "rcpsp_p_edf":
        ex = _preemptive(tt, h, budget)
        return None if ex is None else Schedule(scheduler, h, tt, tuple(ex), budget)
    if scheduler == "pts_np_edf":
        runs = [[(_NETWORK, (1 << t.c) - 1)] for t in tt]
    else:
        runs = [t.runs(reserve_all=scheduler == "rcpsp_np_fpr") for t in tt]
    starts = _sgs(tt, h, runs)
    if starts is None:
        return None
    ex = tuple(s[:, None] + np.arange(t.c)[None, :] for s, t in zip(starts, tt))
    return Schedule(scheduler, h, tt, ex, budget)
