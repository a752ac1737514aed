"""The reference controller end to end: ESSS protocols, placed tasks, label rebalancing, admission.

:func:`reference_tasks` turns an ordered demand set into periodic tasks on physical qubits, as
the reference's demand generator leaves them (protocol per path from
:func:`~archgym.simulators.qnet.esss.esss_protocol`, placed by
:func:`~archgym.simulators.qnet.esss_place.place`, virtual qubit labels re-mapped after every
demand by :func:`~archgym.simulators.qnet.refsched.rebalance`); :func:`run_reference` admits
them with one of the reference's schedulers and reads the metrics.

Node model: 1 communication + 3 storage qubits per node by default; every link of a path must
have the same length (true of the four small networks; the protocol search is memoised per hop
count). Rates must be strictly below what the protocol sustains, ``1/(c·slot)``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import networkx as nx

from archgym.simulators.qnet.esss import esss_protocol
from archgym.simulators.qnet.esss_place import PlacedTask, place
from archgym.simulators.qnet.links import link_menu, nv_table
from archgym.simulators.qnet.refsched import RefResult, RefTask, admit, rebalance

__all__ = ["RefDemand", "max_rate", "protocol_task", "reference_tasks", "run_reference", "sustains"]


@dataclass(frozen=True)
class RefDemand:
    """One demand of an ordered demand set: end nodes and rate (pairs/s)."""

    src: int
    dst: int
    rate: float


def _menu(length_km: float, link_model: str) -> tuple[tuple[float, float], ...]:
    if link_model == "nv":
        lengths, fids, rates = nv_table()
        for i, length in enumerate(lengths):
            if math.isclose(length, length_km):
                return tuple(zip(fids[i].tolist(), rates[i].tolist()))  # the table's own order
    return tuple((p.fidelity, p.rate) for p in link_menu(length_km, link_model))


@functools.lru_cache(maxsize=512)
def protocol_task(
    hops: int, fmin: float, length_km: float = 5.0, link_model: str = "nv", comm: int = 1, storage: int = 3, slot_s: float = 0.01
) -> PlacedTask | None:
    """The reference's placed protocol for ``hops`` links of one length (``None``: F_min out of reach)."""
    proto = esss_protocol(hops, fmin, _menu(length_km, link_model), comm, storage)
    return None if proto is None else place(proto, comm, storage, slot_s)


def max_rate(c: int, slot_s: float = 0.01) -> float:
    """The rate a task of ``c`` slots sustains, ``1/(c·slot)`` pairs/s."""
    return 1.0 / (c * slot_s)


def sustains(c: int, rate: float, slot_s: float = 0.01) -> bool:
    """The reference's strict cut-off: a demand may only ask a rate *strictly below* ``1/(c·slot)``."""
    return rate < max_rate(c, slot_s)


def _qubits(graph: nx.Graph, comm: int, storage: int) -> list[str]:
    out = []
    for v in sorted(graph.nodes):
        out += [f"{v}-C{i}" for i in range(comm)] + [f"{v}-S{j}" for j in range(storage)]
    return out


def reference_tasks(
    graph: nx.Graph,
    demands: Sequence[RefDemand],
    fmin: float,
    *,
    link_model: str = "nv",
    comm: int = 1,
    storage: int = 3,
    slot_s: float = 0.01,
    rejected: dict[int, str] | None = None,
) -> list[RefTask]:
    """Periodic tasks of an ordered demand set, on physical qubits, as the reference builds them.

    Args:
        rejected: when given, a demand that cannot be served (F_min out of reach, mixed link
            lengths, rate not strictly below what its protocol sustains) is left out and its
            reason recorded here; when ``None`` such a demand raises.

    Raises:
        ValueError: a demand that cannot be served, naming it and why (``rejected is None``).
    """
    tasks: list[RefTask] = []
    qubits = _qubits(graph, comm, storage)
    for k, d in enumerate(demands):
        try:
            task = _task(graph, k, d, fmin, link_model, comm, storage, slot_s)
        except ValueError as exc:
            if rejected is None:
                raise
            rejected[k] = str(exc)
            continue
        tasks.append(task)
        tasks = rebalance(tasks, qubits)
    return tasks


def _task(graph: nx.Graph, k: int, d: RefDemand, fmin: float, link_model: str, comm: int, storage: int, slot_s: float) -> RefTask:
    path = nx.shortest_path(graph, d.src, d.dst)
    lengths = {float(graph.edges[u, v]["length_km"]) for u, v in zip(path, path[1:])}
    length = next(iter(lengths))
    if len(lengths) != 1:
        raise ValueError(f"demand {k} ({d.src}->{d.dst}): the reference protocol search needs equal link lengths, got {sorted(lengths)} km")
    placed = protocol_task(len(path) - 1, fmin, length, link_model, comm, storage, slot_s)
    if placed is None:
        raise ValueError(f"demand {k} ({d.src}->{d.dst}): no protocol reaches F_min={fmin:g} over {len(path) - 1} hop(s)")
    if not sustains(placed.c, d.rate, slot_s):
        raise ValueError(
            f"demand {k} ({d.src}->{d.dst}): rate {d.rate:g} pairs/s is not strictly below the "
            f"{max_rate(placed.c, slot_s):g} pairs/s its {placed.c}-slot protocol sustains"
        )
    p = math.ceil(1.0 / d.rate / slot_s)
    name = f"S={d.src}, D={d.dst}, F={fmin}, R={d.rate}, ID={k}"
    ivs = {}
    for label, iv in placed.intervals.items():
        pos, q = label.split("-")
        ivs[f"{path[int(pos)]}-{q}"] = iv
    proto = esss_protocol(len(path) - 1, fmin, _menu(length, link_model), comm, storage)
    return RefTask(name, p, placed.c, ivs, k, len(path) - 1, proto.F)


def run_reference(tasks: Sequence[RefTask], scheduler: str, slot_s: float = 0.01) -> RefResult:
    """Admit the tasks in order with one of the reference's schedulers (see :func:`~archgym.simulators.qnet.refsched.admit`)."""
    return admit(tasks, scheduler, slot_s)
