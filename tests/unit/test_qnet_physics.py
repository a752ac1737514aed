"""Werner algebra, link table, topologies, protocol synthesis and task binding (hand-derived values)."""

from __future__ import annotations

import math

import pytest

from archgym.errors import ConfigError
from archgym.simulators.qnet.links import link_menu, nv_table
from archgym.simulators.qnet.protocol import build_protocol, fidelity
from archgym.simulators.qnet.synthesis import synthesise
from archgym.simulators.qnet.task import bind_protocol, slots
from archgym.simulators.qnet.topology import QubitMap, build_topology
from archgym.simulators.qnet.werner import dephase, distill_fidelity, distill_success, swap_fidelity


def test_swap_hand_values():
    # 4/3·0.81 − 0.3 − 0.3 + 1/3 = 1.08 − 0.6 + 0.3333 = 0.81333
    assert swap_fidelity(0.9, 0.9) == pytest.approx(0.8133333333)
    assert swap_fidelity(1.0, 1.0) == pytest.approx(1.0)
    # a perfect pair swapped with F leaves F; white noise (F = 1/4) absorbs everything
    assert swap_fidelity(1.0, 0.7) == pytest.approx(0.7)
    assert swap_fidelity(0.25, 0.9) == pytest.approx(0.25)


def test_distill_hand_values():
    # F1 = F2 = 9/10: a = 81/100, b = c = 1/30 → num = 730/900, p = 788/900, F = 730/788
    assert distill_fidelity(0.9, 0.9) == pytest.approx(730 / 788)
    assert distill_success(0.9, 0.9) == pytest.approx(788 / 900)
    # two F = 0.5 pairs give no gain
    assert distill_fidelity(0.5, 0.5) == pytest.approx(0.5)
    assert distill_fidelity(0.45, 0.45) < 0.45
    # a perfect kept pair with a noisy sacrifice: a = 0.8, b = 0, c = 0.2/3 → 0.8/(0.8 + 0.2/3) = 12/13
    assert distill_fidelity(1.0, 0.8) == pytest.approx(12 / 13)


def test_dephasing():
    assert dephase(0.9, 0.0, 1.0) == pytest.approx(0.9)
    # λ = e^{-2·0.1} = 0.81873; F' = 0.9·0.90937 + (0.1/3)·0.09063
    lam = math.exp(-0.2)
    assert dephase(0.9, 0.1, 1.0) == pytest.approx(0.9 * (1 + lam) / 2 + 0.1 / 3 * (1 - lam) / 2)
    assert dephase(1.0, 1e6, 1.0) == pytest.approx(0.5)


def test_nv_table_and_interpolation():
    lengths, fids, rates = nv_table()
    assert list(lengths) == [5.0 * k for k in range(1, 11)]
    menu5 = link_menu(5.0, "nv")
    assert menu5[0].fidelity == pytest.approx(0.8770831028154402)
    assert menu5[0].rate == pytest.approx(14.15833266978285)
    assert [p.fidelity for p in menu5] == sorted((p.fidelity for p in menu5), reverse=True)
    # 7.5 km lies half-way: log-linear interpolation gives the geometric mean of 5 and 10 km
    mid = link_menu(7.5, "nv")
    assert mid[0].rate == pytest.approx(math.sqrt(14.15833266978285 * 7.787096707211244))
    assert mid[0].fidelity == pytest.approx(menu5[0].fidelity)
    assert link_menu(12.0, "futuristic") == link_menu(5.0, "futuristic")
    assert link_menu(5.0, "futuristic")[0].rate == 1400.0
    with pytest.raises(ConfigError, match="outside the tabulated range"):
        link_menu(60.0, "nv")


@pytest.mark.parametrize(
    ("name", "nodes", "links", "ends"),
    [("line", 6, 5, 6), ("star", 4, 3, 3), ("h", 6, 5, 4), ("symmetric", 8, 10, 4), ("surfnet", 108, 118, 54)],
)
def test_topologies(name, nodes, links, ends):
    g = build_topology(name)
    assert (g.number_of_nodes(), g.number_of_edges()) == (nodes, links)
    assert sum(d["end_node"] for _, d in g.nodes(data=True)) == ends
    assert all(d["length_km"] == 5.0 for _, _, d in g.edges(data=True))


