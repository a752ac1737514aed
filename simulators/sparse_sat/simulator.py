"""SparseSAT: one N:M sparse training iteration on the SAT FPGA accelerator (``archgym/SparseSAT-v0``).

Problem card
============

Reference: C. Fang, W. Sun, A. Zhou, Z. Wang, "Efficient N:M Sparse DNN Training Using
Algorithm, Architecture, and Dataflow Co-Design", IEEE TCAD 2023 (arXiv 2309.13015): BDWP
pruning, the SAT accelerator (STCE, SORE, weight-update vector engine) on a VCU1525 (XCVU9P),
interleave mapping, weight pre-generation and offline scheduling.

Parameters (baseline in brackets; the array by the rule in :mod:`.baseline`: highest dense
training throughput within the device budget):

| name | domain | unit | meaning |
|---|---|---|---|
| ``rows``, ``cols`` | {8, 16, 24, 32, 48, 64, 96, 128} [48, 64] | PEs | STCE systolic array |
| ``scheme`` | dense, sr_ste, bdwp [bdwp] | — | which GEMMs run N:M sparse (:mod:`.sparsity`) |
| ``pattern`` | dense, 2:4, 1:4, 2:8, 1:8, 2:16, 1:16 [2:8] | — | N:M pattern |
| ``dataflow_ff``, ``dataflow_bp``, ``dataflow_wu`` | os, ws, adaptive [adaptive] | — | STCE dataflow per phase (adaptive: per layer) |
| ``sore_lanes`` | 4 … 128, powers of two [32] | lanes | SORE lanes, ~M cycles per N:M group each |
| ``pregeneration`` | False, True [True] | — | prune the next phase's weights during the current one |
| ``interleave`` | False, True [True] | — | interleave mapping: pipelined folds, one fill/drain per barrier |
| ``offline_scheduling`` | False, True [True] | — | overlap transfers, vector engine; fuse BP/WU |
| ``act_buffer_kib``, ``weight_buffer_kib`` | 256 … 16384, powers of two [4096, 2048] | KiB | on-chip buffers (URAM) |
| ``ddr_channels`` | 1 … 4 [4] | channels | DDR4-2400, 19.2 GB/s peak each |
| ``clock_mhz`` | {100, 150, 200, 250, 300} [200] | MHz | accelerator clock |
| ``batch`` | 1 … 128, powers of two [32] | samples | training batch size |

Metrics:

| name | unit | direction | meaning |
|---|---|---|---|
| ``iteration_time_ms`` | ms | min | one training iteration (FF, BP, WU, master update) |
| ``throughput_samples_s`` | samples/s | max | ``batch / iteration time`` |
| ``energy_mj`` | mJ | min | energy of one iteration (incl. static) |
| ``power_w`` | W | min | average power |
| ``array_utilisation`` | 1 | max | useful MACs / (time · rows · cols · clock) |
| ``dram_mb`` | MB | min | DRAM traffic of one iteration |
| ``dsp_used``, ``lut_used``, ``bram36_used``, ``uram_used`` | count | min | FPGA resources (budget: 6,833 / 1,182,240 / 1,896 / 960) |
| ``accuracy_cost_pct`` | % | min | top-1 loss vs dense: 0.56 for BDWP 2:8 (paper), 0 dense |
| ``accuracy_cost_assumed`` | 1 | min | 1 when ``accuracy_cost_pct`` is a labelled assumption, not a published value |

Workloads: training of ``resnet18``, ``resnet50``, ``vgg16``, ``vit_b16`` (layer tables shared
with the DNN accelerator model; ``alexnet``, ``mobilenet_v2`` and ``bert_base`` are accepted too).

Default objective: maximise throughput subject to ``accuracy_cost_pct <= 1.0`` and the device
budget (over-budget designs raise :class:`~archgym.errors.InfeasibleDesign` naming the resource).

Leaves out: batch-norm, activation, softmax and layer-norm passes (not in the layer tables),
im2col/col2im address generation, OS↔WS reconfiguration time, DRAM page effects (a flat
85 % of peak), clock limits of large designs, and any accuracy dynamics beyond the one
published point.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from archgym.errors import InfeasibleDesign, UnknownWorkloadError, did_you_mean
from archgym.simulator import Metric, Simulator
from archgym.simulators.networks import NETWORKS
from archgym.simulators.sparse_sat.config import DATAFLOW_POLICIES, SATConfig
from archgym.simulators.sparse_sat.constants import XCVU9P
from archgym.simulators.sparse_sat.energy import EnergyBreakdown, iteration_energy
from archgym.simulators.sparse_sat.layers import LayerTable, layer_table
from archgym.simulators.sparse_sat.model import PHASES, PhaseCosts, phase_costs
from archgym.simulators.sparse_sat.resources import Resources, estimate_resources, over_budget
from archgym.simulators.sparse_sat.schedule import IterationTiming, iteration_timing
from archgym.simulators.sparse_sat.sparsity import PATTERNS, SCHEMES, accuracy_cost
from archgym.space import Categorical, Integer, Ordinal, ParameterSpace, PowerOfTwo

__all__ = ["SATResult", "SparseSATSimulator", "simulate"]

ARRAY_SIZES = (8, 16, 24, 32, 48, 64, 96, 128)
_BOOL = Categorical([False, True])

#: The default accuracy-cost limit of the default objective (percentage points).
ACCURACY_LIMIT_PCT = 1.0


@dataclass(frozen=True, eq=False)
class SATResult:
    """Everything the model computes for one design on one network."""

    config: SATConfig
    costs: PhaseCosts
    timing: IterationTiming
    energy: EnergyBreakdown
    resources: Resources
    accuracy_cost_pct: float
    accuracy_cost_assumed: bool

    def metrics(self) -> dict[str, float]:
        """The simulator's metrics (see the module's problem card)."""
        t = self.timing
        cfg = self.config
        energy_pj = self.energy.total_pj
        peak = t.time_s * cfg.clock_hz * cfg.rows * cfg.cols
        return {
            "iteration_time_ms": t.time_s * 1e3,
            "throughput_samples_s": cfg.batch / t.time_s,
            "energy_mj": energy_pj * 1e-9,
            "power_w": energy_pj * 1e-12 / t.time_s,
            "array_utilisation": t.macs / peak,
            "dram_mb": t.dram_bytes / 1e6,
            "dsp_used": float(self.resources.dsp),
            "lut_used": float(self.resources.lut),
            "bram36_used": float(self.resources.bram36),
            "uram_used": float(self.resources.uram),
            "accuracy_cost_pct": self.accuracy_cost_pct,
            "accuracy_cost_assumed": float(self.accuracy_cost_assumed),
        }


def simulate(cfg: SATConfig, table: LayerTable | str, phases: Sequence[str] = PHASES, check_budget: bool = True) -> SATResult:
    """Model one training iteration of ``table`` (or a network name) on ``cfg``.

    Args:
        cfg: the design.
        table: a :class:`LayerTable` (its batch is used as is) or a network name (built at
            ``cfg.batch``).
        phases: the phases that run (default all; ``("ff",)`` times a forward pass).
        check_budget: raise :class:`InfeasibleDesign` when the design exceeds the XCVU9P.
    """
    if isinstance(table, str):
        table = layer_table(table, cfg.batch)
    res = estimate_resources(cfg)
    if check_budget:
        reason = over_budget(res, cfg)
        if reason:
            raise InfeasibleDesign(reason)
    sp = cfg.sparsity
    costs = phase_costs(cfg, table, sp)
    timing = iteration_timing(cfg, costs, phases)
    energy = iteration_energy(costs, timing, phases)
    acc, assumed = accuracy_cost(sp)
    return SATResult(cfg, costs, timing, energy, res, acc, assumed)


class SparseSATSimulator(Simulator):
    """N:M sparse training on the SAT FPGA accelerator (BDWP, STCE, SORE, dataflow optimisations)."""

    name = "sparse_sat"
    version = "1"
    fidelity = "analytical"
    design_space = ParameterSpace(
        {
            "rows": Ordinal(ARRAY_SIZES),
            "cols": Ordinal(ARRAY_SIZES),
            "scheme": Categorical(SCHEMES),
            "pattern": Categorical(PATTERNS),
            "dataflow_ff": Categorical(DATAFLOW_POLICIES),
            "dataflow_bp": Categorical(DATAFLOW_POLICIES),
            "dataflow_wu": Categorical(DATAFLOW_POLICIES),
            "sore_lanes": PowerOfTwo(4, 128),
            "pregeneration": _BOOL,
            "interleave": _BOOL,
            "offline_scheduling": _BOOL,
            "act_buffer_kib": PowerOfTwo(256, 16384),
            "weight_buffer_kib": PowerOfTwo(256, 16384),
            "ddr_channels": Integer(1, XCVU9P.ddr_channels),
            "clock_mhz": Ordinal([100, 150, 200, 250, 300]),
            "batch": PowerOfTwo(1, 128),
        }
    )
    metrics = (
        Metric("iteration_time_ms", "ms", "min", "time of one training iteration"),
        Metric("throughput_samples_s", "samples/s", "max", "training samples per second"),
        Metric("energy_mj", "mJ", "min", "energy of one training iteration, static included"),
        Metric("power_w", "W", "min", "average power over the iteration"),
        Metric("array_utilisation", "1", "max", "useful MACs / peak MACs of the STCE"),
        Metric("dram_mb", "MB", "min", "DRAM traffic of one iteration"),
        Metric("dsp_used", "DSP48E2", "min", f"DSP slices (budget {XCVU9P.dsp})"),
        Metric("lut_used", "LUT", "min", f"LUTs (budget {XCVU9P.lut})"),
        Metric("bram36_used", "BRAM36", "min", f"36 Kb block RAMs (budget {XCVU9P.bram36})"),
        Metric("uram_used", "URAM", "min", f"UltraRAMs (budget {XCVU9P.uram})"),
        Metric("accuracy_cost_pct", "%", "min", "top-1 accuracy lost vs dense training (2:8 BDWP: 0.56, paper)"),
        Metric("accuracy_cost_assumed", "1", "min", "1 when accuracy_cost_pct is an assumption, 0 when published or exact"),
    )
    workloads = ("resnet18", "resnet50", "vgg16", "vit_b16")

    def default_design(self) -> dict[str, Any]:
        return SATConfig().to_design()

    def check_workload(self, workload: str | None) -> str:
        if workload is None:
            return self.default_workload
        if workload not in NETWORKS:
            raise UnknownWorkloadError(
                f"simulator {self.name!r} has no workload {workload!r}{did_you_mean(workload, NETWORKS)}; "
                f"allowed: {', '.join(self.workloads)} (also: {', '.join(n for n in NETWORKS if n not in self.workloads)})"
            )
        return workload

    def _evaluate(self, design: Mapping[str, Any], workload: str) -> dict[str, float]:
        return simulate(SATConfig.from_design(design), workload).metrics()

    def result(self, design: Mapping[str, Any], workload: str | None = None, phases: Sequence[str] = PHASES) -> SATResult:
        """The full :class:`SATResult` (per-layer costs, timing breakdown, energy, resources)."""
        design = self.design_space.validate(design)
        return simulate(SATConfig.from_design(design), self.check_workload(workload), phases)

    def default_objective(self, workload: str | None = None):
        """Maximise throughput subject to ``accuracy_cost_pct <= 1.0`` and the XCVU9P budget."""
        from archgym.objective import Constrained, Weighted

        base = self.evaluate(self.default_design(), workload)
        throughput = Weighted(
            {"throughput_samples_s": 1.0},
            {"throughput_samples_s": "max"},
            scales={"throughput_samples_s": base["throughput_samples_s"]},
        )
        return Constrained(
            throughput,
            {
                "accuracy_cost_pct": ("<=", ACCURACY_LIMIT_PCT),
                "dsp_used": ("<=", XCVU9P.dsp),
                "lut_used": ("<=", XCVU9P.lut),
                "bram36_used": ("<=", XCVU9P.bram36),
                "uram_used": ("<=", XCVU9P.uram),
            },
        )
