"""The SAT hardware/training configuration (one design point), as a frozen dataclass."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from archgym.simulators.sparse_sat.constants import DDR4_2400_GBPS_PER_CHANNEL, DDR_EFFICIENCY
from archgym.simulators.sparse_sat.sparsity import Sparsity, make_sparsity

DATAFLOW_POLICIES: tuple[str, ...] = ("os", "ws", "adaptive")


@dataclass(frozen=True)
class SATConfig:
    """One SAT design point.

    Attributes:
        rows, cols: STCE systolic array shape (processing elements).
        scheme: pruning scheme, ``"dense"``, ``"sr_ste"`` or ``"bdwp"``.
        pattern: N:M pattern, ``"dense"`` or ``"N:M"``.
        dataflow_ff, dataflow_bp, dataflow_wu: STCE dataflow of each phase: ``"os"``, ``"ws"``
            or ``"adaptive"`` (the faster of the two, chosen per layer at compile time).
        sore_lanes: SORE lanes (each prunes one N:M group in about M cycles).
        pregeneration: prune the next phase's weights while the current phase runs.
        interleave: interleave mapping (pipelined folds; one fill/drain per dependency barrier).
        offline_scheduling: compile-time schedule overlapping transfers, SORE and the vector
            engine with compute, and fusing BP and WU of a layer (dY read once).
        act_buffer_kib, weight_buffer_kib: on-chip activation/gradient and weight buffers (KiB).
        ddr_channels: DDR4-2400 channels used (19.2 GB/s peak each).
        clock_mhz: accelerator clock (MHz).
        batch: training batch size (samples per iteration).
    """

    rows: int = 48
    cols: int = 64
    scheme: str = "bdwp"
    pattern: str = "2:8"
    dataflow_ff: str = "adaptive"
    dataflow_bp: str = "adaptive"
    dataflow_wu: str = "adaptive"
    sore_lanes: int = 32
    pregeneration: bool = True
    interleave: bool = True
    offline_scheduling: bool = True
    act_buffer_kib: int = 4096
    weight_buffer_kib: int = 2048
    ddr_channels: int = 4
    clock_mhz: int = 200
    batch: int = 32

    def __post_init__(self) -> None:
        for f in ("dataflow_ff", "dataflow_bp", "dataflow_wu"):
            if getattr(self, f) not in DATAFLOW_POLICIES:
                raise ValueError(f"{f} must be one of {DATAFLOW_POLICIES}, got {getattr(self, f)!r}")
        for f in ("rows", "cols", "sore_lanes", "act_buffer_kib", "weight_buffer_kib", "ddr_channels", "clock_mhz", "batch"):
            v = getattr(self, f)
            if not isinstance(v, int) or v < 1:
                raise ValueError(f"{f} must be a positive integer, got {v!r}")
        make_sparsity(self.scheme, self.pattern)  # validates both

    @classmethod
    def from_design(cls, design: Mapping[str, Any]) -> SATConfig:
        """Build from a design dict (unknown keys are an error)."""
        names = {f.name for f in fields(cls)}
        unknown = set(design) - names
        if unknown:
            raise ValueError(f"unknown SAT configuration key(s) {sorted(unknown)}; allowed: {sorted(names)}")
        return cls(**dict(design))

    def to_design(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def sparsity(self) -> Sparsity:
        return make_sparsity(self.scheme, self.pattern)

    @property
    def clock_hz(self) -> float:
        return self.clock_mhz * 1e6

    @property
    def bandwidth_bytes_s(self) -> float:
        """Sustained DDR bandwidth: channels × 19.2 GB/s × :data:`DDR_EFFICIENCY`."""
        return self.ddr_channels * DDR4_2400_GBPS_PER_CHANNEL * 1e9 * DDR_EFFICIENCY

    @property
    def vector_lanes(self) -> int:
        """Weight-update vector engine lanes (ASSUMPTION: one per array column)."""
        return self.cols
