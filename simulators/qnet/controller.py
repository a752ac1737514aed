"""The central controller: protocols for every demand, greedy admission, a verified schedule.

:func:`run_controller` is the whole pipeline for one policy and one demand set: synthesise and
bind each demand's protocol, turn it into a periodic task, admit demands one at a time in the
policy's admission order (a demand is kept only if the whole set still schedules), and verify
the final schedule. :func:`schedule_metrics` reads the metrics off the result.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np

from archgym.simulators.qnet.demands import Demand, path_lengths
from archgym.simulators.qnet.schedulers import PeriodicTask, Schedule, build_schedule
from archgym.simulators.qnet.synthesis import synthesise
from archgym.simulators.qnet.task import ProtocolTask
from archgym.simulators.qnet.topology import QubitMap
from archgym.simulators.qnet.verify import verify_schedule

__all__ = ["ADMISSION_ORDERS", "ControllerResult", "Policy", "candidate_tasks", "period_slots", "run_controller", "schedule_metrics"]

logger = logging.getLogger(__name__)

ADMISSION_ORDERS: tuple[str, ...] = ("drawn", "rate_desc", "rate_asc", "hops_asc", "hops_desc", "utilisation_asc")


@dataclass(frozen=True)
class Policy:
    """The controller's policy (the design).

    Attributes:
        scheduler: one of :data:`~archgym.simulators.qnet.schedulers.SCHEDULERS`.
        slot_s: slot length, s.
        preemption_budget: pauses per instance for ``rcpsp_p_edf``.
        admission_order: one of :data:`ADMISSION_ORDERS`.
        link_policy: ``"just_enough"``, ``"max_fidelity"`` or ``"max_rate"``.
        distillation: ``"auto"``, ``"pumping"``, ``"nested"``, ``"link"`` or ``"none"``.
        comm: communication qubits per node.
        storage: storage qubits per node.
    """

    scheduler: str = "rcpsp_np_edf"
    slot_s: float = 0.01
    preemption_budget: int = 0
    admission_order: str = "drawn"
    link_policy: str = "just_enough"
    distillation: str = "auto"
    comm: int = 1
    storage: int = 3


@dataclass(frozen=True)
class ControllerResult:
    """Outcome of running the controller.

    Attributes:
        schedule: the verified schedule of the admitted demands.
        admitted: indices (into the demand set) of the admitted demands, in schedule order.
        protocols: the bound protocol of each admitted demand (aligned with the schedule's tasks).
        lengths_km: link lengths of each admitted demand's path.
        offered: number of demands offered.
        rejected: ``{demand index: reason}`` for every demand not admitted.
        slot_s: slot length, s.
    """

    schedule: Schedule
    admitted: tuple[int, ...]
    protocols: tuple[ProtocolTask, ...]
    lengths_km: tuple[tuple[float, ...], ...]
    offered: int
    rejected: dict[int, str]
    slot_s: float


def period_slots(rate: float, slot_s: float) -> int:
    """``p = ⌈1/(R·slot)⌉`` slots."""
    return max(1, math.ceil(1.0 / (rate * slot_s) - 1e-9))


Candidate = tuple[int, PeriodicTask, ProtocolTask, tuple[float, ...]]


def candidate_tasks(
    graph: nx.Graph, demands: Sequence[Demand], policy: Policy, link_model: str, rejected: dict[int, str]
) -> list[Candidate]:
    """Synthesise every demand's protocol and turn the feasible ones into periodic tasks.

    Args:
        graph: the topology.
        demands: the offered demands.
        policy: the controller's policy.
        link_model: ``"nv"`` or ``"futuristic"``.
        rejected: filled with ``{demand index: reason}`` for infeasible demands.

    Returns:
        ``(demand index, periodic task, bound protocol, link lengths)`` per feasible demand.
    """
    qmap = QubitMap.for_graph(graph, policy.comm, policy.storage)
    cands: list[Candidate] = []
    for k, d in enumerate(demands):
        lengths = path_lengths(graph, d.path)
        syn = synthesise(
            lengths,
            d.fmin,
            link_model=link_model,
            link_policy=policy.link_policy,
            distillation=policy.distillation,
            comm=policy.comm,
            storage=policy.storage,
            slot_s=policy.slot_s,
        )
        if syn.task is None:
            rejected[k] = syn.reason
            continue
        p = period_slots(d.rate, policy.slot_s)
        if syn.task.c > p:
            rejected[k] = f"protocol takes {syn.task.c} slots, more than the period {p}"
            continue
        t = syn.task
        ptask = PeriodicTask(p, t.c, t.global_qubits(d.path, qmap), t.profile, t.preemption_points, t.fidelity, k)
        cands.append((k, ptask, t, lengths))
    return cands


def run_controller(
    graph: nx.Graph, demands: Sequence[Demand], policy: Policy, link_model: str = "nv", verify: bool = True
) -> ControllerResult:
    """Build the schedule for a demand set under a policy.

    Args:
        graph: the topology (edges carry ``length_km``).
        demands: the offered demands, in the order drawn.
        policy: the controller's policy.
        link_model: ``"nv"`` or ``"futuristic"``.
        verify: run :func:`~archgym.simulators.qnet.verify.verify_schedule` on the result.
    """
    qmap = QubitMap.for_graph(graph, policy.comm, policy.storage)
    rejected: dict[int, str] = {}
    cands = candidate_tasks(graph, demands, policy, link_model, rejected)
    order = policy.admission_order
    keyf = {
        "drawn": lambda e: e[0],
        "rate_desc": lambda e: (-demands[e[0]].rate, e[0]),
        "rate_asc": lambda e: (demands[e[0]].rate, e[0]),
        "hops_asc": lambda e: (demands[e[0]].hops, e[0]),
        "hops_desc": lambda e: (-demands[e[0]].hops, e[0]),
        "utilisation_asc": lambda e: (e[1].c / e[1].period, e[0]),
    }
    if order not in keyf:
        raise ValueError(f"unknown admission order {order!r}; allowed: {', '.join(ADMISSION_ORDERS)}")
    cands.sort(key=keyf[order])
    kept: list[Candidate] = []
    schedule = build_schedule([], policy.scheduler, policy.preemption_budget)
    assert schedule is not None
    for entry in cands:
        trial = build_schedule([e[1] for e in kept] + [entry[1]], policy.scheduler, policy.preemption_budget)
        if trial is None:
            rejected[entry[0]] = f"{policy.scheduler} cannot schedule it with the demands already admitted"
            continue
        kept.append(entry)
        schedule = trial
    if verify:
        verify_schedule(schedule, qmap.n_qubits)
    logger.debug("admitted %d of %d demands with %s", len(kept), len(demands), policy.scheduler)
    return ControllerResult(
        schedule,
        tuple(e[0] for e in kept),
        tuple(e[2] for e in kept),
        tuple(e[3] for e in kept),
        len(demands),
        rejected,
        policy.slot_s,
    )


def schedule_metrics(result: ControllerResult) -> dict[str, float]:
    """Metrics of a schedule (deterministic execution: every instance delivers).

    Returns:
        ``throughput_pairs_s`` (pairs delivered per hyperperiod / its length), ``latency_s``
        (worst finish − release), ``jitter_s2`` (max over tasks of the variance of
        start-to-start gap − period, cyclically), ``admitted_fraction``, ``fidelity`` (mean over
        admitted demands; 0 when none) and ``deadline_miss_fraction`` (0).
    """
    sched, slot = result.schedule, result.slot_s
    h = sched.hyperperiod
    throughput = sum(ex.shape[0] for ex in sched.exec_slots) / (h * slot) if sched.tasks else 0.0
    latency = 0.0
    jitter = 0.0
    for task, ex in zip(sched.tasks, sched.exec_slots):
        releases = np.arange(ex.shape[0]) * task.period
        latency = max(latency, float((ex[:, -1] + 1 - releases).max()) * slot)
        starts = ex[:, 0]
        gaps = np.diff(np.append(starts, starts[0] + h)) - task.period
        jitter = max(jitter, float(np.var(gaps)) * slot**2)
    fids = [t.fidelity for t in sched.tasks]
    return {
        "throughput_pairs_s": throughput,
        "latency_s": latency,
        "jitter_s2": jitter,
        "admitted_fraction": len(result.admitted) / result.offered if result.offered else 0.0,
        "fidelity": float(np.mean(fids)) if fids else 0.0,
        "deadline_miss_fraction": 0.0,
    }
