"""Stochastic execution: play a schedule forward with random link generation and decoherence.

The deterministic schedule reserves ``⌈(1/R)/slot⌉`` slots for a link pair whose generation time
is in truth random. Here each generation is a run of heralded attempts, each
``t_att = L / c_fibre`` long (light to a midpoint station and the herald back; ``c_fibre`` =
2·10⁵ km/s) and successful with probability ``R·t_att``, so the number of attempts is geometric
with mean ``1/(R·t_att)`` and the mean generation time is ``1/R``. A generation that has not
succeeded by the end of its reserved slots fails, and so does the whole instance (its deadline is
missed: no retry fits in the cyclic schedule). Stored pairs dephase with the storage (carbon)
T2 = 1.0 s from the moment they exist until the operation that uses them (pauses of a pre-empted
instance included); distillation succeeds with the BBPSSW probability. Swaps are deterministic.

Not modelled: T1 relaxation (T1 = 10 h ≫ the seconds involved), gate and measurement noise,
classical communication delays beyond the slot, retries inside an instance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from archgym.simulators.qnet.replay import T2_STORAGE_S, propagate
from archgym.simulators.qnet.schedulers import Schedule
from archgym.simulators.qnet.task import ProtocolTask

__all__ = ["C_FIBRE_KM_S", "T2_STORAGE_S", "StochasticOutcome", "play"]

C_FIBRE_KM_S = 2.0e5


@dataclass(frozen=True)
class StochasticOutcome:
    """Measured outcome of playing a schedule forward.

    Attributes:
        throughput_pairs_s: delivered pairs per second.
        fidelity: mean fidelity of the delivered pairs (0 when none).
        miss_fraction: fraction of scheduled instances that delivered no pair.
    """

    throughput_pairs_s: float
    fidelity: float
    miss_fraction: float


def play(
    schedule: Schedule,
    protocols: Sequence[ProtocolTask],
    lengths_km: Sequence[Sequence[float]],
    slot_s: float,
    rng: np.random.Generator,
    repetitions: int = 16,
) -> StochasticOutcome:
    """Play ``repetitions`` hyperperiods of a schedule.

    Args:
        schedule: the cyclic schedule.
        protocols: per scheduled task, its bound protocol (op timing relative to the task).
        lengths_km: per scheduled task, the link lengths along its path (km).
        slot_s: slot length, s.
        rng: the random generator.
        repetitions: hyperperiods played.
    """
    delivered = 0
    scheduled = 0
    fid_sum = 0.0
    for proto, lengths, ex in zip(protocols, lengths_km, schedule.exec_slots):
        ex_rep = np.tile(ex, (repetitions, 1))  # (instances × repetitions, c)
        size = ex_rep.shape[0]
        gen_times: dict[int, np.ndarray] = {}
        gen_ok = np.ones(size, dtype=bool)
        for j, op in enumerate(proto.ops):
            if op.kind == "gen":
                t_att = lengths[op.ends[0]] / C_FIBRE_KM_S
                attempts = rng.geometric(min(1.0, op.rate * t_att), size=size)
                gen_times[j] = attempts * t_att
                gen_ok &= gen_times[j] <= op.duration * slot_s + 1e-12
        final, ok = propagate(proto.ops, ex_rep, slot_s, gen_times, rng)
        good = ok & gen_ok
        delivered += int(good.sum())
        scheduled += size
        fid_sum += float(final[good].sum())
    seconds = repetitions * schedule.hyperperiod * slot_s
    return StochasticOutcome(
        throughput_pairs_s=delivered / seconds,
        fidelity=fid_sum / delivered if delivered else 0.0,
        miss_fraction=1.0 - delivered / scheduled if scheduled else 0.0,
    )
