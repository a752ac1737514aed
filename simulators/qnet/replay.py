"""Replaying a bound protocol's instances in time: fidelity with T2 dephasing of stored pairs.

Each pair dephases (both qubits, storage T2) from the moment it exists until the operation that
uses it starts; the delivered pair until its instance ends. In the deterministic replay every
link pair appears at the end of its reserved slots and every distillation succeeds; the
stochastic mode passes random generation times and a generator for distillation outcomes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from archgym.simulators.qnet.werner import dephase, distill_fidelity, distill_success, swap_fidelity

if TYPE_CHECKING:
    from archgym.simulators.qnet.task import Op

__all__ = ["T2_STORAGE_S", "propagate"]

#: T2 of the NV carbon (storage) qubits, s (electron: 1.46 s; pairs are held in storage)
T2_STORAGE_S = 1.0


def propagate(
    ops: Sequence[Op],
    ex: np.ndarray,
    slot_s: float,
    gen_times: Mapping[int, np.ndarray] | None = None,
    rng: np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Delivered fidelity and success of every instance.

    Args:
        ops: the protocol's operations (children before parents; the last delivers).
        ex: ``(n, c)`` absolute slot of every relative slot of each instance.
        slot_s: slot length, s.
        gen_times: ``{gen op index: (n,) generation time from its start, s}``; default: its
            whole reservation. Failed generations are flagged by the caller through ``ok``.
        rng: draws distillation outcomes; ``None``: every distillation succeeds.

    Returns:
        ``(fidelity (n,), ok (n,) bool)``; ``ok`` is False where a distillation failed.
    """
    n = ex.shape[0]
    created: list[np.ndarray] = []
    fid: list[np.ndarray] = []
    ok: list[np.ndarray] = []
    for j, op in enumerate(ops):
        start = ex[:, op.start] * slot_s
        if op.kind == "gen":
            t = gen_times[j] if gen_times is not None and j in gen_times else op.duration * slot_s
            created.append(start + np.minimum(t, op.duration * slot_s))
            fid.append(np.full(n, op.fidelity))
            ok.append(np.ones(n, dtype=bool))
            continue
        a, b = op.inputs
        fa = dephase(fid[a], np.maximum(start - created[a], 0.0), T2_STORAGE_S)
        fb = dephase(fid[b], np.maximum(start - created[b], 0.0), T2_STORAGE_S)
        if op.kind == "swap":
            fid.append(np.asarray(swap_fidelity(fa, fb)))
            ok.append(ok[a] & ok[b])
        else:
            success = np.ones(n, dtype=bool) if rng is None else rng.random(n) < distill_success(fa, fb)
            fid.append(np.asarray(distill_fidelity(fa, fb)))
            ok.append(ok[a] & ok[b] & success)
        created.append((ex[:, op.start] + op.duration) * slot_s)
    finish = (ex[:, -1] + 1) * slot_s
    final = dephase(fid[-1], np.maximum(finish - created[-1], 0.0), T2_STORAGE_S)
    return np.asarray(final, dtype=float), ok[-1]
