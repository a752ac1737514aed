"""``dnn_accel`` (``archgym/DNNAccel-v0``): search the hardware of a spatial DNN accelerator.

Problem card
------------
**Parameters** (the hardware; every layer gets its own best mapping from the mapper):

| parameter | unit | values | baseline (Eyeriss-like) |
|---|---|---|---|
| ``pe_rows`` | PEs | 4, 6, 8, 12, 14, 16, 24, 28, 32, 48, 64, 96, 128, 256 | 12 |
| ``pe_cols`` | PEs | same | 14 (168 PEs) |
| ``rf_bytes`` | B per PE | 16 … 2048 (powers of two) | 512 |
| ``rf_class`` | — | ``regfile`` (flip-flops), ``sram`` | ``regfile`` |
| ``glb_kib`` | KiB | 8 … 2048 (powers of two) | 128 |
| ``glb_banks`` | banks of 64-bit ports | 1 … 64 (powers of two) | 16 |
| ``noc_words`` | words/cycle GLB ↔ array | 4 … 1024 (powers of two) | 16 |
| ``dram_gbps`` | GB/s | 4, 8, 16, 32, 64, 128, 256 | 16 |
| ``precision_bits`` | bits per word | 8, 16 | 16 |
| ``dataflow`` | — | ``rs`` row-, ``ws`` weight-, ``os`` output-, ``is`` input-stationary | ``rs`` |

About 1.0 × 10⁸ designs (version 2 widened the array sides to 256, the NoC to 1024 words/cycle, DRAM to 256 GB/s). Clock: 1 GHz (constructor argument ``clock_ghz``), 45 nm tables.

**Metrics** (summed over the layers of the network, as the earlier Timeloop env did):

| metric | unit | direction | meaning |
|---|---|---|---|
| ``latency_cycles`` | cycles | min | Σ per-layer ``max(max(compute, GLB, NoC) + prologue, DRAM)`` |
| ``energy_uj`` | µJ | min | MAC + RF + NoC + GLB + DRAM energy |
| ``area_mm2`` | mm² | min | PE array + GLB + NoC + DRAM interface |
| ``utilisation`` | 1 | max | MACs / (cycles · PEs) |
| ``dram_traffic_mb`` | MB | min | bytes moved to and from DRAM / 10⁶ |
| ``glb_required_kib`` | KiB | min | largest GLB footprint of a layer's chosen tiling |
| ``rf_required_b`` | B | min | register-file bytes per PE the dataflow needs |

**Workloads**: the networks of :data:`~archgym.simulators.networks.NETWORKS` (default ``alexnet``, as the
earlier env), batch ``batch`` (constructor argument, default 1).

**Default objective**: :class:`~archgym.objective.TargetSpec` on energy, area and cycles with
targets 30 % less energy, 15 % less area and 20 % fewer cycles than the baseline on the workload
(the earlier ArchGym Timeloop env's improvements), in the bounded form since issue 18 (same id:
the baseline scores 0.7 · 0.85 · 0.8 = 0.476, a design meeting every target >= 1).

**Reference and what it leaves out**: an analytical model in the style of Timeloop/MAESTRO
(:mod:`.loops`, :mod:`.costmodel`, :mod:`.mapper`, :mod:`.tables`), its systolic timing shared with
and cross-checked against SCALE-Sim, its cycles and energy compared design by design with ZigZag
(the ``zigzag`` backend, same design space; ``benchmarks/bench_accel_fidelity.py``; see
``docs/accelerator.md``). Measured there (version 5, whole ResNet-18, the 72 of 100 seeded random
designs ZigZag maps): network cycles Spearman 0.917, energy 0.937, median relative error 11.8 %
and 8.0 %; on the systolic dataflows (``ws``, ``os``, ``is``) compute cycles equal SCALE-Sim's on
every layer (the array streams the im2col GEMM). Left out: separate per-operand
scratchpads and multicast NoC topologies, tile halos, bank conflicts, DRAM page effects,
sparsity, leakage, clock and voltage scaling, inter-layer fusion; layers run one after another.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from archgym.errors import ConfigError, InfeasibleDesign
from archgym.objective import TargetSpec
from archgym.simulator import Metric, Simulator
from archgym.simulators.accelerator.costmodel import DATAFLOWS, Hardware, LayerArrays, LayerCosts, evaluate_layers
from archgym.simulators.accelerator.mapper import ORDERS
from archgym.simulators.networks import NETWORKS, Layer, resolve_workload
from archgym.space import Categorical, Design, Ordinal, ParameterSpace, PowerOfTwo

logger = logging.getLogger(__name__)

__all__ = ["DNNAccelSimulator", "BASELINE", "DESIGN_SPACE", "METRICS", "TARGET_IMPROVEMENT"]

ARRAY_SIDES = (4, 6, 8, 12, 14, 16, 24, 28, 32, 48, 64, 96, 128, 256)

DESIGN_SPACE = ParameterSpace(
    {
        "pe_rows": Ordinal(ARRAY_SIDES),
        "pe_cols": Ordinal(ARRAY_SIDES),
        "rf_bytes": PowerOfTwo(16, 2048),
        "rf_class": Categorical(["regfile", "sram"]),
        "glb_kib": PowerOfTwo(8, 2048),
        "glb_banks": PowerOfTwo(1, 64),
        "noc_words": PowerOfTwo(4, 1024),
        "dram_gbps": Ordinal([4, 8, 16, 32, 64, 128, 256]),
        "precision_bits": Ordinal([8, 16]),
        "dataflow": Categorical(list(DATAFLOWS)),
    }
)

#: Eyeriss-like baseline: 12 × 14 = 168 PEs, 0.5 KB RF per PE, 128 KiB GLB, row-stationary.
BASELINE: dict[str, Any] = {
    "pe_rows": 12,
    "pe_cols": 14,
    "rf_bytes": 512,
    "rf_class": "regfile",
    "glb_kib": 128,
    "glb_banks": 16,
    "noc_words": 16,
    "dram_gbps": 16,
    "precision_bits": 16,
    "dataflow": "rs",
}

METRICS = (
    Metric("latency_cycles", "cycles", "min", "cycles to run every layer of the network once"),
    Metric("energy_uj", "uJ", "min", "MAC + register file + NoC + global buffer + DRAM energy"),
    Metric("area_mm2", "mm2", "min", "PE array + global buffer + NoC + DRAM interface area (45 nm)"),
    Metric("utilisation", "1", "max", "MACs / (cycles x PEs)"),
    Metric("dram_traffic_mb", "MB", "min", "bytes moved between DRAM and the global buffer / 1e6"),
    Metric("glb_required_kib", "KiB", "min", "largest global-buffer footprint of a layer's tiling"),
    Metric("rf_required_b", "B", "min", "register-file bytes per PE the dataflow needs"),
)

#: ArchGym's Timeloop targets: 30 % less energy, 15 % less area, 20 % fewer cycles.
TARGET_IMPROVEMENT = {"energy_uj": 0.30, "area_mm2": 0.15, "latency_cycles": 0.20}

def subset_space(space: ParameterSpace, subset: Mapping[str, Sequence[Any]]) -> ParameterSpace:
    """``space`` with the parameters of ``subset`` cut down to the values given (card order kept).

    Raises:
        ConfigError: an unknown parameter, a value the parameter does not have, or no value.
    """
    params = dict(space.parameters)
    for name, allowed in subset.items():
        if name not in params:
            raise ConfigError(f"subset names unknown parameter {name!r}; parameters: {', '.join(space.names)}")
        full = params[name].values()
        bad = [v for v in allowed if v not in full]
        if bad or not allowed:
            raise ConfigError(f"subset of {name!r} must be a non-empty list of its values {full}, got {list(allowed)!r}")
        keep = [v for v in full if v in allowed]
        params[name] = Categorical(keep) if isinstance(params[name], Categorical) else Ordinal(keep)
    return ParameterSpace(params)


_CHUNK = 256  # designs scored per vectorised call (bounds memory: chunk × layers × 6 × 17 candidates)


def network_metrics(costs: LayerCosts, hw: Hardware, la: LayerArrays, counts: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Sum per-layer costs into the card's metrics, ``(D,)`` arrays (NaN where infeasible).

    ``counts``: how many layers of the network each column stands for (distinct layer shapes
    are costed once); default one each.
    """
    w = np.ones(len(la.names)) if counts is None else np.asarray(counts, dtype=np.float64)
    cycles = costs.cycles @ w
    energy = (costs.energy_total_pj @ w) * 1e-6
    area = sum(hw.area_mm2().values())
    bits = hw.bits[:, 0].astype(np.float64)
    return {
        "latency_cycles": cycles,
        "energy_uj": energy,
        "area_mm2": area,
        "utilisation": float(la.macs @ w) / (cycles * hw.pes[:, 0]),
        "dram_traffic_mb": (costs.dram_words @ w) * bits / 8.0 * 1e-6,
        "glb_required_kib": np.max(costs.glb_required_words, axis=1) * bits / 8.0 / 1024.0,
        "rf_required_b": np.max(costs.rf_required_words, axis=1) * bits / 8.0,
    }


