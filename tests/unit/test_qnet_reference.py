"""The reference's protocol synthesis and placement (ESSS, ASAP → ALAP → shift), golden values.

Task lengths on a 5 km NV line are the table read from the reference (calibration README); the
occupancy case is derived by hand below.
"""

from __future__ import annotations

import json

import pytest

from archgym.simulators.qnet.esss import esss_protocol
from archgym.simulators.qnet.esss_place import place
from archgym.simulators.qnet.links import nv_table


def _menu_5km() -> tuple[tuple[float, float], ...]:
    lengths, fids, rates = nv_table()
    i = list(lengths).index(5.0)
    return tuple(zip(fids[i].tolist(), rates[i].tolist()))


TABLE = {0.6: (2, 9, 17, 33, 69), 0.75: (4, 17, 69, 103, 672)}


@pytest.mark.parametrize("fmin", [0.6, 0.75])
@pytest.mark.parametrize("hops", [1, 2, 3, 4])
def test_task_length_table(fmin, hops):
    proto = esss_protocol(hops, fmin, _menu_5km())
    assert place(proto).c == TABLE[fmin][hops - 1]


@pytest.mark.slow
@pytest.mark.parametrize("fmin", [0.6, 0.75])
def test_task_length_table_five_hops(fmin):
    assert place(esss_protocol(5, fmin, _menu_5km())).c == TABLE[fmin][4]


def test_one_hop_picks_the_fastest_point_meeting_fmin():
    # F_min 0.6: the 0.6175 point at 51.26 pairs/s → ⌈(1/51.26)/0.01⌉ = ⌈1.95⌉ = 2 slots, no distillation
    proto = esss_protocol(1, 0.6, _menu_5km())
    assert proto.kind == "L" and proto.F == pytest.approx(0.6175364261031095)


def test_swap_leaves_the_hub_communication_qubit_free():
    # 2 hops at F_min 0.75: both links at F = 0.8771 (14.16 pairs/s → 8 slots each); the hub's
    # single communication qubit generates them one after the other (slots 0-8 and 8-16); the
    # swap (slot 16) acts on the two storage qubits only → the hub's communication qubit is busy
    # 16 of the 17 slots; each storage qubit at the hub holds its pair until the swap.
    placed = place(esss_protocol(2, 0.75, _menu_5km()))
    assert placed.c == 17
    assert placed.busy_slots("1-C0") == 16
    assert placed.intervals["1-C0"] == ((0, 8), (8, 16))
    assert placed.busy_slots("1-S0") == 17 and placed.busy_slots("1-S1") == 9
    # end nodes: their storage qubit holds the pair from its generation to the end of the task
    assert placed.intervals["0-S0"] == ((8, 16), (16, 17))
    assert placed.intervals["2-S0"] == ((0, 8), (8, 17))


# --- rate cut-off, rebalancing, schedulers ---------------------------------------------------

from archgym.errors import InfeasibleDesign, UnknownWorkloadError  # noqa: E402
from archgym.simulators.qnet import QNetSimulator  # noqa: E402
from archgym.simulators.qnet.calibration import calibration_dir, replay, summary  # noqa: E402
from archgym.simulators.qnet.demandfile import convert_calibration, load_demand_file  # noqa: E402
from archgym.simulators.qnet.demands import RATES, generate_demands  # noqa: E402
from archgym.simulators.qnet.reference import protocol_task, sustains  # noqa: E402
from archgym.simulators.qnet.refsched import RefTask, admit, rebalance, schedule, verify_groups  # noqa: E402
from archgym.simulators.qnet.topology import build_topology  # noqa: E402


def test_strict_rate_cutoff():
    # a 1-hop task at F_min 0.6 takes 2 slots → sustains 1/(2·10 ms) = 50 pairs/s; only rates
    # strictly below are allowed: 25 yes, 50 no
    c = protocol_task(1, 0.6).c
    assert c == 2
    assert sustains(c, 25.0) and not sustains(c, 50.0)


def test_generated_rates_are_strictly_below_what_the_protocol_sustains():
    g = build_topology("line")
    for seed in range(3):
        for d in generate_demands(g, 0.6, 50.0, seed, "nv"):
            c = protocol_task(d.hops, 0.6).c
            assert d.rate in RATES and d.rate < 1 / (c * 0.01)
            assert not (d.hops == 1 and d.rate == 50.0)