def test_h_and_surfnet_shape():
    import networkx as nx

    h = build_topology("h")
    assert sorted(h.edges) == [(0, 1), (1, 2), (1, 4), (3, 4), (4, 5)]
    s = build_topology("surfnet", 10.0)
    core = s.subgraph(v for v, d in s.nodes(data=True) if not d["end_node"])
    assert core.number_of_nodes() == 54 and core.number_of_edges() == 64
    assert nx.diameter(core) == 12
    assert all(d["length_km"] == 10.0 for _, _, d in s.edges(data=True))
    with pytest.raises(ConfigError, match="did you mean 'star'"):
        build_topology("stars")


def test_qubit_map_names():
    qm = QubitMap.for_graph(build_topology("star"), 1, 3)
    assert qm.n_qubits == 16
    assert qm.name(qm.comm_qubit(3, 0)) == "3-C0"
    assert qm.name(qm.storage_qubit(2, 1)) == "2-S1"


def test_slots():
    assert slots(0.010, 0.010) == 1
    assert slots(1 / 27.83418694192823, 0.010) == 4  # 35.9 ms
    assert slots(1 / 1400, 0.010) == 1
    assert slots(0.010, 0.005) == 2


def test_two_hop_task_by_hand():
    """Two 5 km NV links at F = 0.7906 (27.8 pairs/s → 4 slots), swapped at the middle node.

    The middle node's single communication qubit serialises the two generations ([0,4) and
    [4,8)) and mediates the swap [8,9): c = 9, F = 4/3·F² − 2F/3 + 1/3 = 0.63966.
    """
    syn = synthesise((5.0, 5.0), 0.6)
    t = syn.task
    assert t is not None and syn.point == 2 and syn.level == 0
    assert t.c == 9
    assert t.fidelity == pytest.approx(swap_fidelity(0.7905983632278181, 0.7905983632278181))
    assert t.fidelity == pytest.approx(0.63966, abs=1e-5)
    assert [(o.kind, o.start, o.duration) for o in t.ops] == [("gen", 0, 4), ("gen", 4, 4), ("swap", 8, 1)]
    # per-qubit profile: middle comm qubit busy all 9 slots; the end nodes' storage holds the
    # delivered pair from the end of their generation to the end of the task
    per = 4
    rows = dict(zip(t.qubits, t.profile.sum(axis=1)))
    assert rows[1 * per + 0] == 9  # middle C0
    assert rows[0 * per + 1] == 5  # end 0, S0: [4, 9)
    assert rows[2 * per + 1] == 1  # end 2, S0: [8, 9)
    assert t.preemption_points == (4, 8)
    assert t.dephased_fidelity < t.fidelity


def test_one_hop_just_enough_picks_fast_point():
    # the fastest point with F >= 0.6 is F = 0.6175 at 51.3 pairs/s → 2 slots
    t = synthesise((5.0,), 0.6).task
    assert t is not None and t.c == 2 and t.fidelity == pytest.approx(0.6175364261031095)
    slow = synthesise((5.0,), 0.6, link_policy="max_fidelity").task
    assert slow is not None and slow.c == 8


def test_infeasible_reported():
    syn = synthesise((5.0, 5.0, 5.0), 0.6, link_policy="max_rate")
    assert syn.task is None and "no protocol reaches" in syn.reason
    syn = synthesise((5.0, 5.0), 0.85, distillation="nested", storage=1)
    assert syn.task is None and "qubits" in syn.reason
    assert synthesise((5.0, 5.0), 0.99).task is None


def test_distillation_raises_fidelity_and_length():
    pts = [link_menu(5.0)[0]] * 2
    base, pumped = build_protocol(pts, "pumping", 0), build_protocol(pts, "pumping", 1)
    assert fidelity(pumped) == pytest.approx(distill_fidelity(fidelity(base), fidelity(base)))
    t0, t1 = bind_protocol(base, 2, 1, 3, 0.01), bind_protocol(pumped, 2, 1, 3, 0.01)
    assert t0 is not None and t1 is not None and t1.c > t0.c


@pytest.mark.parametrize("hops", [1, 2, 3, 4])
def test_protocol_length_never_shrinks_with_fmin(hops):
    cs = []
    for f in (0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85):
        t = synthesise((5.0,) * hops, f).task
        cs.append(math.inf if t is None else t.c)
    assert cs == sorted(cs)
