"""Network topologies (networkx graphs) and the mapping of node qubits to global indices.

Built in code (links of ``link_length_km`` each, 5 km by default):

* ``line`` — 6 nodes, 5 links, every node an end node;
* ``star`` — a hub repeater (node 3) and three end nodes 0, 1, 2;
* ``h`` — end nodes 0, 2, 3, 5; repeaters 1, 4; links 0-1, 1-2, 1-4, 3-4, 4-5;
* ``symmetric`` — end nodes 0-3, each on one of the repeaters 4-7; repeaters fully connected
  (8 nodes, 10 links).

Read from package data: ``surfnet`` — the SURFnet-like graph of the reference's public code
(``data/surfnet.gml``, 108 nodes, 118 links: 54 city repeaters and one end node per city). Its
edge weights (all equal) are used for routing only; every link gets ``link_length_km``.

Each node holds ``comm`` communication qubits (they generate link-level pairs) and ``storage``
storage qubits (they hold pairs and take part in swaps and distillations), 1 + 3 by default.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from importlib import resources

import networkx as nx

from archgym.errors import ConfigError, did_you_mean

__all__ = ["TOPOLOGIES", "QubitMap", "build_topology", "surfnet_graph"]

logger = logging.getLogger(__name__)

TOPOLOGIES: tuple[str, ...] = ("line", "star", "h", "symmetric", "surfnet")


def _graph(name: str, n: int, edges: list[tuple[int, int]], end_nodes: set[int], length_km: float) -> nx.Graph:
    g = nx.Graph(name=name)
    for v in range(n):
        g.add_node(v, end_node=v in end_nodes)
    for u, v in edges:
        g.add_edge(u, v, length_km=float(length_km))
    return g


@functools.lru_cache(maxsize=1)
def _surfnet_base() -> nx.Graph:
    path = resources.files(__package__) / "data" / "surfnet.gml"
    with resources.as_file(path) as p:
        try:
            raw = nx.read_gml(p, label="id")
        except nx.NetworkXError as exc:  # pragma: no cover - the shipped file parses
            raise ConfigError(f"{p}: malformed GML: {exc}") from exc
    g = nx.Graph(name="surfnet")
    for v, data in sorted(raw.nodes(data=True)):
        g.add_node(int(v), end_node=bool(data.get("end_node", 0)), label=str(data.get("label", v)))
    for u, v, data in raw.edges(data=True):
        g.add_edge(int(u), int(v), weight=float(data.get("weight", 1.0)))
    return g


def surfnet_graph(length_km: float = 5.0) -> nx.Graph:
    """The SURFnet-like topology from ``data/surfnet.gml`` with every link ``length_km`` long."""
    g = _surfnet_base().copy()
    for _, _, data in g.edges(data=True):
        data["length_km"] = float(length_km)
    return g


def build_topology(name: str, length_km: float = 5.0) -> nx.Graph:
    """Build a named topology.

    Args:
        name: one of :data:`TOPOLOGIES`.
        length_km: the length of every link, in km.

    Returns:
        An undirected graph; nodes carry ``end_node`` (bool), edges ``length_km``.
    """
    if name == "line":
        return _graph(name, 6, [(i, i + 1) for i in range(5)], set(range(6)), length_km)
    if name == "star":
        return _graph(name, 4, [(0, 3), (1, 3), (2, 3)], {0, 1, 2}, length_km)
    if name == "h":
        return _graph(name, 6, [(0, 1), (1, 2), (1, 4), (3, 4), (4, 5)], {0, 2, 3, 5}, length_km)
    if name == "symmetric":
        edges = [(i, i + 4) for i in range(4)] + [(a, b) for a in range(4, 8) for b in range(a + 1, 8)]
        return _graph(name, 8, edges, {0, 1, 2, 3}, length_km)
    if name == "surfnet":
        return surfnet_graph(length_km)
    raise ConfigError(f"unknown topology {name!r}{did_you_mean(name, TOPOLOGIES)}; allowed: {', '.join(TOPOLOGIES)}")


@dataclass(frozen=True)
class QubitMap:
    """Global indices of every node's qubits: node ``i`` (in sorted order) owns
    ``[i·(comm+storage), (i+1)·(comm+storage))``, communication qubits first.

    Attributes:
        nodes: the graph's nodes, sorted.
        comm: communication qubits per node.
        storage: storage qubits per node.
    """

    nodes: tuple[int, ...]
    comm: int
    storage: int

    @classmethod
    def for_graph(cls, graph: nx.Graph, comm: int, storage: int) -> QubitMap:
        return cls(tuple(sorted(graph.nodes)), comm, storage)

    @property
    def per_node(self) -> int:
        return self.comm + self.storage

    @property
    def n_qubits(self) -> int:
        return len(self.nodes) * self.per_node

    @functools.cached_property
    def _index(self) -> dict[int, int]:
        return {v: i for i, v in enumerate(self.nodes)}

    def comm_qubit(self, node: int, j: int) -> int:
        """Global index of communication qubit ``j`` of ``node``."""
        return self._index[node] * self.per_node + j

    def storage_qubit(self, node: int, j: int) -> int:
        """Global index of storage qubit ``j`` of ``node``."""
        return self._index[node] * self.per_node + self.comm + j

    def name(self, q: int) -> str:
        """``"<node>-C<j>"`` or ``"<node>-S<j>"`` (the GML's naming)."""
        node, j = divmod(q, self.per_node)
        kind, j = ("C", j) if j < self.comm else ("S", j - self.comm)
        return f"{self.nodes[node]}-{kind}{j}"