def test_rebalance_least_used_virtual_qubit_to_most_used_physical():
    # task 1 uses node 0's S0 for 2 of 4 slots (0.5); task 2 uses S0 for 1 of 4 (0.25) and S1 for
    # 3 of 4 (0.75). Task 1: S0 → S0 (all idle, ties by label), U(S0) = 0.5. Task 2: its least-used
    # (S0, 0.25) goes to the most-utilised physical qubit S0, its S1 (0.75) to the next, S1.
    qubits = ["0-S0", "0-S1", "0-S2"]
    t1 = RefTask("a", 4, 2, {"0-S0": ((0, 2),)})
    t2 = RefTask("b", 4, 3, {"0-S0": ((0, 1),), "0-S1": ((0, 3),)})
    out = rebalance([t1, t2], qubits)
    assert out[0].intervals == {"0-S0": ((0, 2),)}
    assert out[1].intervals == {"0-S0": ((0, 1),), "0-S1": ((0, 3),)}
    # swapped virtual labels land on the same physical qubits (mapping by utilisation, not label)
    t3 = RefTask("b", 4, 3, {"0-S1": ((0, 1),), "0-S0": ((0, 3),)})
    assert rebalance([t1, t3], qubits)[1].intervals == {"0-S0": ((0, 1),), "0-S1": ((0, 3),)}


def test_pts_is_time_driven_and_work_conserving():
    # one processor; A: c=3, p=8; B: c=2, p=4. t=0: both released, EDF runs B [0,2), then A [2,5);
    # B's second instance (released 4) waits for the processor: [5,7), within its deadline 8.
    a = RefTask("A", 8, 3, {"0-C0": ((0, 3),)})
    b = RefTask("B", 4, 2, {"1-C0": ((0, 2),)})
    (group,) = schedule([a, b], "pts_np_edf")
    assert [(s, e, t.name, n) for s, e, t, n in group] == [(0, 2, "B", 0), (2, 5, "A", 0), (5, 7, "B", 1)]
    # RCPSP: disjoint qubits → scheduled apart, each group over its own hyperperiod (A: 8, B: 4),
    # both at their releases
    groups = schedule([a, b], "rcpsp_np_edf")
    assert len(groups) == 2
    starts = sorted((t.name, n, s) for g in groups for s, _, t, n in g)
    assert starts == [("A", 0, 0), ("B", 0, 0)]
    verify_groups(groups)
    verify_groups([group], one_processor=True)


def test_admission_checks_utilisation_first():
    # two tasks each holding qubit 0-C0 for 3 of 4 slots: 0.75 + 0.75 > 1 → the second is refused
    t = RefTask("x", 4, 3, {"0-C0": ((0, 3),)})
    u = RefTask("y", 4, 3, {"0-C0": ((0, 3),)})
    res = admit([t, u], "rcpsp_np_edf")
    assert res.admitted == (0,)
    assert res.throughput_pairs_s == pytest.approx(25.0)  # one pair every 4 slots of 10 ms


# --- demand-set files ----------------------------------------------------------------------------

CAL = str(calibration_dir() / "demand_sets_seed1.json")


def test_calibration_entry_loads_and_converts(tmp_path):
    f = load_demand_file(CAL, "star,0.75,10,1")
    assert f.network == "star" and f.fmin == 0.75 and f.slot_s == 0.01
    assert len(f.demands) == 9 and f.expected_c[0] in (4, 17)
    out = tmp_path / "star.json"
    out.write_text(json.dumps(convert_calibration(CAL, "star,0.75,10,1")))
    sim = QNetSimulator()
    a = sim.evaluate(sim.default_design(), f"file:{out}")
    b = sim.evaluate(sim.default_design(), f"file:{CAL}#star,0.75,10,1")
    assert a == b
    assert a["throughput_pairs_s"] == pytest.approx(5.6640625)  # the reference's RCPSP-NP-EDF row
    assert a["admitted_fraction"] == pytest.approx(5 / 9)


@pytest.mark.parametrize(
    "body, fragment",
    [
        ({"network": "line", "fmin": 0.6, "demands": [{"src": 0, "dst": 2, "rate": 1.0}, {"src": 0, "rate": 1.0}]}, "demand 1: missing field 'dst'"),
        ({"network": "line", "fmin": 0.6, "demands": [{"src": 0, "dst": 2, "rate": -1}]}, "demand 0: field 'rate' must be > 0"),
        ({"network": "line", "fmin": 0.6, "demands": [{"src": 0, "dst": 2}]}, "demand 0: missing field 'rate'"),
        ({"network": "star", "fmin": 0.6, "demands": [{"src": 0, "dst": 3, "rate": 1}]}, "demand 0: field 'dst' = 3 is not an end node"),
        ({"network": "line", "fmin": 0.6, "demands": [{"src": 1, "dst": 1, "period": 8}]}, "demand 0: src and dst are both 1"),
        ({"network": "line", "fmin": 0.6, "demands": [{"src": 0, "dst": 1, "period": 2.5}]}, "demand 0: field 'period' must be an integer"),
        ({"network": "ring", "fmin": 0.6, "demands": []}, "field 'network'"),
        ({"network": "line", "fmin": 1.2, "demands": [{"src": 0, "dst": 1, "rate": 1}]}, "field 'fmin'"),
    ],
)
def test_malformed_demand_file(tmp_path, body, fragment):
    p = tmp_path / "bad.json"
    p.write_text(json.dumps(body))
    sim = QNetSimulator()
    with pytest.raises(UnknownWorkloadError, match=fragment) as info:
        sim.check_workload(f"file:{p}")
    assert "\n" not in str(info.value) and str(p) in str(info.value)


