"""Protocol synthesis: the cheapest repeater protocol that meets F_min within the qubits available.

For a path (its link lengths), the link-operating-point policy chooses the points tried:

* ``"max_fidelity"`` — every link at its highest-fidelity point;
* ``"max_rate"`` — every link at its highest-rate point (distillation must make up the fidelity);
* ``"just_enough"`` — every point of the menu (the same index on every link) is tried and the
  protocol with the shortest task length ``c`` wins (ties: the higher fidelity).

For each point the distillation level grows from 0 until the Werner fidelity reaches F_min (as in
the reference, decoherence is not part of this budget: the stochastic execution mode measures
it); that protocol is then bound to qubits (:func:`~archgym.simulators.qnet.task.bind_protocol`).
A demand is infeasible when no level reaches F_min or the protocol does not fit the node's qubits. Distillation ``"auto"``
tries pumping, link-level and nested distillation and keeps the shortest task.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from archgym.simulators.qnet.links import link_menu
from archgym.simulators.qnet.protocol import DISTILLATION, MAX_LEVEL, build_protocol, fidelity
from archgym.simulators.qnet.task import ProtocolTask, bind_protocol

__all__ = ["DISTILLATION_CHOICES", "LINK_POLICIES", "Synthesis", "synthesise"]

LINK_POLICIES: tuple[str, ...] = ("just_enough", "max_fidelity", "max_rate")
#: distillation strategies a design may choose; ``"auto"`` takes the best of pumping, link, nested
DISTILLATION_CHOICES: tuple[str, ...] = ("auto", *DISTILLATION)
_EPS = 1e-12


@dataclass(frozen=True)
class Synthesis:
    """Outcome of protocol synthesis for one path.

    Attributes:
        task: the bound protocol, or ``None`` when infeasible.
        reason: why it is infeasible (empty when feasible).
        level: distillation level used.
        point: index of the link operating point used (in each link's menu).
        strategy: distillation strategy used.
    """

    task: ProtocolTask | None
    reason: str = ""
    level: int = 0
    point: int = 0
    strategy: str = ""


def _point_indices(lengths: tuple[float, ...], link_model: str, policy: str) -> list[list[int]]:
    menus = [link_menu(length, link_model) for length in lengths]
    n = min(len(m) for m in menus)
    if policy == "max_fidelity":
        return [[0] * len(menus)]
    if policy == "max_rate":
        return [[int(np.argmax([p.rate for p in m])) for m in menus]]
    if policy == "just_enough":
        return [[i] * len(menus) for i in range(n)]
    raise ValueError(f"unknown link policy {policy!r}; allowed: {', '.join(LINK_POLICIES)}")


@functools.lru_cache(maxsize=4096)
def synthesise(
    lengths: tuple[float, ...],
    fmin: float,
    *,
    link_model: str = "nv",
    link_policy: str = "just_enough",
    distillation: str = "auto",
    comm: int = 1,
    storage: int = 3,
    slot_s: float = 0.01,
) -> Synthesis:
    """Synthesise and bind the protocol for a path.

    Args:
        lengths: link lengths along the path, km (one per hop, ≥ 1 hop).
        fmin: minimum fidelity of the delivered pair.
        link_model: ``"nv"`` or ``"futuristic"``.
        link_policy: one of :data:`LINK_POLICIES`.
        distillation: one of :data:`~archgym.simulators.qnet.protocol.DISTILLATION`.
        comm: communication qubits per node.
        storage: storage qubits per node.
        slot_s: slot length, s.
    """
    if distillation not in DISTILLATION_CHOICES:
        raise ValueError(f"unknown distillation strategy {distillation!r}; allowed: {', '.join(DISTILLATION_CHOICES)}")
    strategies = [d for d in DISTILLATION if d != "none"] if distillation == "auto" else [distillation]
    menus = [link_menu(length, link_model) for length in lengths]
    best: Synthesis | None = None
    reason = f"no protocol reaches F_min={fmin:g} over {len(lengths)} hop(s) with {distillation!r} distillation"
    for strategy in strategies:
        for idx in _point_indices(lengths, link_model, link_policy):
            points = [menus[h][i] for h, i in enumerate(idx)]
            for level in range(MAX_LEVEL[strategy] + 1):
                proto = build_protocol(points, strategy, level)
                if fidelity(proto) < fmin - _EPS:
                    continue
                task = bind_protocol(proto, len(lengths), comm, storage, slot_s)
                if task is None:
                    reason = f"the protocol reaching F_min={fmin:g} needs more than {comm}+{storage} qubits per node"
                    break
                if best is None or (task.c, -task.fidelity) < (best.task.c, -best.task.fidelity):  # type: ignore[union-attr]
                    best = Synthesis(task, "", level, idx[0], strategy)
                break
    return best if best is not None else Synthesis(None, reason)
