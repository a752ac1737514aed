"""Roofline model of a SIMD vector unit with a scratchpad.

Problem card
------------
Parameters:
    lanes (1-64, power of two): SIMD lanes, one fused multiply-add (2 FLOP) per lane per cycle.
    clock_ghz ({0.5, 1.0, 1.5, 2.0} GHz): core clock.
    mem_bw_gbps ({8, 16, 32, 64} GB/s): off-chip bandwidth.
    sram_kib (16-1024 KiB, power of two): scratchpad; a working set that fits is read once.
Constraint: lanes × clock_ghz <= 64 (power-density limit).
Metrics: runtime_ns (min), energy_pj (min), area_mm2 (min).
Workloads: axpy, dot, gemv, stencil (n = 2^20 elements; gemv is 1024 × 1024).
Baseline: 8 lanes, 1.0 GHz, 16 GB/s, 64 KiB.
Model: runtime = max(FLOP / (2·lanes·clock), bytes / bandwidth) (Williams et al., "Roofline",
CACM 2009); energy = 1 pJ/FLOP + 20 pJ/byte off chip + 0.5 pJ/byte scratchpad + 5 mW·lane
leakage × runtime; area = 0.05 mm²/lane + 0.002 mm²/KiB. Leaves out: caches, latency, overlap
losses, vector-length tails.
"""

from __future__ import annotations

from archgym.simulator import Metric, Simulator
from archgym.space import Constraint, Ordinal, ParameterSpace, PowerOfTwo

N = 1 << 20
# workload: (FLOP, working-set bytes, bytes re-read per pass if the working set does not fit)
WORKLOADS = {
    "axpy": (2 * N, 3 * 4 * N, 0),
    "dot": (2 * N, 2 * 4 * N, 0),
    "gemv": (2 * 1024 * 1024, 4 * (1024 * 1024 + 2 * 1024), 4 * 1024 * 1023),
    "stencil": (10 * N, 2 * 4 * N, 2 * 4 * N),
}


class VectorRoofline(Simulator):
    """Roofline model of a SIMD vector unit with a scratchpad."""

    name = "roofline"
    version = "1.0"
    design_space = ParameterSpace(
        {
            "lanes": PowerOfTwo(1, 64),
            "clock_ghz": Ordinal([0.5, 1.0, 1.5, 2.0]),
            "mem_bw_gbps": Ordinal([8, 16, 32, 64]),
            "sram_kib": PowerOfTwo(16, 1024),
        },
        constraints=[Constraint("power_density", lambda d: d["lanes"] * d["clock_ghz"] <= 64, "lanes x clock_ghz <= 64")],
    )
    metrics = (
        Metric("runtime_ns", "ns", "min", "time to run the kernel once"),
        Metric("energy_pj", "pJ", "min", "compute, memory and leakage energy"),
        Metric("area_mm2", "mm2", "min", "lanes and scratchpad"),
    )
    workloads = tuple(WORKLOADS)

    def default_design(self):
        return {"lanes": 8, "clock_ghz": 1.0, "mem_bw_gbps": 16, "sram_kib": 64}

    def _evaluate(self, design, workload):
        flop, ws_bytes, reread = WORKLOADS[workload]
        fits = ws_bytes <= design["sram_kib"] * 1024
        dram_bytes = ws_bytes + (0 if fits else reread)
        compute_ns = flop / (2 * design["lanes"] * design["clock_ghz"])
        memory_ns = dram_bytes / design["mem_bw_gbps"]  # bytes / (GB/s) = ns
        runtime = max(compute_ns, memory_ns)
        energy = 1.0 * flop + 20.0 * dram_bytes + 0.5 * ws_bytes + 5.0 * design["lanes"] * runtime  # 5 mW = 5 pJ/ns
        area = 0.05 * design["lanes"] + 0.002 * design["sram_kib"]
        return {"runtime_ns": runtime, "energy_pj": energy, "area_mm2": area}