def test_unsustainable_rate_is_rejected_not_lost(tmp_path):
    # 50 pairs/s on one hop at F_min 0.6 (c = 2) is not strictly below 50: offered, not admitted
    p = tmp_path / "d.json"
    p.write_text(json.dumps({"network": "line", "fmin": 0.6, "demands": [{"src": 0, "dst": 1, "rate": 50}, {"src": 2, "dst": 3, "rate": 25}]}))
    sim = QNetSimulator()
    m = sim.evaluate(sim.default_design(), f"file:{p}")
    assert m["admitted_fraction"] == 0.5 and m["throughput_pairs_s"] == pytest.approx(25.0)


def test_reference_workloads_refuse_extended_knobs():
    sim = QNetSimulator()
    with pytest.raises(InfeasibleDesign, match="link_policy='max_rate'"):
        sim.evaluate({**sim.default_design(), "link_policy": "max_rate"}, "star-f0.6-load10-ref")
    with pytest.raises(UnknownWorkloadError, match="reference controller"):
        sim.check_workload("surfnet-f0.98-load20-ref")


def test_cli_evaluates_a_demand_file(capsys):
    from archgym.cli import main

    assert main(["evaluate", "--simulator", "qnet", "--workload", f"file:{CAL}#H,0.6,10,1", "--design", "scheduler=pts_np_edf"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["metrics"]["throughput_pairs_s"] == pytest.approx(7.8125)  # the reference's PTS row


# --- the calibration rows ------------------------------------------------------------------------


def test_calibration_rows_small_networks_exact():
    rows = replay(keys=["star,0.75,20,1", "H,0.6,10,1", "symm,0.6,10,1"])
    for r in rows:
        assert r.c_match
        assert (r.admitted, r.throughput) == (r.admitted_ref, pytest.approx(r.throughput_ref))
        assert r.latency == pytest.approx(r.latency_ref) and r.jitter == pytest.approx(r.jitter_ref)


@pytest.mark.slow
def test_calibration_rows_all_72():
    rows = replay()
    s = summary(rows)
    assert s["rows"] == 72
    assert s["within_10pct"] >= 0.9 and s["admitted_exact"] >= 0.75  # the targets
    assert all(s["order_match"].values())
    # reached: every row reproduces the reference exactly (admitted, throughput, latency, jitter)
    for r in rows:
        assert r.c_match and r.admitted == r.admitted_ref, r
        assert r.throughput == pytest.approx(r.throughput_ref) and r.latency == pytest.approx(r.latency_ref), r
        assert r.jitter == pytest.approx(r.jitter_ref, abs=1e-12), r


def test_two_communication_qubits_match_the_reference():
    # lengths read from the reference code run on a line with 2 communication qubits per node
    # (its ASAP binding tries every pair of communication qubits and keeps the earliest start)
    assert [protocol_task(h, 0.6, comm=2).c for h in range(1, 5)] == [2, 5, 9, 9]
    assert [protocol_task(h, 0.75, comm=2).c for h in range(1, 5)] == [4, 9, 39, 58]


# --- qualitative properties on the reference controller ------------------------------------------


def _ref_metrics(workload: str, scheduler: str) -> dict[str, float]:
    sim = QNetSimulator()  # verify=True: every schedule passes the verifier or the call raises
    return sim.evaluate({**sim.default_design(), "scheduler": scheduler}, workload)


def test_reference_star_schedulers_tie():
    # the hub's one communication qubit serialises every protocol: nothing runs in parallel
    for seed in (1, 2):
        ms = [_ref_metrics(f"star-f0.6-load20-s{seed}-ref", s) for s in ("pts_np_edf", "rcpsp_np_fpr", "rcpsp_np_edf")]
        assert ms[0]["throughput_pairs_s"] == ms[1]["throughput_pairs_s"] == ms[2]["throughput_pairs_s"]
        assert ms[0]["admitted_fraction"] == ms[1]["admitted_fraction"] == ms[2]["admitted_fraction"]


@pytest.mark.slow
def test_reference_symmetric_rcpsp_beats_pts_on_average():
    pts, rcpsp = [], []
    for seed in (1, 2, 3):
        w = f"symmetric-f0.6-load20-s{seed}-ref"
        pts.append(_ref_metrics(w, "pts_np_edf")["throughput_pairs_s"])
        rcpsp.append(_ref_metrics(w, "rcpsp_np_edf")["throughput_pairs_s"])
    assert sum(rcpsp) >= sum(pts)


def test_converter_main(capsys):
    from archgym.simulators.qnet.convert import main

    assert main([CAL, "H,0.75,10,1"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["network"] == "h" and out["fmin"] == 0.75 and len(out["demands"]) == 20
    assert main([CAL]) == 2
