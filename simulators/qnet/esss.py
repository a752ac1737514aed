"""Entanglement swap scheme search (ESSS): the reference's protocol synthesis.

Skrzypczyk & Wehner's controller finds a repeater protocol for a path ``n_0 … n_k`` and a
target (F_min, R_min) as follows (re-stated from the mechanism of their code):

* **One link** — the highest-rate operating point with ``F ≥ F_min``; failing that, entanglement
  *pumping* (a pair pumped with fresh link pairs until F_min is exceeded) or, when both nodes
  have more than two qubits, *nested* (binary-tree) distillation; nested wins only with a higher
  rate. Each link may so settle on its own operating point.
* **A longer path** — split at a pivot into a left and a right sub-path. For ``num = 0, 1, …``
  end-to-end pumping steps, the fidelity the swapped pair needs is found by inverting pumping,
  then the fidelity each side needs by inverting the swap; both sides are searched recursively
  (with the pivot's storage reduced by the qubit that holds the first pair, the end nodes' by the
  pumped pair when ``num > 0``, and the side's rate target ``R_min·(num+1)/(2·comm)``). The pivot
  starts in the middle and moves towards the slower side until both sides' rates balance; the
  candidate with the highest (rate, fidelity) wins.
* **Rates** of candidates are estimated and then measured by placing the protocol on qubits
  (:func:`~archgym.simulators.qnet.esss_place.place`): ``R = 1/(c·slot)``.

Results are memoised per (F_min, R_min, link lengths, qubits per node), as in the reference.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

__all__ = ["Action", "esss_protocol"]

_SLOT_S = 0.01
_OP_S = 0.01


class Action:
    """One action of a protocol tree: link generation ``L``, swap ``S`` or distillation ``D``.

    Attributes:
        kind: ``"L"``, ``"S"`` or ``"D"``.
        F: fidelity of the pair it delivers (Werner).
        R: rate estimate, pairs/s (replaced by the placed rate for searched sub-protocols).
        nodes: path positions (as strings) it acts on: the link's two ends, the pivot, or the ends.
        inputs: the actions it consumes, ordered by increasing rate (stable).
        duration: seconds (``1/R`` of a link at construction, 10 ms for swap/distillation).
        dist: seconds from the leaves (duration plus the slowest input's ``dist``).
    """

    __slots__ = ("F", "R", "dist", "duration", "inputs", "kind", "nodes")

    def __init__(self, kind: str, F: float, R: float, nodes: Sequence[str], inputs: Sequence[Action] = ()):
        self.kind, self.F, self.R, self.nodes = kind, F, R, tuple(nodes)
        self.inputs = tuple(sorted(inputs, key=lambda p: p.R))
        if kind == "L":
            self.duration = math.inf if R == 0 else 1.0 / R
            self.dist = self.duration
        else:
            self.duration = _OP_S
            self.dist = max(p.dist for p in self.inputs) + self.duration

    def shifted(self, d: int, memo: dict[tuple[int, int], Action]) -> Action:
        """The same protocol ``d`` positions further along the path (shared subtrees stay shared)."""
        if d == 0:
            return self
        key = (id(self), d)
        if key not in memo:
            out = object.__new__(Action)
            out.kind, out.F, out.R, out.duration, out.dist = self.kind, self.F, self.R, self.duration, self.dist
            out.nodes = tuple(str(int(n) + d) for n in self.nodes)
            out.inputs = tuple(p.shifted(d, memo) for p in self.inputs)
            memo[key] = out
        return memo[key]

    def renew(self) -> Action:
        """A new root over the same inputs (so that its rate may be set without touching shared ones)."""
        out = object.__new__(Action)
        out.kind, out.F, out.R, out.duration, out.dist = self.kind, self.F, self.R, self.duration, self.dist
        out.nodes, out.inputs = self.nodes, self.inputs
        return out


def swap_f(f1: float, f2: float) -> float:
    return (4 / 3) * f1 * f2 - (1 / 3) * f1 - (1 / 3) * f2 + (1 / 3)


def distill_f(f1: float, f2: float) -> float:
    a, b, c = f1 * f2, (1 - f1) / 3, (1 - f2) / 3
    return (a + b * c) / (a + f1 * c + f2 * b + 5 * b * c)


def _undistill(ft: float, fi: float) -> float:
    return (2 * ft * fi - fi - 5 * ft + 1) / (8 * ft * fi - 10 * fi - 2 * ft + 1)


def _undistill_even(ft: float) -> float:
    return (3 * math.sqrt(-4 * ft**2 + 6 * ft - 1) - 2 * ft + 1) / (10 - 8 * ft)


def _unswap(ft: float) -> float:
    a, b, c = 4 / 3, -2 / 3, 1 / 3 - ft
    return (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a)


@functools.lru_cache(maxsize=65536)
def _pumps_needed(fi: float, ft: float) -> float:
    """Pumping steps with fresh pairs of fidelity ``fi`` to reach ``ft`` (inf if it saturates below)."""
    if fi <= 0.5:
        return math.inf
    n, f = 0, fi
    while ft > f:
        g = distill_f(f, fi)
        n += 1
        if g <= f:
            return math.inf
        f = g
    return n


@functools.lru_cache(maxsize=65536)
def _fidelity_for_pumps(k: int, ft: float) -> float:
    """A start fidelity from which exactly ``k`` pumping steps reach ``ft`` (0 when none is found)."""
    if k == 0:
        return ft
    hi, lo = ft, _undistill(ft, ft)
    while not math.isclose(lo, hi, abs_tol=1e-5):
        f = (hi + lo) / 2
        j = _pumps_needed(f, ft)
        if j == k:
            return f
        if j < k:
            hi = f
        else:
            lo = f
    return 0.0


def _nested_distills(fi: float, ft: float) -> float:
    if fi < 0.5:
        return math.inf
    n = 0
    while ft > fi:
        n += 1
        ft = _undistill_even(ft)
    return 2**n - 1


def _rounds(links: int, comm: int, storage: int) -> int:
    rounds = generated = 0
    while generated < links:
        generated += min(comm, comm + storage - bin(generated).count("1"))
        rounds += 1
    return rounds


class _Search:
    def __init__(self, menu: tuple[tuple[float, float], ...], rate_of):
        self.menu = menu  # (fidelity, rate) in the table's order
        self.rate_of = rate_of  # placed rate of a protocol, pairs/s
        self.cache: dict[tuple, tuple[Action | None, tuple[str, ...]]] = {}
        self.shift_memo: dict[tuple[int, int], Action] = {}

    def _key(self, fmin, rmin, path, res):
        return (fmin, rmin, len(path) - 1, tuple(res[n] for n in path))

    def esss(self, path: tuple[str, ...], res: dict[str, tuple[int, int]], fmin: float, rmin: float) -> Action | None:
        key = self._key(fmin, rmin, path, res)
        if key in self.cache:
            old, old_path = self.cache[key]
            if old is None:
                return None
            return old.shifted(int(path[0]) - int(old_path[0]), self.shift_memo)
        if len(path) == 2:
            proto = self.link(path, res, fmin, rmin)
            self.cache[key] = (proto, path)  # a pure function of the key: memoised, failures too
            return proto
        lower, upper = 1, len(path) - 1
        found = []
        while lower < upper:
            num_l = (upper + lower + 1) // 2
            num_r = len(path) + 1 - num_l
            proto, rl, rr = self.split(path, res, fmin, rmin, num_l, num_r)
            if proto is not None and proto.F >= fmin and proto.R >= rmin:
                found.append(proto)
            if rl == rr:
                break
            if rl < rr:
                upper -= 1
            else:
                lower += 1
        if not found:
            self.cache[key] = (None, path)
            return None
        best = sorted(found, key=lambda p: (p.R, p.F))[-1]
        best.R = self.rate_of(best)
        self.cache[key] = (best, path)
        return best

    def split(self, path, res, fmin, rmin, num_l, num_r):
        pivot = path[num_l - 1]
        base = dict(res)
        c, s = base[pivot]
        base[pivot] = (c, s - 1)
        out = []
        num = 0
        while True:
            f_swapped = _fidelity_for_pumps(num, fmin)
            if f_swapped == 0:
                break
            f_side = _unswap(f_swapped)
            r_side = rmin * (num + 1) / base[pivot][0] / 2 if num > 0 else rmin
            sub = dict(base)
            if num > 0:
                for end in (path[0], path[-1]):
                    c0, s0 = sub[end]
                    sub[end] = (c0, s0 - 1)
            if sub[path[0]][1] < 0 or sub[path[-1]][1] < 0:
                return None, 0, 0
            left = self.esss(path[:num_l], sub, f_side, r_side)
            right = self.esss(path[-num_r:], sub, f_side, r_side)
            if left is not None and right is not None:
                f_sw = swap_f(left.F, right.F)
                r_sw = min(left.R, right.R)
                f, r = f_sw, r_sw
                for i in range(num):
                    f, r = distill_f(f, f_sw), r_sw / (i + 2)
                # built lazily: only the winners become protocol trees
                out.append([r, f, (left, right, f_sw, r_sw, num), left.R, right.R])
            num += 1
        if not out:
            return None, 0, 0
        if len(path) <= 3:
            out = sorted(out, key=lambda t: (t[0], t[1]))[-5:]
            for entry in out:
                entry[2] = self._pumped_swap(path, num_r, *entry[2])
                entry[0] = entry[2].R = self.rate_of(entry[2])
        best = sorted(out, key=lambda t: (t[0], t[1]))[-1]
        proto = best[2] if isinstance(best[2], Action) else self._pumped_swap(path, num_r, *best[2])
        return proto, best[3], best[4]

    @staticmethod
    def _pumped_swap(path, num_r, left, right, f_sw, r_sw, num) -> Action:
        swap = Action("S", f_sw, r_sw, [path[-num_r]], [left, right])
        proto = swap.renew()
        for i in range(num):
            proto = Action("D", distill_f(proto.F, f_sw), r_sw / (i + 2), [path[0], path[-1]], [proto, swap])
        return proto

    def link(self, nodes, res, fmin, rmin) -> Action | None:
        if all(r < rmin for _, r in self.menu):
            return None
        totals = [sum(res[n]) for n in nodes]
        if any(t < 1 for t in totals):
            return None
        single = [(r, f) for f, r in self.menu if r >= rmin and f >= fmin]
        if single:
            r, f = sorted(single, key=lambda p: (p[0], p[1]))[-1]
            return Action("L", f, r, nodes)
        if any(t < 2 for t in totals):
            return None
        pumping = self.pumping(nodes, res, fmin, rmin)
        if min(totals) > 2:
            nested = self.nested(nodes, res, fmin, rmin)
            if nested is not None and (pumping is None or nested.R > pumping.R):
                return nested
        return pumping

    def pumping(self, nodes, res, fmin, rmin) -> Action | None:
        comm = min(res[n][0] for n in nodes)
        found = []
        for f, r in self.menu:
            if r < rmin:
                continue
            gens = _pumps_needed(f, fmin)
            if gens == math.inf:
                continue
            rate = 1 / (1 / (r / math.ceil(gens / comm)) + gens * _OP_S)
            if rate < rmin:
                continue
            fresh = Action("L", f, r, nodes)
            proto, cur = Action("L", f, r, nodes), f
            for _ in range(int(gens)):
                cur = distill_f(cur, f)
                proto = Action("D", cur, rate, nodes, [proto, fresh])
            if proto.F > fmin and proto.R >= rmin:
                found.append(proto)
        if not found:
            return None
        best = sorted(found, key=lambda p: (p.R, p.F))[-1]
        best.R = self.rate_of(best)
        return best

    def nested(self, nodes, res, fmin, rmin) -> Action | None:
        comm = min(res[n][0] for n in nodes)
        total = min(sum(res[n]) for n in nodes)
        found = []
        for f, r in self.menu:
            if r < rmin:
                continue
            gens = _nested_distills(f, fmin) + 1
            if gens > 2 ** (total - 1):
                continue
            rate = r / _rounds(int(gens), comm, total - comm)
            if rate < rmin:
                continue
            queue = [Action("L", f, r, nodes) for _ in range(int(gens))]
            while len(queue) > 1:
                p1, p2 = queue.pop(0), queue.pop(0)
                queue.append(Action("D", distill_f(p1.F, p2.F), min(p1.R, p2.R), nodes, [p1, p2]))
            proto = queue.pop(0)
            proto.R = rate
            if proto.F > fmin and proto.R >= rmin:
                found.append(proto)
        if not found:
            return None
        best = sorted(found, key=lambda p: (p.R, p.F))[-1]
        best.R = self.rate_of(best)
        return best


@functools.lru_cache(maxsize=256)
def esss_protocol(
    hops: int, fmin: float, menu: tuple[tuple[float, float], ...], comm: int = 1, storage: int = 3, rmin: float = 1e-10
) -> Action | None:
    """The reference's protocol for a path of ``hops`` identical links (positions ``"0"…"hops"``).

    Args:
        hops: links on the path (≥ 1).
        fmin: minimum fidelity.
        menu: the link's ``(fidelity, rate)`` operating points, in the table's order.
        comm: communication qubits per node.
        storage: storage qubits per node.
        rmin: minimum rate, pairs/s (the reference synthesises with a negligible one).

    Returns:
        The delivering action, or ``None`` when no protocol reaches ``fmin``.
    """
    path = tuple(str(i) for i in range(hops + 1))
    res = {n: (comm, storage) for n in path}
    return _searcher(menu, comm, storage).esss(path, res, fmin, rmin)


def _signature(p: Action) -> tuple:
    return (p.kind, p.R if p.kind == "L" else 0.0, p.nodes, tuple(_signature(q) for q in p.inputs))


@functools.lru_cache(maxsize=16)
def _searcher(menu: tuple[tuple[float, float], ...], comm: int, storage: int) -> _Search:
    """One memo per link menu and node model (ESSS results are pure functions of their key)."""
    from archgym.simulators.qnet.esss_place import task_length

    lengths: dict[tuple, int | None] = {}

    def rate_of(proto: Action) -> float:
        sig = _signature(proto)
        if sig not in lengths:
            lengths[sig] = task_length(proto, comm, storage, _SLOT_S)
        c = lengths[sig]
        return 0.0 if c is None else 1.0 / (c * _SLOT_S)

    return _Search(menu, rate_of)
