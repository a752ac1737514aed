"""How the baseline STCE array is chosen: a rule stated before looking at sparse results.

Rule: among all ``rows × cols`` of the knob grid that fit the XCVU9P budget with every other
knob at the baseline, take the shape with the highest dense training throughput — the geometric
mean, over :data:`RULE_WORKLOADS`, of samples/s with ``scheme="dense"`` and every other knob at
the baseline. An exact tie goes to fewer DSPs, then to more rows. The N:M sparse speed-up plays
no part: the array is sized for dense training, and sparsity is then measured on it.

:func:`rank_array_shapes` applies the rule; the calibration test checks that the baseline of
:class:`~archgym.simulators.sparse_sat.config.SATConfig` is its first entry, and
``benchmarks/bench_sparse_sat.py`` prints the ranking with every shape's N:M speed-up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from archgym.simulators.sparse_sat.config import SATConfig
from archgym.simulators.sparse_sat.resources import estimate_resources, over_budget
from archgym.simulators.sparse_sat.simulator import ARRAY_SIZES, simulate

#: The workloads whose dense throughput sizes the array (the four of the paper's evaluation).
RULE_WORKLOADS: tuple[str, ...] = ("resnet18", "resnet50", "vgg16", "vit_b16")


@dataclass(frozen=True)
class ArrayShape:
    """One array shape that fits the device, with the figure the rule ranks it by.

    Attributes:
        rows, cols: STCE shape (PEs).
        dsp: DSP slices the whole design uses.
        dense_samples_s: dense training throughput per workload (samples/s), in
            :data:`RULE_WORKLOADS` order.
        dense_geomean_samples_s: their geometric mean (samples/s): the rule's key.
    """

    rows: int
    cols: int
    dsp: int
    dense_samples_s: tuple[float, ...]
    dense_geomean_samples_s: float

    @property
    def pes(self) -> int:
        return self.rows * self.cols


def rank_array_shapes(base: SATConfig | None = None) -> list[ArrayShape]:
    """Every array shape of the knob grid that fits the budget, best first by the rule.

    Args:
        base: the other knobs (default: the baseline :class:`SATConfig`); ``scheme`` is set to
            dense for the ranking.
    """
    base = replace(base or SATConfig(), scheme="dense")
    shapes = []
    for rows in ARRAY_SIZES:
        for cols in ARRAY_SIZES:
            cfg = replace(base, rows=rows, cols=cols)
            res = estimate_resources(cfg)
            if over_budget(res, cfg) is not None:
                continue
            tput = tuple(cfg.batch / simulate(cfg, w).timing.time_s for w in RULE_WORKLOADS)
            geo = math.exp(sum(math.log(x) for x in tput) / len(tput))
            shapes.append(ArrayShape(rows, cols, res.dsp, tput, geo))
    shapes.sort(key=lambda s: (-s.dense_geomean_samples_s, s.dsp, -s.rows))
    return shapes
