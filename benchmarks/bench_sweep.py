"""Sweep figures: Ray start-up, per-trial overhead with actor reuse, CPU use of a 2-concurrent
sweep, and a 64-trial sweep against the same trials run sequentially without Ray.

    .venv/bin/python benchmarks/bench_sweep.py [--env archgym/DRAM-v0] [--workload random] [--quick]

Environment: ``archgym/DRAM-v0`` when the DRAM simulator is registered, else the first
registered fast simulator. The 64 trials: random walk (2 configurations: feasible_only
true/false) and GA (population 4 and 8), 16 seeds each, budget 50.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

from archgym.sweep.runner import ray_environment

ray_environment()


def pick_env() -> str:
    import archgym
    from archgym.envs import env_ids
    from archgym.simulator import simulator_spec

    ids = env_ids()
    if "dram" in archgym.list_simulators():
        return ids["dram"]
    for name, env_id in ids.items():
        factory = simulator_spec(name).load_factory()
        if getattr(factory, "fast", True):
            return env_id
    raise SystemExit("no simulator registered")


def config(env_id: str, workload: str | None, budget: int, seeds: int, name: str) -> dict:
    env = {"id": env_id}
    if workload:
        env["workloads"] = [workload]
    return {
        "name": name,
        "budget": budget,
        "seeds": seeds,
        "envs": [env],
        "agents": {"random": {"feasible_only": {"grid": [True, False]}}, "ga": {"population": {"grid": [4, 8]}}},
        "max_concurrent": 2,
    }


class CpuMeter:
    """CPU seconds of this process and every descendant (Ray's raylet and workers), sampled in a thread."""

    def __init__(self) -> None:
        import psutil

        self.psutil = psutil
        self.me = psutil.Process()
        self.seen: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        for p in [self.me, *self.me.children(recursive=True)]:
            try:
                t = p.cpu_times()
                self.seen[p.pid] = max(self.seen.get(p.pid, 0.0), t.user + t.system)
            except self.psutil.Error:
                pass

    def _run(self) -> None:
        while not self._stop.wait(0.25):
            self._sample()

    def start(self) -> CpuMeter:
        self._sample()
        self.base = dict(self.seen)
        self.machine0 = self.psutil.cpu_times()
        self._thread.start()
        return self

    def stop(self) -> tuple[float, float]:
        """(CPU seconds of the tree, machine busy fraction) since start."""
        self._sample()
        self._stop.set()
        self._thread.join()
        tree = sum(v - self.base.get(pid, 0.0) for pid, v in self.seen.items())
        m1 = self.psutil.cpu_times()
        busy = lambda t: t.user + t.system + t.nice + getattr(t, "irq", 0) + getattr(t, "softirq", 0)  # noqa: E731
        total = lambda t: busy(t) + t.idle + getattr(t, "iowait", 0)  # noqa: E731
        machine = (busy(m1) - busy(self.machine0)) / max(1e-9, total(m1) - total(self.machine0))
        return tree, machine


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--env", help="Gymnasium id (default: DRAM if registered)")
    ap.add_argument("--workload", default=None)
    ap.add_argument("--quick", action="store_true", help="16 trials instead of 64")
    args = ap.parse_args()
    import ray

    from archgym.sweep import expand_trials, load_config, run_sweep
    from archgym.sweep.trainable import execute_trial

    env_id = args.env or pick_env()
    workload = args.workload or ("random" if env_id == "archgym/DRAM-v0" else None)
    seeds = 4 if args.quick else 16
    ncpu = os.cpu_count()
    load1 = os.getloadavg()[0]
    print(f"bench_sweep: env {env_id} workload {workload}; {ncpu} CPUs; load average {load1:.2f} at start "
          f"(the machine is shared: figures are under load)")
    tmp = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    try:
        # 1. Ray start-up
        t0 = time.perf_counter()
        ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING)
        start_s = time.perf_counter() - t0
        print(f"ray start (ray.init, 2 CPUs, no dashboard): {start_s:.2f} s")

        # 2. per-trial overhead: trials of one simulator call each
        tiny = config(env_id, workload, 1, seeds * 2, "tiny")
        n_tiny = len(expand_trials(load_config(tiny)))
        t0 = time.perf_counter()
        res = run_sweep(tiny, tmp / "tiny", progress=False)
        wall = time.perf_counter() - t0
        inside = sum(r["trial_s"] if "trial_s" in r else r["setup_s"] + r["search_s"] for r in res.records.values())
        sim = sum(r["sim_s"] for r in res.records.values())
        print(f"per-trial overhead, {n_tiny} trials of budget 1, 2 concurrent, reuse_actors: "
              f"{(wall * 2 - sim) / n_tiny:.3f} s per trial beyond the simulator call "
              f"(of which {(wall * 2 - inside) / n_tiny:.3f} s outside the trial function); sweep wall {wall:.1f} s")

        # 3 + 4. the 64-trial sweep, CPU use, and the sequential baseline
        big = config(env_id, workload, 50, seeds, "bench64")
        trials = expand_trials(load_config(big))
        meter = CpuMeter().start()
        t0 = time.perf_counter()
        res = run_sweep(big, tmp / "ray", progress=False)
        ray_wall = time.perf_counter() - t0
        cpu_s, machine = meter.stop()
        assert res.complete, res.failed
        recs = list(res.records.values())
        sim = sum(r["sim_s"] for r in recs)
        search = sum(r["search_s"] for r in recs)
        print(f"{len(trials)}-trial sweep (random walk + GA, budget 50) on Ray, 2 concurrent: {ray_wall:.1f} s "
              f"(+ {start_s:.1f} s Ray start); {sim:.1f} s in the simulator, {search:.1f} s in searches")
        print(f"  CPU utilisation of the sweep's processes: {cpu_s:.1f} CPU-s over {ray_wall:.1f} s = "
              f"{cpu_s / ray_wall / 2:.0%} of 2 cores; whole machine busy {machine:.0%} (other users included)")
        print(f"  per-trial overhead beyond simulator calls: {(ray_wall * 2 - sim) / len(trials):.3f} s "
              f"(agent + env + Tune); beyond the searches: {(ray_wall * 2 - search) / len(trials):.3f} s")
        ray.shutdown()

        seq_out = tmp / "seq"
        (seq_out / "staging").mkdir(parents=True)
        t0 = time.perf_counter()
        for i, spec in enumerate(trials):
            execute_trial(spec, seq_out, "seq", f"seq_{i:05d}")
        seq_wall = time.perf_counter() - t0
        print(f"same {len(trials)} trials sequentially in one process, no Ray: {seq_wall:.1f} s")
        print(f"  speed-up of the Ray sweep: {seq_wall / ray_wall:.2f}x excluding Ray start, "
              f"{seq_wall / (ray_wall + start_s):.2f}x including it")
    finally:
        if ray.is_initialized():
            ray.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
