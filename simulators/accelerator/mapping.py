"""``dnn_mapping`` (``archgym/DNNMapping-v0``): search one layer's mapping on a fixed accelerator.

Problem card
------------
The hardware is fixed (default: the Eyeriss-like baseline of ``dnn_accel`` — 12 × 14 PEs, 512 B
RF per PE, 128 KiB GLB in 16 banks, 16 words/cycle NoC, 16 GB/s DRAM, 16-bit words, 1 GHz;
constructor argument ``hardware`` overrides any of its fields except ``dataflow``). The design
is the mapping of one layer, lowered to a GEMM ``M × N × K`` (``M`` output pixels or tokens,
``N`` output channels, ``K = C/groups·R·S``; see :mod:`archgym.simulators.networks`):

| parameter | values | meaning | baseline |
|---|---|---|---|
| ``parallel`` | ``ry``, ``mn``, ``kn``, ``km`` | dimensions spread over the PE rows × columns: filter rows × output rows (row-stationary, Eyeriss), output pixels × output channels (output-stationary), reduction × output channels (weight-stationary), reduction × output pixels (input-stationary) | ``ry`` |
| ``loop_order`` | the 6 orders of ``m``, ``n``, ``k`` | DRAM-level loop nest over the tiles, outer → inner | ``nkm`` |
| ``split_m`` | 1 … 1024 (powers of two) | tiles along ``M``: ``T_m = max(⌈M/split_m⌉, minimum tile)`` | 16 |
| ``split_n`` | 1 … 1024 | tiles along ``N`` | 64 |
| ``split_k`` | 1 … 1024 | tiles along ``K`` | 256 |

31,944 mappings. Tiles are clamped to the smallest tile that fills one fold of the array (so
many large splits alias); a mapping whose double-buffered tiles exceed the GLB, or (``ry``) whose
filter row does not fit the RF, is *infeasible* with the reason.

**Metrics**: ``latency_cycles`` (min), ``energy_uj`` (min), ``throughput_macs_per_cycle``
(max), ``utilisation`` (max), ``dram_traffic_mb`` (min), ``glb_required_kib`` (min) — the
same cost model as ``dnn_accel`` (:mod:`.costmodel`), evaluated for the given mapping instead
of the mapper's.

**Workloads**: layer identifiers ``"<network>:<layer>"``, e.g. ``"resnet18:conv2_1a"`` (the
default), ``"vgg16:conv4_2"``, ``"mobilenet_v2:b3_dw"``, ``"bert_base:enc1_ffn1"``. The list
:attr:`DNNMappingSimulator.workloads` holds every layer of the five CNNs and the first encoder
layer of each transformer; any other layer of :data:`~archgym.simulators.networks.NETWORKS` is accepted too.

**Default objective**: :class:`~archgym.objective.TargetSpec` with 20 % fewer cycles and 20 %
less energy than the baseline mapping (bounded form since issue 18, same id: the baseline scores
0.8², a mapping meeting both targets >= 1).

**Reference**: the earlier ArchGym MAESTRO env (per-layer mapping genome), made deterministic
and expressed over the lowered GEMM. Left out: per-level (L1/L2) tile sizes for each of the
seven convolution loops, the number of PEs as a mapping choice, and anything the cost model
leaves out (see :mod:`.simulator`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from archgym.errors import InfeasibleDesign, UnknownWorkloadError
from archgym.objective import TargetSpec
from archgym.simulator import Metric, Simulator
from archgym.simulators.accelerator.costmodel import Hardware, LayerArrays, evaluate_layers
from archgym.simulators.accelerator.mapper import ORDERS
from archgym.simulators.accelerator.simulator import BASELINE, DESIGN_SPACE
from archgym.simulators.networks import find_layer, load_network
from archgym.space import Categorical, Design, ParameterSpace, PowerOfTwo

__all__ = ["DNNMappingSimulator", "MAPPING_BASELINE", "MAPPING_SPACE", "PARALLEL_DATAFLOW", "mapping_workloads"]

#: Parallel (spatial) dimensions → the dataflow of the cost model.
PARALLEL_DATAFLOW = {"ry": "rs", "mn": "os", "kn": "ws", "km": "is"}

MAPPING_SPACE = ParameterSpace(
    {
        "parallel": Categorical(list(PARALLEL_DATAFLOW)),
        "loop_order": Categorical(list(ORDERS)),
        "split_m": PowerOfTwo(1, 1024),
        "split_n": PowerOfTwo(1, 1024),
        "split_k": PowerOfTwo(1, 1024),
    }
)

MAPPING_BASELINE: dict[str, Any] = {"parallel": "ry", "loop_order": "nkm", "split_m": 16, "split_n": 64, "split_k": 256}

MAPPING_METRICS = (
    Metric("latency_cycles", "cycles", "min", "cycles to run the layer"),
    Metric("energy_uj", "uJ", "min", "MAC + register file + NoC + global buffer + DRAM energy"),
    Metric("throughput_macs_per_cycle", "MAC/cycle", "max", "MACs per cycle"),
    Metric("utilisation", "1", "max", "MACs / (cycles x PEs)"),
    Metric("dram_traffic_mb", "MB", "min", "bytes moved between DRAM and the global buffer / 1e6"),
    Metric("glb_required_kib", "KiB", "min", "global-buffer footprint of the tiling (double-buffered)"),
)

_LISTED_NETS = ("resnet18", "resnet50", "alexnet", "vgg16", "mobilenet_v2")


def mapping_workloads() -> tuple[str, ...]:
    """The listed layer identifiers: ``resnet18:conv2_1a`` first, then every CNN layer and the first transformer layers."""
    out = ["resnet18:conv2_1a"]
    for net in _LISTED_NETS:
        out += [f"{net}:{layer.name}" for layer in load_network(net)]
    out += [f"bert_base:{layer.name}" for layer in load_network("bert_base")[:6]]
    vit = load_network("vit_b16")
    out += [f"vit_b16:{layer.name}" for layer in (vit[:7] + vit[-1:])]
    return tuple(dict.fromkeys(out))


class DNNMappingSimulator(Simulator):
    """One layer's mapping on a fixed spatial accelerator (see the module card)."""

    name = "dnn_mapping"
    version = "4"  # 2: costed by the loop-nest model of dnn_accel version 2; 3: its version 4 (RF fills per PE); 4: its version 5 (im2col systolic timing)
    fidelity = "analytical"
    design_space = MAPPING_SPACE
    metrics = MAPPING_METRICS
    workloads = mapping_workloads()

    def __init__(self, hardware: Mapping[str, Any] | None = None, clock_ghz: float = 1.0):
        hw = dict(BASELINE)
        hw.update(hardware or {})
        hw.pop("dataflow", None)
        self.hardware = DESIGN_SPACE.validate({**hw, "dataflow": "rs"})
        del self.hardware["dataflow"]
        self._hw = Hardware.from_designs([self.hardware], clock_ghz)
        self._layers: dict[str, LayerArrays] = {}

    def default_design(self) -> Design:
        return dict(MAPPING_BASELINE)

    def default_objective(self, workload: str | None = None) -> TargetSpec:
        return TargetSpec.from_baseline(self, workload, improvement=0.2, metrics=["latency_cycles", "energy_uj"])

    def check_workload(self, workload: str | None) -> str:
        if workload is None:
            return self.default_workload
        if workload not in self._layers and workload not in self.workloads:
            if not isinstance(workload, str):
                raise UnknownWorkloadError(f"a layer identifier must be a string like 'resnet18:conv2_1a', got {workload!r}")
            find_layer(workload)  # raises UnknownWorkloadError naming what exists
        return workload

    def _layer(self, workload: str) -> LayerArrays:
        if workload not in self._layers:
            self._layers[workload] = LayerArrays.from_layers([find_layer(workload)])
        return self._layers[workload]

    def _evaluate(self, design: Design, workload: str) -> dict[str, float]:
        la = self._layer(workload)
        hw = self._hw
        splits = (design["split_m"], design["split_n"], design["split_k"])
        costs = evaluate_layers(la, hw, PARALLEL_DATAFLOW[design["parallel"]], fixed=(design["loop_order"], splits))
        bits = int(hw.bits[0, 0])
        if not costs.feasible[0, 0]:
            if costs.reason[0, 0] == 1:
                tm, tn, tk = (int(t) for t in costs.tiling.tiles[0, 0])
                need = costs.min_glb_words[0, 0] * bits / 8 / 1024
                raise InfeasibleDesign(
                    f"tiles T_m={tm}, T_n={tn}, T_k={tk} need {need:.1f} KiB of global buffer (double-buffered), "
                    f"the accelerator has {self.hardware['glb_kib']} KiB"
                )
            need_b = int(costs.rf_required_words[0, 0]) * bits // 8
            raise InfeasibleDesign(
                f"row-stationary needs {need_b} B of register file per PE for this layer, the accelerator has {self.hardware['rf_bytes']} B"
            )
        cycles = float(costs.cycles[0, 0])
        macs = float(la.macs[0])
        return {
            "latency_cycles": cycles,
            "energy_uj": float(costs.energy_total_pj[0, 0]) * 1e-6,
            "throughput_macs_per_cycle": macs / cycles,
            "utilisation": macs / (cycles * float(hw.pes[0, 0])),
            "dram_traffic_mb": float(costs.dram_words[0, 0]) * bits / 8 * 1e-6,
            "glb_required_kib": float(costs.glb_required_words[0, 0]) * bits / 8 / 1024,
        }
