"""Repeater protocols as trees of link generation, swap and distillation, over path positions.

A path ``n_0 … n_k`` is addressed by positions ``0 … k``. A protocol delivers one pair between
positions 0 and k:

* :class:`LinkGen` — generate a pair on the link (i, i+1) at one operating point;
* :class:`Swap` — join a pair (a, m) and a pair (m, b) at the pivot m;
* :class:`Distill` — BBPSSW: consume a sacrificial pair to raise the kept pair's fidelity.

The swap skeleton splits a segment recursively at its middle position (the pivot). Distillation
is added by one of the strategies of :data:`DISTILLATION` at increasing levels ``k``:

* ``"none"`` — the plain swap skeleton;
* ``"pumping"`` — end-to-end entanglement pumping: ``P_k = Distill(P_{k-1}, skeleton)``;
* ``"nested"`` — end-to-end nested (symmetric) distillation: ``P_k = Distill(P_{k-1}, P_{k-1})``;
* ``"link"`` — every link pumped ``k`` times before swapping.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from archgym.simulators.qnet.links import OperatingPoint
from archgym.simulators.qnet.werner import distill_fidelity, swap_fidelity

__all__ = ["DISTILLATION", "MAX_LEVEL", "Distill", "LinkGen", "Protocol", "Swap", "build_protocol", "fidelity"]

DISTILLATION: tuple[str, ...] = ("pumping", "nested", "link", "none")
#: highest distillation level tried per strategy
MAX_LEVEL: dict[str, int] = {"pumping": 6, "nested": 3, "link": 4, "none": 0}


@dataclass(frozen=True)
class LinkGen:
    """Generate a link-level pair between positions ``a`` and ``a + 1``."""

    a: int
    point: OperatingPoint

    @property
    def ends(self) -> tuple[int, int]:
        return (self.a, self.a + 1)


@dataclass(frozen=True)
class Swap:
    """Entanglement swap at ``pivot`` of ``left`` (a, pivot) and ``right`` (pivot, b)."""

    left: Protocol
    right: Protocol

    @property
    def ends(self) -> tuple[int, int]:
        return (self.left.ends[0], self.right.ends[1])

    @property
    def pivot(self) -> int:
        return self.left.ends[1]


@dataclass(frozen=True)
class Distill:
    """Distil ``keep`` with ``sacrifice`` (both between the same two positions)."""

    keep: Protocol
    sacrifice: Protocol

    @property
    def ends(self) -> tuple[int, int]:
        return self.keep.ends


Protocol = LinkGen | Swap | Distill


def fidelity(p: Protocol) -> float:
    """Fidelity of the delivered pair (Werner algebra, no decoherence)."""
    if isinstance(p, LinkGen):
        return p.point.fidelity
    if isinstance(p, Swap):
        return float(swap_fidelity(fidelity(p.left), fidelity(p.right)))
    return float(distill_fidelity(fidelity(p.keep), fidelity(p.sacrifice)))


def _skeleton(points: Sequence[OperatingPoint], i: int, j: int, link_level: int) -> Protocol:
    if j - i == 1:
        leaf: Protocol = LinkGen(i, points[i])
        for _ in range(link_level):
            leaf = Distill(leaf, LinkGen(i, points[i]))
        return leaf
    m = (i + j) // 2
    return Swap(_skeleton(points, i, m, link_level), _skeleton(points, m, j, link_level))


def build_protocol(points: Sequence[OperatingPoint], strategy: str, level: int) -> Protocol:
    """The protocol of a strategy at a distillation level.

    Args:
        points: the operating point of each link of the path (length = hops ≥ 1).
        strategy: one of :data:`DISTILLATION`.
        level: distillation level ``k ≥ 0`` (0: the plain swap skeleton).
    """
    if strategy not in DISTILLATION:
        raise ValueError(f"unknown distillation strategy {strategy!r}; allowed: {', '.join(DISTILLATION)}")
    hops = len(points)
    if strategy == "link":
        return _skeleton(points, 0, hops, level)
    base = _skeleton(points, 0, hops, 0)
    proto = base
    for _ in range(level if strategy != "none" else 0):
        proto = Distill(proto, base if strategy == "pumping" else proto)
    return proto
