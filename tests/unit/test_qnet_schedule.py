"""Schedulers, the verifier (property test over random demand sets on every topology), metrics
and the reference's qualitative results."""

from __future__ import annotations

import dataclasses

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archgym.simulators.qnet.controller import Policy, candidate_tasks, period_slots, run_controller, schedule_metrics
from archgym.simulators.qnet.demands import RATES, Demand, generate_demands
from archgym.simulators.qnet.schedulers import SCHEDULERS, PeriodicTask, build_schedule
from archgym.simulators.qnet.topology import TOPOLOGIES, build_topology
from archgym.simulators.qnet.verify import ScheduleViolation, verify_schedule

GRAPHS = {name: build_topology(name) for name in TOPOLOGIES}


def _task(period, c, qubits, profile, points=(), key=0):
    return PeriodicTask(period, c, np.asarray(qubits), np.asarray(profile, dtype=bool), tuple(points), 0.9, key)


def test_period_and_hyperperiod():
    assert period_slots(6.25, 0.01) == 16
    assert period_slots(100.0, 0.01) == 1
    assert period_slots(6.25, 0.02) == 8
    assert period_slots(100.0, 0.02) == 1  # ⌈0.5⌉
    s = build_schedule([_task(4, 1, [0], [[1]]), _task(6, 1, [1], [[1]])], "rcpsp_np_edf")
    assert s is not None and s.hyperperiod == 12


def test_rcpsp_overlaps_disjoint_tasks_pts_does_not():
    a = _task(4, 3, [0], [[1, 1, 1]])
    b = _task(4, 3, [1], [[1, 1, 1]])
    assert build_schedule([a, b], "pts_np_edf") is None  # 6 slots of work in a period of 4
    s = build_schedule([a, b], "rcpsp_np_edf")
    assert s is not None
    verify_schedule(s)
    assert [int(x[0, 0]) for x in s.exec_slots] == [0, 0]


def test_profile_versus_full_reservation():
    # two tasks on the same qubits with complementary profiles fit in one period only when the
    # per-qubit profile is used, not when all qubits are reserved for the whole duration
    a = _task(4, 4, [0, 1], [[1, 1, 0, 0], [0, 0, 0, 0]])
    b = _task(4, 2, [0], [[1, 1]])
    s = build_schedule([a, b], "rcpsp_np_edf")
    assert s is not None
    verify_schedule(s)
    assert build_schedule([a, b], "rcpsp_np_fpr") is None


def test_preemption_pauses_at_points_and_keeps_held_qubits():
    # task a: qubit 0 busy at relative 0 and 2, qubit 1 (a stored pair) held across 1..2
    a = _task(8, 3, [0, 1], [[1, 0, 1], [0, 1, 1]], points=(1, 2))
    blocker = _task(8, 2, [1], [[1, 1]])  # due earlier (c smaller, same deadline → placed first by key order)
    s = build_schedule([blocker, a], "rcpsp_p_edf", preemption_budget=1)
    assert s is not None
    verify_schedule(s)
    # the blocker holds qubit 1 in slots 0-1: a starts at 0, pauses in slot 1 (nothing held), resumes
    assert s.exec_slots[1][0].tolist() == [0, 2, 3]
    np_sched = build_schedule([blocker, a], "rcpsp_np_edf")
    assert np_sched is not None and np_sched.exec_slots[1][0].tolist() == [1, 2, 3]
    with pytest.raises(ScheduleViolation, match="budget 0"):
        verify_schedule(dataclasses.replace(s, preemption_budget=0))


def _mutate(schedule, i, new):
    ex = list(schedule.exec_slots)
    ex[i] = new
    return dataclasses.replace(schedule, exec_slots=tuple(ex))


def test_verifier_catches_violations():
    a = _task(4, 2, [0], [[1, 1]])
    b = _task(8, 2, [0, 1], [[0, 0], [1, 1]])
    s = build_schedule([a, b], "rcpsp_np_edf")
    assert s is not None
    verify_schedule(s)
    with pytest.raises(ScheduleViolation, match="before its release"):
        verify_schedule(_mutate(s, 0, s.exec_slots[0] - 1 + np.array([[1, 1], [-3, -3]])))
    with pytest.raises(ScheduleViolation, match="after its deadline"):
        verify_schedule(_mutate(s, 0, np.array([[3, 4], [4, 5]])))
    with pytest.raises(ScheduleViolation, match="shape"):
        verify_schedule(_mutate(s, 0, np.array([[0, 1, 2], [4, 5, 6]])))
    with pytest.raises(ScheduleViolation, match="not a pre-emption point|paused"):
        verify_schedule(_mutate(s, 0, np.array([[0, 2], [4, 5]])))
    c = _task(4, 2, [0], [[1, 1]])
    clash = build_schedule([a, c], "rcpsp_np_edf")
    assert clash is not None
    with pytest.raises(ScheduleViolation, match="qubit 0 is used by 2"):
        verify_schedule(_mutate(clash, 1, clash.exec_slots[0]))


