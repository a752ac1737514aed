"""Core overheads: env step vs a direct simulator call; dataset writer throughput.

    .venv/bin/python benchmarks/bench_core.py

Targets (issue 2): env step overhead <= 50 µs per step over ``simulator.evaluate`` on a trivial
simulator; dataset writer >= 200,000 rows/s for 20 design + 6 metric columns.
"""

from __future__ import annotations

import shutil
import tempfile
import time

import numpy as np

from archgym.datasets import DatasetWriter, info, load
from archgym.envs import DesignEnv
from archgym.objective import Weighted
from archgym.simulator import Metric, Simulator
from archgym.space import Categorical, Integer, ParameterSpace, PowerOfTwo

N_PARAMS, N_METRICS = 20, 6


def _space() -> ParameterSpace:
    params = {}
    for i in range(N_PARAMS):
        params[f"knob{i}"] = [Integer(1, 128), PowerOfTwo(1, 1024), Categorical(["a", "b", "c", "d"])][i % 3]
    return ParameterSpace(params)


class Trivial(Simulator):
    """Sums of knobs: costs next to nothing, so the env's own overhead shows."""

    name = "trivial"
    design_space = _space()
    metrics = tuple(Metric(f"metric{j}", "1", "min") for j in range(N_METRICS))
    workloads = ("w",)

    def default_design(self):
        return self.design_space.decode(np.zeros(N_PARAMS, dtype=np.int64))

    def _evaluate(self, design, workload):
        s = float(design["knob0"] + design["knob1"])
        return {f"metric{j}": s + j for j in range(N_METRICS)}


def best_of(fn, repeat=5):
    return min(fn() for _ in range(repeat))


def bench_env_step(n=20_000) -> tuple[float, float, float]:
    sim = Trivial()
    rng = np.random.default_rng(0)
    designs = sim.design_space.sample(rng, n)
    actions = [sim.design_space.encode(d) for d in designs]

    def direct():
        t = time.perf_counter()
        for d in designs:
            sim.evaluate(d, "w")
        return (time.perf_counter() - t) / n

    def env_steps(cache: bool, log: bool):
        tmp = tempfile.mkdtemp()
        env = DesignEnv(Trivial(), objective=Weighted({"metric0": 1.0}), max_steps=10**9, cache=cache,
                        dataset=tmp if log else None)
        env.reset(seed=0)
        t = time.perf_counter()
        for a in actions:
            env.step(a)
        dt = (time.perf_counter() - t) / n
        env.close()
        shutil.rmtree(tmp)
        return dt

    d = best_of(direct)
    e_plain = best_of(lambda: env_steps(False, False))
    e_full = best_of(lambda: env_steps(True, True))
    return d, e_plain, e_full


def bench_writer(n=500_000) -> tuple[float, float]:
    sim = Trivial()
    designs = sim.design_space.sample(np.random.default_rng(1), 1000)
    metrics = [sim.evaluate(d, "w") for d in designs]

    def run():
        tmp = tempfile.mkdtemp()
        w = DatasetWriter(tmp, sim, rows_per_part=100_000)
        t = time.perf_counter()
        for i in range(n):
            w.append(step=i, workload="w", design=designs[i % 1000], metrics=metrics[i % 1000], reward=1.0,
                     feasible=True, sim_wall_s=1e-5)
        w.close()
        dt = time.perf_counter() - t
        assert len(load(tmp, columns=["step"])) == n
        t = time.perf_counter()
        checked = info(tmp)  # reads every part in full: footer, page checksums, row count
        check_s.append(time.perf_counter() - t)
        assert checked["rows"] == n and not checked["damaged"]
        shutil.rmtree(tmp)
        return dt

    check_s: list[float] = []
    write = n / best_of(run, 3)
    return write, n / min(check_s)


def main() -> None:
    d, e_plain, e_full = bench_env_step()
    print(f"direct simulator.evaluate:            {d * 1e6:7.1f} µs/call")
    print(f"env.step (no cache, no logging):      {e_plain * 1e6:7.1f} µs/step  overhead {(e_plain - d) * 1e6:6.1f} µs")
    print(f"env.step (cache + Parquet logging):   {e_full * 1e6:7.1f} µs/step  overhead {(e_full - d) * 1e6:6.1f} µs (target <= 50)")
    rate, check = bench_writer()
    print(f"dataset writer ({N_PARAMS} design + {N_METRICS} metric columns): {rate:,.0f} rows/s (target >= 200,000)")
    print(f"dataset info, every part checked in full:  {check:,.0f} rows/s")


if __name__ == "__main__":
    main()
