"""The iteration schedule: layer-phases in order, and what overlaps with what.

One training iteration is a sequence of *slots* on the STCE:
``FF_0, FF_1, …, FF_{L−1}, BW_{L−1}, …, BW_0`` where the backward slot ``BW_l`` runs BP_l and
WU_l (both need dY_l; WU_l is independent of BP_l, which is what interleave mapping exploits:
WU_l's folds fill BP_l's pipeline drain, so a backward slot pays one fill/drain). Each slot is a
dependency barrier: FF_{l+1} needs FF_l's output, BP_{l−1} needs BP_l's.

A slot takes ``max(compute, DRAM bytes / bandwidth)`` — transfers inside a phase are double
buffered — plus whatever is not overlapped:

* **SORE** (pruning the weights a slot needs): with *pre-generation* the SORE prunes slot
  ``s+1``'s weights during slot ``s`` (its cycles and bytes join slot ``s``'s overlap);
  without, it runs serially before its slot. FF_0's weights always wait: they are pruned from the
  master weights that the previous iteration's last update (layer 0) just wrote.
* **Vector engine** (FP32 master-weight update of layer ``l`` after WU_l): with *offline
  scheduling* it runs during the next slot (cycles and bytes overlapped) — except the last
  update, which the next iteration's FF_0 waits for; without, it runs serially.
* **Offline scheduling** also prefetches each slot's first stationary block (otherwise exposed)
  and fuses BP_l with WU_l so dY_l is read from DRAM once.

``max(a, b + c) ≤ max(a, b) + c``: every optimisation moves work from a serial sum into an
overlap, so switching one off never makes a design faster.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from archgym.simulators.sparse_sat.config import SATConfig
from archgym.simulators.sparse_sat.model import PHASES, PhaseCosts

__all__ = ["IterationTiming", "iteration_timing"]


@dataclass(frozen=True, eq=False)
class IterationTiming:
    """Timing of one training iteration.

    Attributes:
        time_s: seconds per iteration.
        slot_time_s: ``(S,)`` seconds per slot, in schedule order.
        compute_cycles: STCE cycles (fills/drains included) summed over slots.
        compute_s: ``compute_cycles`` at the clock.
        memory_stall_s: time slots wait for DRAM (or overlapped side work) beyond compute.
        sore_serial_s: SORE time on the critical path.
        vector_serial_s: master-weight update time on the critical path.
        exposed_load_s: first-block loads not prefetched (no offline scheduling).
        dram_bytes: total DRAM traffic (incl. SORE and vector engine).
        macs: MACs executed by the STCE.
    """

    time_s: float
    slot_time_s: np.ndarray
    compute_cycles: int
    compute_s: float
    memory_stall_s: float
    sore_serial_s: float
    vector_serial_s: float
    exposed_load_s: float
    dram_bytes: float
    macs: int


def iteration_timing(cfg: SATConfig, costs: PhaseCosts, phases: Sequence[str] = PHASES) -> IterationTiming:
    """Schedule one iteration and time it.

    Args:
        cfg: the design.
        costs: :func:`~archgym.simulators.sparse_sat.model.phase_costs` of the same design.
        phases: the phases that run (``("ff",)`` is a forward pass only; no WU means no
            master-weight update).
    """
    unknown = set(phases) - set(PHASES)
    if unknown or "ff" not in phases:
        raise ValueError(f"phases must include 'ff' and be drawn from {PHASES}, got {tuple(phases)!r}")
    bp_on, wu_on = "bp" in phases, "wu" in phases
    f, bw = cfg.clock_hz, cfg.bandwidth_bytes_s
    c = costs
    barrier = 1 if cfg.interleave else 0

    comp = [c.cycles[0] + barrier * c.fill_drain[0]]
    mem = [c.dram_bytes[0].astype(np.float64)]
    exposed = [c.exposed_bytes[0].astype(np.float64)]
    sore_cyc = [c.sore_cycles[0]]
    sore_bytes = [c.sore_bytes[0].astype(np.float64)]
    vec_cyc = [np.zeros_like(c.vector_cycles)]
    vec_bytes = [np.zeros(len(c.vector_bytes))]
    macs = int(c.macs[0].sum())
    if bp_on or wu_on:
        bp, wu = int(bp_on), int(wu_on)
        fd = np.maximum(bp * c.fill_drain[1], wu * c.fill_drain[2])
        comp.append((bp * c.cycles[1] + wu * c.cycles[2] + barrier * fd)[::-1])
        fused = bp_on and wu_on and cfg.offline_scheduling
        bw_mem = bp * c.dram_bytes[1] + wu * c.dram_bytes[2] - (c.shared_dy_bytes if fused else 0)
        mem.append(bw_mem[::-1].astype(np.float64))
        exposed.append((bp * c.exposed_bytes[1] + wu * c.exposed_bytes[2])[::-1].astype(np.float64))
        sore_cyc.append((bp * c.sore_cycles[1])[::-1])
        sore_bytes.append((bp * c.sore_bytes[1])[::-1].astype(np.float64))
        vec_cyc.append((wu * c.vector_cycles)[::-1])
        vec_bytes.append((wu * c.vector_bytes)[::-1].astype(np.float64))
        macs += int(bp * c.macs[1].sum() + wu * c.macs[2].sum())
    comp_s = np.concatenate(comp) / f
    mem_b = np.concatenate(mem)
    exposed_b = np.concatenate(exposed)
    sore_c, sore_b = np.concatenate(sore_cyc), np.concatenate(sore_bytes)
    vec_c, vec_b = np.concatenate(vec_cyc), np.concatenate(vec_bytes)

    sore_t = np.maximum(sore_c / f, sore_b / bw)
    vec_t = np.maximum(vec_c / f, vec_b / bw)
    side_bytes = np.zeros_like(mem_b)
    side_s = np.zeros_like(comp_s)
    serial_sore = np.zeros_like(comp_s)
    serial_vec = np.zeros_like(comp_s)
    exposed_s = np.zeros_like(comp_s)
    if cfg.pregeneration:
        side_s[:-1] = sore_c[1:] / f
        side_bytes[:-1] += sore_b[1:]
        serial_sore[0] = sore_t[0]
    else:
        serial_sore = sore_t
    if cfg.offline_scheduling:
        side_s[1:] = np.maximum(side_s[1:], vec_c[:-1] / f)
        side_bytes[1:] += vec_b[:-1]
        serial_vec[-1] = vec_t[-1]
    else:
        serial_vec = vec_t
        exposed_s = exposed_b / bw
    overlapped = np.maximum(np.maximum(comp_s, (mem_b + side_bytes) / bw), side_s)
    slot = overlapped + serial_sore + serial_vec + exposed_s
    compute_cycles = int(sum(int(x.sum()) for x in comp))
    return IterationTiming(
        time_s=float(slot.sum()),
        slot_time_s=slot,
        compute_cycles=compute_cycles,
        compute_s=float(comp_s.sum()),
        memory_stall_s=float((overlapped - comp_s).sum()),
        sore_serial_s=float(serial_sore.sum()),
        vector_serial_s=float(serial_vec.sum()),
        exposed_load_s=float(exposed_s.sum()),
        dram_bytes=float(mem_b.sum() + sore_b.sum() + vec_b.sum()),
        macs=macs,
    )