def _demand_sets(draw, graph):
    ends = sorted(v for v, d in graph.nodes(data=True) if d["end_node"])
    n = draw(st.integers(1, 6))
    out = []
    for _ in range(n):
        src, dst = draw(st.sampled_from([(a, b) for a in ends for b in ends if a != b]))
        rate = draw(st.sampled_from(RATES))
        fmin = draw(st.sampled_from((0.55, 0.6, 0.7, 0.8) if graph.name != "surfnet" else (0.95, 0.98, 0.99)))
        out.append(Demand(src, dst, tuple(nx.shortest_path(graph, src, dst)), fmin, rate))
    return out


@st.composite
def _cases(draw):
    name = draw(st.sampled_from(TOPOLOGIES))
    policy = Policy(
        scheduler=draw(st.sampled_from(SCHEDULERS)),
        slot_s=draw(st.sampled_from((0.005, 0.01, 0.02))),
        preemption_budget=draw(st.integers(0, 3)),
        admission_order=draw(st.sampled_from(("drawn", "rate_desc", "hops_asc", "utilisation_asc"))),
        link_policy=draw(st.sampled_from(("just_enough", "max_fidelity"))),
        distillation=draw(st.sampled_from(("auto", "pumping", "link", "none"))),
        comm=draw(st.integers(1, 2)),
        storage=draw(st.integers(2, 4)),
    )
    return name, policy, _demand_sets(draw, GRAPHS[name])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_cases())
def test_every_schedule_passes_the_verifier(case):
    name, policy, demands = case
    graph = GRAPHS[name]
    model = "futuristic" if name == "surfnet" else "nv"
    result = run_controller(graph, demands, policy, model, verify=False)
    verify_schedule(result.schedule)
    # the whole demand set at once (schedules produced outside admission too)
    tasks = [t for _, t, _, _ in candidate_tasks(graph, demands, policy, model, {})]
    whole = build_schedule(tasks, policy.scheduler, policy.preemption_budget)
    if whole is not None:
        verify_schedule(whole)
    m = schedule_metrics(result)
    assert 0.0 <= m["admitted_fraction"] <= 1.0
    assert m["throughput_pairs_s"] <= sum(d.rate for d in demands) + 1e-9


def test_metrics_by_hand():
    g = GRAPHS["star"]
    d = Demand(0, 1, (0, 3, 1), 0.6, 6.25)  # c = 9 slots, p = 16
    r = run_controller(g, [d], Policy())
    m = schedule_metrics(r)
    assert m["throughput_pairs_s"] == pytest.approx(6.25)
    assert m["latency_s"] == pytest.approx(0.09)
    assert m["jitter_s2"] == pytest.approx(0.0)
    assert m["admitted_fraction"] == 1.0
    assert m["fidelity"] == pytest.approx(0.63966, abs=1e-5)
    # two such demands need 18 of 16 slots on the hub's communication qubit: one is rejected
    r2 = run_controller(g, [d, Demand(1, 2, (1, 3, 2), 0.6, 6.25)], Policy())
    assert r2.admitted == (0,) and "cannot schedule" in r2.rejected[1]


def _sweep(topology, scheduler, seeds, loads, fmin=0.6):
    g = GRAPHS[topology]
    out = []
    for seed in seeds:
        for load in loads:
            demands = generate_demands(g, fmin, load, seed, "nv")
            out.append(schedule_metrics(run_controller(g, demands, Policy(scheduler=scheduler))))
    return out


def test_star_all_schedulers_tie():
    runs = {s: _sweep("star", s, range(4), (5, 20, 50)) for s in ("pts_np_edf", "rcpsp_np_edf", "rcpsp_np_fpr")}
    for a, b, c in zip(*runs.values()):
        assert a["throughput_pairs_s"] == b["throughput_pairs_s"] == c["throughput_pairs_s"]
        assert a["admitted_fraction"] == b["admitted_fraction"] == c["admitted_fraction"]


def test_symmetric_rcpsp_beats_pts():
    pts = _sweep("symmetric", "pts_np_edf", range(6), (10, 20, 50))
    rcp = _sweep("symmetric", "rcpsp_np_edf", range(6), (10, 20, 50))
    for p, r in zip(pts, rcp):  # throughput at every load point
        assert r["throughput_pairs_s"] >= p["throughput_pairs_s"]
    # admitted demands on average (greedy admission can trade one fast demand for two slow ones)
    assert np.mean([r["admitted_fraction"] for r in rcp]) >= np.mean([p["admitted_fraction"] for p in pts])
    assert np.mean([r["throughput_pairs_s"] for r in rcp]) > np.mean([p["throughput_pairs_s"] for p in pts])


def test_raising_fmin_never_raises_throughput():
    """Same demands (pairs and rates), F_min raised: mean throughput over seeds and loads never rises."""
    g = GRAPHS["symmetric"]
    grid = (0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85)
    for scheduler in ("pts_np_edf", "rcpsp_np_edf"):
        means = []
        for f in grid:
            th = []
            for seed in range(6):
                for load in (10, 20, 50):
                    base = generate_demands(g, 0.55, load, seed, "nv")
                    ds = [dataclasses.replace(d, fmin=f) for d in base]
                    th.append(schedule_metrics(run_controller(g, ds, Policy(scheduler=scheduler)))["throughput_pairs_s"])
            means.append(np.mean(th))
        assert all(b <= a + 1e-9 for a, b in zip(means, means[1:])), (scheduler, means)
        assert means[-1] < means[0]
