"""The reference's placement of a repeater protocol on qubits: DAG, ASAP binding, ALAP, shift.

This is the mechanism of Skrzypczyk & Wehner's controller (LinkScheduling), re-stated:

* **DAG** — the protocol tree (:class:`~archgym.simulators.qnet.esss.Action`) is walked
  post-order (first input, second input, then the action); every action becomes an operation
  named ``<L|S|D>;<k>;<nodes>`` with ``k`` counted per kind in that order. A link generation
  lasts ``⌈(1/R)/slot⌉`` slots, a swap or a distillation one slot.
* **ASAP binding** — operations are bound in a post-order walk from the delivering one, each
  operation's inputs sorted by (distance from the leaves in seconds, name), the *later* input
  visited first. A link generation takes a communication qubit at both ends (of several, the
  choice that can start earliest) *and*, from its
  first slot, a free storage qubit at each end (the one idle longest, first by index); where no
  storage qubit is free the pair stays in the communication qubit, which is then locked until
  the pair is consumed. It starts after the last use of those qubits. A swap acts only on the two
  qubits holding the pairs at the pivot (the communication qubit is *not* held); a
  distillation on the four qubits holding its two pairs, keeping the result in the second qubit
  (by name) at each end.
* **ALAP** — from the latest operation backwards, each operation moves as late as its consumers
  sharing a qubit and the later uses of its qubits allow; then the whole task is moved to start
  at slot 0.
* **Shift** — swaps and distillations, in start order, move as early as their inputs and qubits
  allow.

A qubit that holds a pair between two operations (or until the end of the task) is *occupied*
in those slots; :attr:`PlacedTask.intervals` lists, per qubit, the busy intervals of each
operation and occupation, as the reference's schedulers see them.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from archgym.simulators.qnet.esss import Action

__all__ = ["PlacedTask", "place", "task_length"]

OP_S = 0.01  # swap and distillation duration, s


class _Op:
    __slots__ = ("name", "kind", "c", "a", "parents", "children", "dist", "nodes", "resources", "locked")

    def __init__(self, name: str, kind: str, c: int, dist: float, nodes: tuple[str, ...]):
        self.name, self.kind, self.c, self.dist, self.nodes = name, kind, c, dist, nodes
        self.a = 0
        self.parents: list[_Op] = []
        self.children: list[_Op] = []
        self.resources: list[str] = list(nodes)
        self.locked: list[str] = []


@dataclass(frozen=True)
class PlacedTask:
    """A protocol placed on (virtual) qubits.

    Attributes:
        c: task length, slots.
        intervals: per qubit label (``"<node>-C<i>"`` / ``"<node>-S<i>"``), the busy
            ``(begin, end)`` intervals, slots relative to the task's start, sorted; consecutive
            intervals of different operations (or occupations) are kept apart.
        ops: ``(name, start, duration, qubits)`` per operation, in DAG order.
    """

    c: int
    intervals: dict[str, tuple[tuple[int, int], ...]]
    ops: tuple[tuple[str, int, int, tuple[str, ...]], ...]

    def busy_slots(self, qubit: str) -> int:
        """Slots (of ``c``) in which ``qubit`` is busy."""
        return sum(e - b for b, e in self.intervals.get(qubit, ()))


def _to_dag(root: Action, slot_s: float) -> list[_Op]:
    ops: list[_Op] = []
    counters = {"L": 0, "S": 0, "D": 0}

    def visit(act: Action) -> _Op:
        ins = [visit(p) for p in act.inputs]
        dur = math.ceil(act.duration / slot_s)
        op = _Op(f"{act.kind};{counters[act.kind]};" + ";".join(act.nodes), act.kind, dur, act.dist, act.nodes)
        counters[act.kind] += 1
        op.parents = ins
        for p in ins:
            p.children.append(op)
        ops.append(op)
        return op

    visit(root)
    return ops


def _locks(op: _Op, r: str) -> bool:
    return op.kind in ("L", "D") and r in op.locked


class _Binder:
    def __init__(self, comm: int, storage: int):
        self.comm, self.storage = comm, storage  # per node
        self.sched: dict[str, list[tuple[int, _Op]]] = {}
        self._last: dict[str, tuple[int, _Op]] = {}

    def last(self, r: str) -> tuple[int, _Op] | None:
        return self._last.get(r)

    def storage_for(self, lr: str) -> tuple[float, str | None]:
        """Storage qubit for the pair of communication qubit ``lr``: the one idle longest."""
        node = lr.split("-")[0]
        best: tuple[float, str | None] = (math.inf, None)
        for j in range(self.storage):
            sr = f"{node}-S{j}"
            last = self.last(sr)
            if last is not None:
                if not _locks(last[1], sr) and last[0] + 1 < best[0]:
                    best = (last[0], sr)
            elif -1 < best[0]:
                best = (-1, sr)
        return best

    def book(self, op: _Op, rs: list[str], start: int) -> None:
        for r in set(rs):
            self.sched.setdefault(r, []).extend((start + i, op) for i in range(op.c))
            end = (start + op.c - 1, op)
            if op.c > 0 and (r not in self._last or end[0] >= self._last[r][0]):
                self._last[r] = end

    def _link_start(self, comms: tuple[str, ...]) -> float:
        """Earliest start of a link generation on these communication qubits (inf: one holds a pair)."""
        occupied = [self._last[r][0] for r in comms if r in self._last]
        if not occupied:
            return 0
        for r in comms:
            last = self.last(r)
            if last is not None and _locks(last[1], r):
                return math.inf
        times = []
        for r in comms:
            t, sr = self.storage_for(r)
            last = self.last(r)
            times.append(t if sr is not None else (last[0] if last else 0))
        return int(max([*occupied, *times])) + 1

    def bind_link(self, op: _Op) -> None:
        # every choice of a communication qubit at each end, in order; the earliest start wins
        best, comms = math.inf, None
        for choice in itertools.product(*([f"{n}-C{j}" for j in range(self.comm)] for n in op.nodes)):
            t = self._link_start(choice)
            if t < best:
                best, comms = t, choice
            if t == 0:
                break
        if comms is None:
            raise _Unplaceable(op.name)
        start = int(best)
        resources = list(comms)
        mapping: dict[str, tuple[float, str]] = {}
        for r in comms:
            last = self.last(r)
            if last is not None and _locks(last[1], r):
                continue
            t, sr = self.storage_for(r)
            mapping[r] = (t, sr) if sr is not None else ((last[0] if last else 0), r)
        for t, sr in mapping.values():
            if t + 1 <= start:
                resources.append(sr)
        self.book(op, resources, start)
        op.a = start
        op.resources = sorted(set(resources))
        op.locked = list(op.resources)
        for lr, (_, sr) in mapping.items():
            if sr != lr and sr in resources:
                op.locked.remove(lr)

    def bind_gate(self, op: _Op) -> None:
        rs = _held_qubits(op)
        earliest = max([0] + [p.a + p.c for p in op.parents if set(rs) & set(p.resources)])
        occupied = [self._last[r][0] for r in rs if r in self._last]
        start = earliest if not occupied else max(earliest, max(occupied) + 1)
        self.book(op, rs, start)
        op.a = start
        op.resources = sorted(set(rs))
        if op.kind == "D":
            op.locked = op.resources[1:4:2]


class _Unplaceable(Exception):
    pass


def _held_qubits(op: _Op) -> list[str]:
    """The qubits holding the input pairs of a swap/distillation at its nodes."""
    out: list[str] = []

    def at_nodes(src: _Op) -> list[str]:
        mine = [r for r in src.locked]
        if src.kind == "D":
            return [r for r in sorted(mine) for n in op.nodes if r.split("-")[0] == n]
        return [r for n in op.nodes for r in mine if r.split("-")[0] == n]

    for p in op.parents:
        if p.kind == "S":
            queue = [p]
            while queue:
                x = queue.pop(0)
                if x.kind == "S":
                    queue.extend(x.parents)
                else:
                    out.extend(at_nodes(x))
        else:
            out.extend(at_nodes(p))
    return out


def _asap(ops: list[_Op], comm: int, storage: int) -> None:
    for op in ops:
        op.parents.sort(key=lambda p: (p.dist, p.name))
    b = _Binder(comm, storage)

    def visit(op: _Op) -> None:
        for p in reversed(op.parents):
            visit(p)
        if op.kind == "L":
            b.bind_link(op)
        else:
            b.bind_gate(op)

    visit(ops[-1])


def _alap(ops: list[_Op]) -> None:
    queue = sorted(ops, key=lambda o: -o.a)
    first = queue.pop(0)
    sched: dict[str, int] = {r: first.a for r in first.resources}  # earliest booked slot per qubit
    for op in queue:
        latest = op.a
        child = [ch.a - op.c for ch in op.children if set(op.resources) & set(ch.resources)]
        if child:
            latest = max(latest, min(child))
        latest = min([latest] + [sched[r] - op.c for r in op.resources if r in sched])
        for r in set(op.resources):
            sched[r] = min(sched.get(r, latest), latest)
        op.a = latest
    lo = min(o.a for o in ops)
    for o in ops:
        o.a -= lo


def _shift(ops: list[_Op]) -> None:
    busy: dict[str, list[tuple[int, int, str]]] = {}
    for o in ops:
        if o.kind == "L":
            for r in o.resources:
                busy.setdefault(r, []).append((o.a, o.a + o.c, o.name))
    for o in sorted(ops, key=lambda o: o.a):
        if o.kind == "L":
            continue
        ends = [p.a + p.c for p in o.parents if set(p.resources) & set(o.resources)]
        avail = []
        for r in o.resources:
            inside = sorted((b, e, n) for b, e, n in busy.get(r, ()) if b >= 0 and e <= o.a)
            if inside:
                avail.append(inside[-1][1])
        o.a = max([max(ends) if ends else 0, *avail])
        if o.c > 0:
            for r in o.resources:
                busy.setdefault(r, []).append((o.a, o.a + o.c, o.name))


def _intervals(ops: list[_Op], c: int) -> dict[str, tuple[tuple[int, int], ...]]:
    slots: dict[str, list[tuple[int, int]]] = {}  # qubit -> [(slot, op index)]
    for k, o in enumerate(ops):
        for r in o.resources:
            slots.setdefault(r, []).extend((o.a + i, k) for i in range(o.c))
    out: dict[str, tuple[tuple[int, int], ...]] = {}
    occ = len(ops)  # owner ids >= len(ops) are occupations
    for r, seq in slots.items():
        seq.sort(key=lambda s: s[0])
        extra = []
        for (s1, t1), (s2, t2) in zip(seq, seq[1:]):
            if t1 != t2 and s2 - s1 > 1 and r in ops[t1].locked:
                extra += [(s1 + i, occ) for i in range(1, s2 - s1)]
                occ += 1
        last_s, last_t = seq[-1]
        if ops[last_t].locked and r in ops[last_t].locked and c - last_s > 0:
            extra += [(last_s + i, occ) for i in range(1, c - last_s)]
            occ += 1
        seq = sorted(seq + extra, key=lambda s: s[0])
        ivs = []
        b, owner, e = seq[0][0], seq[0][1], seq[0][0] + 1
        for s, t in seq[1:]:
            if t == owner:
                e = s + 1
            else:
                ivs.append((b, e))
                b, owner, e = s, t, s + 1
        ivs.append((b, e))
        out[r] = tuple(sorted(ivs))
    return out


def task_length(root: Action, comm: int = 1, storage: int = 3, slot_s: float = 0.01) -> int | None:
    """Length ``c`` in slots of the placed protocol (``None`` if it cannot be bound)."""
    ops = _to_dag(root, slot_s)
    try:
        _asap(ops, comm, storage)
    except _Unplaceable:
        return None
    _alap(ops)
    _shift(ops)
    return max(o.a + o.c for o in ops) - min(o.a for o in ops if not o.parents)


def place(root: Action, comm: int = 1, storage: int = 3, slot_s: float = 0.01) -> PlacedTask | None:
    """Place a protocol as the reference does (ASAP binding, ALAP, shift); ``None`` if it cannot be bound.

    Args:
        root: the delivering action of the protocol tree.
        comm: communication qubits per node (the reference binds the first one).
        storage: storage qubits per node.
        slot_s: slot length, s.
    """
    ops = _to_dag(root, slot_s)
    try:
        _asap(ops, comm, storage)
    except _Unplaceable:
        return None
    _alap(ops)
    _shift(ops)
    c = max(o.a + o.c for o in ops) - min(o.a for o in ops if not o.parents)
    return PlacedTask(c, _intervals(ops, c), tuple((o.name, o.a, o.c, tuple(o.resources)) for o in ops))
