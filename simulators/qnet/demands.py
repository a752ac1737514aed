"""Seeded demand generation by total offered load and F_min, as in the reference's experiments.

Demands are drawn until their rates add up to at least the target load. Each demand takes a
uniformly random ordered pair of distinct end nodes, routed on the fewest hops; if no protocol
reaches F_min on that path the demand is dropped and another drawn. Its rate is drawn uniformly
among ``100/2^i`` pairs/s (i = 0 … 9) *strictly below* what its protocol sustains,
``1/(c·slot)`` (the reference's cut-off: a 2-slot task may ask 25 pairs/s, not 50), and no
larger than the load still missing; if none is, the smallest sustainable rate is taken, so the
total may overshoot slightly.

The protocols that decide feasibility and ``c`` are the reference's (10 ms slots, 1 + 3 qubits per
node): ESSS synthesis and placement (:func:`~archgym.simulators.qnet.reference.protocol_task`) on
the small networks, whose links all have one length; on SURFnet, whose paths are long, the
extended model's synthesis (:func:`~archgym.simulators.qnet.synthesis.synthesise`). A workload's
demand set therefore does not depend on the design under evaluation. The random stream is this
module's own (a seeded numpy Generator); what matches the reference is the distribution.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import networkx as nx
import numpy as np

from archgym.simulators.qnet.synthesis import synthesise

__all__ = ["RATES", "REFERENCE_POLICY", "Demand", "generate_demands", "path_lengths"]

logger = logging.getLogger(__name__)

#: quantised demand rates, pairs/s: 1/(10 ms · 2^i)
RATES: tuple[float, ...] = tuple(100.0 / 2**i for i in range(10))
REFERENCE_POLICY = {"link_policy": "just_enough", "distillation": "auto", "comm": 1, "storage": 3, "slot_s": 0.01}
_MAX_DRAWS = 20000
#: networks up to this many nodes (the four small ones) use the reference's synthesis; larger ones
#: (SURFnet, paths up to 12 hops) the extended model's, whose search does not grow with the path
_REFERENCE_MAX_NODES = 16


@dataclass(frozen=True)
class Demand:
    """A request for entangled pairs.

    Attributes:
        src: source end node.
        dst: destination end node.
        path: the fewest-hop route, ``src … dst``.
        fmin: minimum fidelity of every delivered pair.
        rate: pairs/s.
    """

    src: int
    dst: int
    path: tuple[int, ...]
    fmin: float
    rate: float

    @property
    def hops(self) -> int:
        return len(self.path) - 1


def path_lengths(graph: nx.Graph, path: tuple[int, ...]) -> tuple[float, ...]:
    """Link lengths along a path, km."""
    return tuple(float(graph.edges[u, v]["length_km"]) for u, v in zip(path, path[1:]))


def _task_length(graph: nx.Graph, path: tuple[int, ...], fmin: float, link_model: str) -> int | None:
    """The task length the reference controller gives a path (``None``: F_min out of reach)."""
    lengths = path_lengths(graph, path)
    if len(graph) <= _REFERENCE_MAX_NODES and len(set(lengths)) == 1:
        from archgym.simulators.qnet.reference import protocol_task

        placed = protocol_task(len(lengths), fmin, lengths[0], link_model, REFERENCE_POLICY["comm"], REFERENCE_POLICY["storage"], REFERENCE_POLICY["slot_s"])
        return None if placed is None else placed.c
    syn = synthesise(lengths, fmin, link_model=link_model, **REFERENCE_POLICY)
    return None if syn.task is None else syn.task.c


def generate_demands(graph: nx.Graph, fmin: float, load: float, seed: int, link_model: str) -> tuple[Demand, ...]:
    """Draw a demand set.

    Args:
        graph: the topology (nodes with ``end_node``, edges with ``length_km``).
        fmin: minimum fidelity of every demand.
        load: target total rate, pairs/s.
        seed: seed of the ``numpy.random.Generator``.
        link_model: ``"nv"`` or ``"futuristic"``.

    Returns:
        The demands in the order drawn (empty when no end-node pair can reach F_min).
    """
    rng = np.random.default_rng(seed)
    ends = sorted(v for v, d in graph.nodes(data=True) if d.get("end_node"))
    n = len(ends)
    if n < 2:
        return ()
    cache: dict[tuple[int, int], tuple[tuple[int, ...], int] | None] = {}  # route and task length, or None
    out: list[Demand] = []
    total = 0.0
    slot_s = REFERENCE_POLICY["slot_s"]
    for _ in range(_MAX_DRAWS):
        if total >= load - 1e-9:
            break
        i = int(rng.integers(n))
        j = int(rng.integers(n - 1))
        j += j >= i
        src, dst = ends[i], ends[j]
        if (src, dst) not in cache:
            path = tuple(nx.shortest_path(graph, src, dst))
            c = _task_length(graph, path, fmin, link_model)
            ok = c is not None and RATES[-1] < 1.0 / (c * slot_s)
            cache[src, dst] = (path, c) if ok else None
        entry = cache[src, dst]
        if entry is None:
            if len(cache) == n * (n - 1) and all(v is None for v in cache.values()):
                logger.warning("no end-node pair reaches F_min=%g; the demand set is empty", fmin)
                break
            continue
        path, c = entry
        sustainable = [r for r in RATES if r < 1.0 / (c * slot_s)]
        missing = load - total
        fitting = [r for r in sustainable if r <= missing + 1e-9]
        rate = float(rng.choice(fitting)) if fitting else min(sustainable)
        out.append(Demand(src, dst, path, fmin, rate))
        total += rate
    return tuple(out)