def infeasibility_reason(costs: LayerCosts, la: LayerArrays, hw: Hardware, d: int) -> str:
    """Why design ``d`` of a batch cannot run, naming the first layer that does not fit."""
    bad = np.flatnonzero(~costs.feasible[d])
    if bad.size == 0:
        return ""
    layer = int(bad[0])
    name, bits = la.names[layer], int(hw.bits[d, 0])
    if costs.reason[d, layer] == 1:
        need = costs.min_glb_words[d, layer] * bits / 8 / 1024
        return (
            f"layer {name!r}: the global buffer of {int(hw.glb_kib[d, 0])} KiB cannot hold the smallest legal "
            f"(double-buffered) tile, which needs {need:.1f} KiB"
        )
    need = int(costs.rf_required_words[d, layer]) * bits // 8
    return f"layer {name!r}: the {int(hw.rf_bytes[d, 0])}-byte register file cannot hold one filter row, input window and partial sum ({need} B needed)"


class DNNAccelSimulator(Simulator):
    """Spatial DNN accelerator, analytical cost model with a per-layer mapper (see the module card)."""

    name = "dnn_accel"
    version = "5"  # 5: systolic timing on the im2col GEMM (SCALE-Sim's); 4: RF fills per PE, os output blocking
    fidelity = "analytical"
    design_space = DESIGN_SPACE
    metrics = METRICS
    workloads = NETWORKS

    def __init__(self, batch: int = 1, clock_ghz: float = 1.0, subset: Mapping[str, Sequence[Any]] | None = None):
        """Args:
            batch: images per inference.
            clock_ghz: clock of the cycle-to-time conversion.
            subset: ``{parameter: allowed values}``, each a non-empty subset of the card's
                values: the design space is cut down to them (e.g. the designs SCALE-Sim can
                express, :data:`archgym.fidelity.SCALESIM_SUBSET`); the metrics of a design
                do not change. ``None``: the whole space.
        """
        if not isinstance(batch, int) or batch < 1:
            raise ValueError(f"batch must be a positive integer, got {batch!r}")
        if not clock_ghz > 0:
            raise ValueError(f"clock_ghz must be > 0, got {clock_ghz!r}")
        self.batch = batch
        self.clock_ghz = float(clock_ghz)
        if subset:
            self.design_space = subset_space(DESIGN_SPACE, subset)
        self._layers: dict[str, LayerArrays] = {}
        self._distinct: dict[str, tuple[LayerArrays, np.ndarray]] = {}

    def default_design(self) -> Design:
        """The Eyeriss-like baseline; in a subset space, each value outside it moved to the nearest allowed one
        (a number: the closest, ties to the larger; a choice: the first allowed)."""
        design = dict(BASELINE)
        if self.design_space is DESIGN_SPACE:
            return design
        for name, param in self.design_space.parameters.items():
            allowed = param.values()
            if design[name] not in allowed:
                design[name] = (allowed[0] if isinstance(param, Categorical)
                                else min(allowed, key=lambda v: (abs(v - design[name]), -v)))
        return design

    def default_objective(self, workload: str | None = None) -> TargetSpec:
        return TargetSpec.from_baseline(self, workload, improvement=TARGET_IMPROVEMENT, metrics=list(TARGET_IMPROVEMENT))

    def layer_arrays(self, workload: str) -> LayerArrays:
        """The layer table of ``workload`` as arrays (cached per simulator)."""
        if workload not in self._layers:
            self._layers[workload] = LayerArrays.from_layers(resolve_workload(workload, batch=self.batch))
        return self._layers[workload]

    def distinct_layer_arrays(self, workload: str) -> tuple[LayerArrays, np.ndarray]:
        """The distinct layer shapes of ``workload`` (first name of each) and how often each occurs.

        Two layers with equal fields but their names cost the same, so :meth:`evaluate_arrays`
        costs each shape once (ResNet-18: 12 shapes for 21 layers; ResNet-50: 24 for 54).
        """
        if workload not in self._distinct:
            first: dict[tuple, Layer] = {}
            counts: dict[tuple, int] = {}
            for layer in resolve_workload(workload, batch=self.batch):
                key = tuple(getattr(layer, f.name) for f in dataclasses.fields(layer) if f.name != "name")
                first.setdefault(key, layer)
                counts[key] = counts.get(key, 0) + 1
            self._distinct[workload] = (LayerArrays.from_layers(list(first.values())), np.array(list(counts.values()), dtype=np.float64))
        return self._distinct[workload]

    def check_workload(self, workload: str | None) -> str:
        """A network of :attr:`workloads`, or a layer subset of one (``"resnet18:conv1+fc"``)."""
        if isinstance(workload, str) and ":" in workload:
            resolve_workload(workload)  # raises naming the unknown network or layer
            return workload
        return super().check_workload(workload)

    def layer_report(self, design: Mapping[str, Any], layer: Layer) -> dict[str, Any]:
        """Cycles and energy (pJ) of one :class:`~archgym.simulators.networks.Layer` (all its groups) on one design."""
        design = self.design_space.validate(design)
        la = LayerArrays.from_layers([layer])
        hw = Hardware.from_designs([design], self.clock_ghz)
        costs = evaluate_layers(la, hw, design["dataflow"])
        row = {"cycles": float(costs.cycles[0, 0]), "compute_cycles": float(costs.compute_cycles[0, 0]),
               "energy_pj": float(costs.energy_total_pj[0, 0]), "feasible": bool(costs.feasible[0, 0])}
        row.update({f"energy_{k}_pj": float(v[0, 0]) for k, v in costs.energy_pj.items()})
        return row

    # -- evaluation ---------------------------------------------------------------------
    def _evaluate(self, design: Design, workload: str) -> dict[str, float]:
        metrics, feasible, reasons = self.evaluate_arrays([design], workload)
        if not feasible[0]:
            raise InfeasibleDesign(reasons[0])
        return {k: float(v[0]) for k, v in metrics.items()}

    def evaluate_batch(self, designs: Sequence[Mapping[str, Any]], workload: str | None = None) -> list[dict[str, float]]:
        """Score many designs in vectorised chunks; raises :class:`InfeasibleDesign` on the first infeasible one."""
        workload = self.check_workload(workload)
        valid = [self.design_space.validate(d) for d in designs]
        metrics, feasible, reasons = self.evaluate_arrays(valid, workload)
        if not feasible.all():
            raise InfeasibleDesign(f"design {int(np.flatnonzero(~feasible)[0])} of the batch: {reasons[int(np.flatnonzero(~feasible)[0])]}")
        return [self._check_metrics({k: v[i] for k, v in metrics.items()}) for i in range(len(valid))]

    def evaluate_arrays(self, designs: Sequence[Mapping[str, Any]], workload: str) -> tuple[dict[str, np.ndarray], np.ndarray, list[str]]:
        """Metrics of validated designs as ``(n,)`` arrays, with a feasibility mask and reasons.

        Designs are grouped by dataflow and scored ``_CHUNK`` at a time in one NumPy call each,
        every distinct layer shape once.
        """
        la, counts = self.distinct_layer_arrays(workload)
        n = len(designs)
        out = {m.name: np.full(n, np.nan) for m in self.metrics}
        feasible = np.zeros(n, dtype=bool)
        reasons = [""] * n
        by_df: dict[str, list[int]] = {}
        for i, d in enumerate(designs):
            by_df.setdefault(d["dataflow"], []).append(i)
        for df, idx in by_df.items():
            for start in range(0, len(idx), _CHUNK):
                chunk = idx[start : start + _CHUNK]
                hw = Hardware.from_designs([designs[i] for i in chunk], self.clock_ghz)
                costs = evaluate_layers(la, hw, df)
                ok = costs.feasible.all(axis=1)
                for key, val in network_metrics(costs, hw, la, counts).items():
                    out[key][chunk] = np.where(ok, val, np.nan)
                feasible[chunk] = ok
                for j in np.flatnonzero(~ok):
                    reasons[chunk[j]] = infeasibility_reason(costs, la, hw, int(j))
        return out, feasible, reasons

    def report(self, design: Mapping[str, Any], workload: str | None = None) -> list[dict[str, Any]]:
        """Per-layer details of one design: cycles by resource, the bound, energy terms, tiling.

        Returns:
            One dict per layer (name, MACs, cycles, compute/DRAM/GLB/NoC cycles, ``bound``,
            energy terms in pJ, DRAM words, GLB footprint in words, loop order and tiles).
        """
        design = self.design_space.validate(design)
        workload = self.check_workload(workload)
        la = self.layer_arrays(workload)
        hw = Hardware.from_designs([design], self.clock_ghz)
        costs = evaluate_layers(la, hw, design["dataflow"])
        names = ("compute", "dram", "glb", "noc")
        rows = []
        for i, name in enumerate(la.names):
            row: dict[str, Any] = {
                "layer": name,
                "macs": int(la.macs[i]),
                "feasible": bool(costs.feasible[0, i]),
                "cycles": float(costs.cycles[0, i]),
                "compute_cycles": float(costs.compute_cycles[0, i]),
                "dram_cycles": float(costs.dram_cycles[0, i]),
                "glb_cycles": float(costs.glb_cycles[0, i]),
                "noc_cycles": float(costs.noc_cycles[0, i]),
                "prologue_cycles": float(costs.prologue_cycles[0, i]),
                "bound": names[int(costs.bound[0, i])] if costs.feasible[0, i] else None,
                "dram_words": float(costs.dram_words[0, i]),
                "glb_footprint_words": float(costs.glb_required_words[0, i]),
                "loop_order": ORDERS[int(costs.tiling.order[0, i])],
                "tiles_mnk": tuple(int(t) for t in costs.tiling.tiles[0, i]),
            }
            row.update({f"energy_{k}_pj": float(v[0, i]) for k, v in costs.energy_pj.items()})
            rows.append(row)
        return rows

    def area_breakdown(self, design: Mapping[str, Any]) -> dict[str, float]:
        """Area terms of one design (mm²): PE array, GLB, NoC, DRAM interface."""
        hw = Hardware.from_designs([self.design_space.validate(design)], self.clock_ghz)
        return {k: float(v[0]) for k, v in hw.area_mm2().items()}
