"""The schedule verifier, run on every schedule the simulator produces.

Checks, independently of how the schedule was built:

* the hyperperiod is a multiple of every period and each task has ``H/p`` instances;
* every instance runs within its window: first slot ≥ release ``n·p``, last slot < ``(n+1)·p``;
* every instance runs its ``c`` slots, in order; gaps (pauses) only at the task's pre-emption
  points and at most ``preemption_budget`` of them (none for non-pre-emptive schedules);
* no qubit is used twice in a slot — counting each instance's per-qubit profile and, during a
  pause, the qubits holding its stored pairs;
* for ``pts_np_edf`` (one processor), no two instances overlap in time at all.
"""

from __future__ import annotations

import numpy as np

from archgym.simulators.qnet.schedulers import Schedule

__all__ = ["ScheduleViolation", "verify_schedule"]


class ScheduleViolation(AssertionError):
    """A schedule breaks a rule; the message names the task, instance, qubit or slot."""


def verify_schedule(schedule: Schedule, n_qubits: int | None = None) -> None:
    """Raise :class:`ScheduleViolation` if the schedule is not feasible.

    Args:
        schedule: the schedule to check.
        n_qubits: number of global qubits (default: one more than the largest used).
    """
    h = schedule.hyperperiod
    tasks = schedule.tasks
    if len(schedule.exec_slots) != len(tasks):
        raise ScheduleViolation(f"{len(schedule.exec_slots)} instance tables for {len(tasks)} tasks")
    if n_qubits is None:
        n_qubits = 1 + max((int(t.qubits.max()) for t in tasks if t.qubits.size), default=0)
    occ = np.zeros((n_qubits, h), dtype=np.int64)
    spans: list[tuple[int, int, int, int]] = []
    for i, (task, ex) in enumerate(zip(tasks, schedule.exec_slots)):
        p, c = task.period, task.c
        if h % p:
            raise ScheduleViolation(f"task {i}: hyperperiod {h} is not a multiple of its period {p}")
        if ex.shape != (h // p, c):
            raise ScheduleViolation(f"task {i}: instance table has shape {ex.shape}, expected {(h // p, c)}")
        releases = np.arange(h // p) * p
        early = np.flatnonzero(ex[:, 0] < releases)
        if early.size:
            n = int(early[0])
            raise ScheduleViolation(f"task {i} instance {n}: starts in slot {ex[n, 0]} before its release {releases[n]}")
        late = np.flatnonzero(ex[:, -1] >= releases + p)
        if late.size:
            n = int(late[0])
            raise ScheduleViolation(f"task {i} instance {n}: ends in slot {ex[n, -1]}, after its deadline {releases[n] + p}")
        steps = np.diff(ex, axis=1)
        if (steps < 1).any():
            n = int(np.flatnonzero((steps < 1).any(axis=1))[0])
            raise ScheduleViolation(f"task {i} instance {n}: its {c} slots are not in increasing order")
        points = set(task.preemption_points)
        for n, k in zip(*np.nonzero(steps > 1)):
            if int(k) + 1 not in points:
                raise ScheduleViolation(f"task {i} instance {n}: paused at relative slot {k + 1}, not a pre-emption point")
        pauses = (steps > 1).sum(axis=1)
        if pauses.size and pauses.max() > schedule.preemption_budget:
            n = int(np.argmax(pauses))
            raise ScheduleViolation(
                f"task {i} instance {n}: paused {pauses[n]} times, budget {schedule.preemption_budget}"
            )
        for k in range(c):
            rows = task.qubits[task.profile[:, k]]
            if rows.size:
                np.add.at(occ, (rows[:, None], ex[None, :, k]), 1)
        for n, k in zip(*np.nonzero(steps > 1)):
            held = task.qubits[task.profile[:, k] & task.profile[:, k + 1]]
            gap = np.arange(ex[n, k] + 1, ex[n, k + 1])
            if held.size:
                np.add.at(occ, (held[:, None], gap[None, :]), 1)
        spans.extend((int(ex[n, 0]), int(ex[n, -1]), i, n) for n in range(h // p))
    if occ.size and occ.max() > 1:
        q, t = np.unravel_index(int(np.argmax(occ)), occ.shape)
        raise ScheduleViolation(f"qubit {q} is used by {occ[q, t]} operations in slot {t}")
    if schedule.scheduler == "pts_np_edf":
        spans.sort()
        for (_, e1, i1, n1), (s2, _, i2, n2) in zip(spans, spans[1:]):
            if s2 <= e1:
                raise ScheduleViolation(f"one-processor schedule: task {i1}/{n1} and task {i2}/{n2} overlap in slot {s2}")
