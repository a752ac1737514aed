"""Protocol → task: a DAG of operations bound to concrete qubits and placed in slots.

Qubit model (per node: ``comm`` communication + ``storage`` storage qubits): a link generation
occupies one communication qubit at each end for its ``⌈(1/R)/slot⌉`` slots; the pair then sits in
one storage qubit at each end (the move is folded into the generation) from the generation's end
until the operation that frees the qubit ends: the swap for the pivot's two qubits, the
distillation for the sacrificed pair, the end of the task for the delivered pair. Swaps and
distillations act on storage qubits and take ``⌈10 ms/slot⌉`` slots; as in NV centres, where the
electron spin (the communication qubit) mediates every gate on the nuclear-spin storage qubits,
they also occupy one communication qubit at each node they act on (the pivot for a swap, both
ends for a distillation).

Placement follows the reference:

1. **ASAP** — operations in depth-first order, each at the earliest slot its inputs and a free
   communication qubit allow; storage qubits are bound on the way (lowest free index). A node
   whose storage qubits are all holding pairs makes the protocol infeasible with these qubits.
2. **ALAP** — with the qubit binding and the order on every qubit fixed, every operation moves as
   late as the task length ``c`` allows (link pairs are generated just in time).
3. **Swaps and distillations shifted early** — each as soon as its inputs are there, so the
   inputs wait as little as possible.

Positions ``0 … hops`` along the path stand for nodes; local qubit ``pos·(comm+storage) + j``
(communication qubits first) becomes a global qubit through :meth:`ProtocolTask.bind`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from archgym.simulators.qnet.protocol import Distill, LinkGen, Protocol, Swap, fidelity
from archgym.simulators.qnet.replay import propagate
from archgym.simulators.qnet.topology import QubitMap

__all__ = ["OP_TIME_S", "Op", "ProtocolTask", "bind_protocol", "slots"]

#: duration of a swap or a distillation, s
OP_TIME_S = 0.010


def slots(seconds: float, slot_s: float) -> int:
    """Whole slots needed for ``seconds`` (at least one)."""
    return max(1, math.ceil(seconds / slot_s - 1e-9))


@dataclass(frozen=True)
class Op:
    """One operation of a bound protocol.

    Attributes:
        kind: ``"gen"``, ``"swap"`` or ``"distill"``.
        start: first slot, relative to the task's start.
        duration: slots.
        qubits: local qubits it acts on (gen: the two communication qubits; swap: the pivot's
            communication qubit and two storage qubits; distill: a communication qubit at each
            end and the four storage qubits).
        inputs: indices of the operations whose pairs it consumes (swap: left, right;
            distill: kept, sacrificed).
        fidelity: fidelity of the pair it outputs (Werner algebra, no decoherence); only a
            ``gen``'s value is used by :func:`~archgym.simulators.qnet.replay.propagate`.
        rate: mean generation rate of a ``gen``, pairs/s (0 otherwise).
        ends: path positions of its output pair.
    """

    kind: str
    start: int
    duration: int
    qubits: tuple[int, ...]
    inputs: tuple[int, ...]
    fidelity: float
    rate: float
    ends: tuple[int, int]

    @property
    def end(self) -> int:
        return self.start + self.duration


@dataclass(frozen=True, eq=False)
class ProtocolTask:
    """A protocol bound to local qubits and placed in time.

    Attributes:
        hops: path length in links.
        c: task length, slots.
        fidelity: fidelity of the delivered pair (Werner algebra, no decoherence).
        dephased_fidelity: the same with T2 dephasing of the storage qubits while pairs wait in
            this placement (every link pair appearing at the end of its reserved slots).
        ops: operations, children before parents; the last one delivers the pair.
        qubits: local qubits used, sorted.
        profile: ``(len(qubits), c)`` bool, qubit busy in a relative slot.
        preemption_points: boundaries ``k`` (between relative slots k−1 and k) that no
            operation spans; a pre-emptive scheduler may pause the task only there.
        per_node: qubits per node (``comm + storage``) of the local numbering.
    """

    hops: int
    c: int
    fidelity: float
    dephased_fidelity: float
    ops: tuple[Op, ...]
    qubits: tuple[int, ...]
    profile: np.ndarray
    preemption_points: tuple[int, ...]
    per_node: int

    def global_qubits(self, path: tuple[int, ...], qmap: QubitMap) -> np.ndarray:
        """Global indices (aligned with :attr:`qubits`) for the task run on ``path``."""
        idx = qmap._index
        out = [idx[path[q // self.per_node]] * qmap.per_node + q % self.per_node for q in self.qubits]
        return np.asarray(out, dtype=np.int64)


class _Builder:
    def __init__(self, comm: int, storage: int, slot_s: float):
        self.comm, self.storage, self.slot_s = comm, storage, slot_s
        self.per = comm + storage
        self.op_slots = slots(OP_TIME_S, slot_s)
        self.kind: list[str] = []
        self.start: list[int] = []
        self.dur: list[int] = []
        self.qubits: list[tuple[int, ...]] = []
        self.inputs: list[tuple[int, ...]] = []
        self.fid: list[float] = []
        self.rate: list[float] = []
        self.ends: list[tuple[int, int]] = []
        self.comm_busy: dict[int, list[tuple[int, int]]] = {}
        self.open: dict[int, int] = {}  # storage qubit -> index of its current hold
        self.last_release: dict[int, int] = {}
        self.holds: list[list[int | None]] = []  # [qubit, landing op, freeing op or None]

    def _add(self, kind: str, start: int, dur: int, qubits: tuple[int, ...], inputs: tuple[int, ...], fid: float, rate: float, ends: tuple[int, int]) -> int:
        self.kind.append(kind)
        self.start.append(start)
        self.dur.append(dur)
        self.qubits.append(qubits)
        self.inputs.append(inputs)
        self.fid.append(fid)
        self.rate.append(rate)
        self.ends.append(ends)
        return len(self.kind) - 1

    def _free_storage(self, pos: int) -> int | None:
        best = None
        for j in range(self.storage):
            q = pos * self.per + self.comm + j
            if q in self.open:
                continue
            if best is None or self.last_release.get(q, 0) < self.last_release.get(best, 0):
                best = q
        return best

    def _comm_free(self, pos: int, t: int, d: int) -> int | None:
        for j in range(self.comm):
            q = pos * self.per + j
            if all(e <= t or s >= t + d for s, e in self.comm_busy.get(q, ())):
                return q
        return None

    def _place_comm(self, positions: tuple[int, ...], t: int, d: int) -> tuple[int, tuple[int, ...]]:
        """Earliest start ``>= t`` with a free communication qubit at every position; book them."""
        candidates = sorted({t} | {e for q in self.comm_busy for _, e in self.comm_busy[q] if e > t})
        for t in candidates:
            chosen = [self._comm_free(pos, t, d) for pos in positions]
            if all(q is not None for q in chosen):
                for q in chosen:
                    self.comm_busy.setdefault(q, []).append((t, t + d))
                return t, tuple(chosen)  # type: ignore[arg-type]
        raise AssertionError("a communication qubit is always free after the last booking")

    def _is_comm(self, q: int) -> bool:
        return q % self.per < self.comm

    def _hold(self, q: int, op: int) -> None:
        self.open[q] = len(self.holds)
        self.holds.append([q, op, None])

    def _release(self, q: int, op: int | None) -> None:
        h = self.open.pop(q)
        self.holds[h][2] = op
        self.last_release[q] = self.start[op] + self.dur[op] if op is not None else 10**9

    def visit(self, p: Protocol) -> tuple[int, int, int]:
        """Place ``p``; return (producing op, storage qubit at its left end, at its right end)."""
        if isinstance(p, LinkGen):
            a, b = p.a, p.a + 1
            d = slots(1.0 / p.point.rate, self.slot_s)
            sa, sb = self._free_storage(a), self._free_storage(b)
            if sa is None or sb is None:
                raise _OutOfQubits
            t = max(0, self.last_release.get(sa, 0) - d, self.last_release.get(sb, 0) - d)
            t, (ca, cb) = self._place_comm((a, b), t, d)
            op = self._add("gen", t, d, (ca, cb), (), p.point.fidelity, p.point.rate, (a, b))
            self._hold(sa, op)
            self._hold(sb, op)
            return op, sa, sb
        if isinstance(p, Swap):
            lop, qa, qm1 = self.visit(p.left)
            rop, qm2, qb = self.visit(p.right)
            t = max(self.start[lop] + self.dur[lop], self.start[rop] + self.dur[rop])
            t, (cm,) = self._place_comm((p.pivot,), t, self.op_slots)
            op = self._add("swap", t, self.op_slots, (cm, qm1, qm2), (lop, rop), fidelity(p), 0.0, p.ends)
            self._release(qm1, op)
            self._release(qm2, op)
            return op, qa, qb
        assert isinstance(p, Distill)
        kop, qa1, qb1 = self.visit(p.keep)
        sop, qa2, qb2 = self.visit(p.sacrifice)
        t = max(self.start[kop] + self.dur[kop], self.start[sop] + self.dur[sop])
        t, (ca, cb) = self._place_comm(p.ends, t, self.op_slots)
        op = self._add("distill", t, self.op_slots, (ca, cb, qa1, qb1, qa2, qb2), (kop, sop), fidelity(p), 0.0, p.ends)
        self._release(qa2, op)
        self._release(qb2, op)
        return op, qa1, qb1

    def edges(self) -> list[tuple[int, int, int]]:
        """Precedences ``start[B] >= start[A] + lag`` that keep the binding valid."""
        out = []
        for b, ins in enumerate(self.inputs):
            out.extend((a, b, self.dur[a]) for a in ins)
        by_comm: dict[int, list[int]] = {}
        for i in range(len(self.kind)):
            for q in self.qubits[i]:
                if self._is_comm(q):
                    by_comm.setdefault(q, []).append(i)
        for ops in by_comm.values():
            ops.sort(key=lambda i: self.start[i])
            out.extend((a, b, self.dur[a]) for a, b in zip(ops, ops[1:]))
        by_store: dict[int, list[tuple[int, int | None]]] = {}
        for q, land, free in self.holds:
            by_store.setdefault(q, []).append((land, free))
        for seq in by_store.values():
            seq.sort(key=lambda h: self.start[h[0]])
            for (_, free), (land, _) in zip(seq, seq[1:]):
                assert free is not None
                out.append((free, land, self.dur[free] - self.dur[land]))
        return out


class _OutOfQubits(Exception):
    pass


def _relax_alap(starts: list[int], dur: list[int], c: int, edges: list[tuple[int, int, int]]) -> list[int]:
    late = [c - d for d in dur]
    for _ in range(len(starts) + 1):
        changed = False
        for a, b, lag in edges:
            if late[b] - lag < late[a]:
                late[a] = late[b] - lag
                changed = True
        if not changed:
            break
    return late


def bind_protocol(proto: Protocol, hops: int, comm: int, storage: int, slot_s: float) -> ProtocolTask | None:
    """Bind a protocol to qubits and place it in slots (ASAP → ALAP → shift swaps/distills early).

    Args:
        proto: the protocol tree over positions ``0 … hops``.
        hops: path length in links.
        comm: communication qubits per node.
        storage: storage qubits per node.
        slot_s: slot length, s.

    Returns:
        The task, or ``None`` when some node runs out of storage qubits.
    """
    b = _Builder(comm, storage, slot_s)
    try:
        root, qa, qb = b.visit(proto)
    except _OutOfQubits:
        return None
    b._release(qa, None)
    b._release(qb, None)
    c = max(s + d for s, d in zip(b.start, b.dur))
    edges = b.edges()
    late = _relax_alap(b.start, b.dur, c, edges)
    final = list(late)
    incoming: dict[int, list[tuple[int, int]]] = {}
    for a, x, lag in edges:
        incoming.setdefault(x, []).append((a, lag))
    for i in sorted(range(len(b.kind)), key=lambda i: b.start[i]):  # every edge points forward in ASAP time
        if b.kind[i] != "gen":
            final[i] = max(0, *(final[a] + lag for a, lag in incoming[i]))
    profile = _profile(b, final, c)
    if profile is None:  # cannot happen when the edges are complete; keep the valid ASAP placement
        final = list(b.start)
        profile = _profile(b, final, c)
        assert profile is not None
    used, mat = profile
    ops = tuple(
        Op(b.kind[i], final[i], b.dur[i], b.qubits[i], b.inputs[i], b.fid[i], b.rate[i], b.ends[i])
        for i in range(len(b.kind))
    )
    spans = [(o.start, o.end) for o in ops]
    points = tuple(k for k in range(1, c) if not any(s < k < e for s, e in spans))
    decohered = float(propagate(ops, np.arange(c)[None, :], slot_s)[0][0])
    return ProtocolTask(hops, c, ops[root].fidelity, decohered, ops, used, mat, points, b.per)


def _profile(b: _Builder, start: list[int], c: int) -> tuple[tuple[int, ...], np.ndarray] | None:
    intervals: dict[int, list[tuple[int, int]]] = {}
    for i in range(len(b.kind)):
        for q in b.qubits[i]:
            if b._is_comm(q):
                intervals.setdefault(q, []).append((start[i], start[i] + b.dur[i]))
    for q, land, free in b.holds:
        end = c if free is None else start[free] + b.dur[free]
        intervals.setdefault(q, []).append((start[land] + b.dur[land], end))
    used = tuple(sorted(intervals))
    count = np.zeros((len(used), c), dtype=np.int64)
    for r, q in enumerate(used):
        for s, e in intervals[q]:
            if s < 0 or e > c or s > e:
                return None
            count[r, s:e] += 1
    if count.max(initial=0) > 1:
        return None
    return used, count.astype(bool)
