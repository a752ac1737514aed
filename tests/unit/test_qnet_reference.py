"""The reference's protocol synthesis and placement (ESSS, ASAP → ALAP → shift), golden values.

Task lengths on a 5 km NV line are the table read from the reference (calibration README); the
occupancy case is derived by hand below.
"""

from __future__ import annotations

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
