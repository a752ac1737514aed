"""A tiny simulator for the benchmark tests: 10 · 2 · 4 = 80 designs, optimum known by hand."""

from __future__ import annotations

import math

from archgym.simulator import Metric, Simulator
from archgym.space import Categorical, Integer, ParameterSpace, PowerOfTwo


class BenchTiny(Simulator):
    """``cost_ns = (x − 6)² + 3·[c = a] + |log2 p − 2| + 1`` (minimum 1 at x=6, c=b, p=4);
    ``area_mm2 = x / 2 + p``. The baseline (x=0, c=a, p=1) costs 36 + 3 + 2 + 1 = 42, area 1."""

    name = "bench_tiny"
    version = "1"
    design_space = ParameterSpace({"x": Integer(0, 9), "c": Categorical(["a", "b"]), "p": PowerOfTwo(1, 8)})
    metrics = (Metric("cost_ns", "ns", "min"), Metric("area_mm2", "mm2", "min"))
    workloads = ("w",)

    def default_design(self):
        return {"x": 0, "c": "a", "p": 1}

    def _evaluate(self, design, workload):
        cost = (design["x"] - 6) ** 2 + 3 * (design["c"] == "a") + abs(math.log2(design["p"]) - 2) + 1
        return {"cost_ns": float(cost), "area_mm2": design["x"] / 2 + design["p"]}


def register() -> str:
    """Register the simulator once; returns its env id."""
    import archgym

    if "bench_tiny" not in archgym.list_simulators():
        archgym.register_simulator("bench_tiny", BenchTiny, env_name="BenchTiny")
    return "archgym/BenchTiny-v0"


SUITE = """\
version: 7
description: tiny
tasks:
  - id: tiny-cost
    env: archgym/BenchTiny-v0
    workload: w
    objective: {kind: weighted, weights: {cost_ns: 1}}
    budget: 12
    ref_method: exhaustive
  - id: tiny-cost-area
    env: archgym/BenchTiny-v0
    workload: w
    objective: {kind: constrained, base: {kind: weighted, weights: {cost_ns: 1}}, limits: {area_mm2: ["<=", 4.0]}}
    budget: 12
    ref_method: exhaustive
  - id: tiny-mo
    env: archgym/BenchTiny-v0
    workload: w
    objective: {kind: multi, metrics: [cost_ns, area_mm2]}
    budget: 12
    ref_method: exhaustive
"""
