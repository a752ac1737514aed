"""``archgym bench run`` on a real embedded Ray: SIGKILL mid-run, resume, no row lost or repeated."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from archgym.bench.leaderboard import build_leaderboard
from archgym.bench.run import run_bench
from archgym.datasets import load
from archgym.errors import ConfigError
from archgym.sweep.store import read_records

pytestmark = pytest.mark.slow

SUITE = """\
version: 5
description: two DNNMapping tasks (about 10 ms a call)
tasks:
  - id: map-lat
    env: archgym/DNNMapping-v0
    workload: resnet18:conv2_1a
    objective: {kind: weighted, weights: {latency_cycles: 1}}
    budget: 20
  - id: map-mo
    env: archgym/DNNMapping-v0
    workload: resnet18:conv2_1a
    objective: {kind: multi, metrics: [latency_cycles, energy_uj]}
    budget: 20
"""
AGENTS, SEEDS = ["random", "ga"], 3


@pytest.fixture(scope="module")
def local_ray():
    from archgym.sweep.runner import ray_environment

    ray_environment()
    import ray

    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def _check_task(folder) -> dict:
    records = read_records(folder)
    df = load(folder / "dataset")
    ids = {rec["trial_id"]: key for key, rec in records.items()}
    assert set(df["trial_id"]) == set(ids), "rows of trials without a completion record"
    assert not df.duplicated(["trial_id", "step"]).any(), "duplicated rows"
    for tid, key in ids.items():
        sub = df[df["trial_id"] == tid]
        assert len(sub) == records[key]["rows"], f"{key}: rows lost"
        assert (~sub["cache_hit"]).sum() == 20
    return records


def test_sigkill_then_resume(local_ray, tmp_path):
    suite = tmp_path / "s.yaml"
    suite.write_text(SUITE)
    out = tmp_path / "bench"
    cmd = [sys.executable, "-m", "archgym.cli", "bench", "run", "--suite", str(suite), "--agents", ",".join(AGENTS),
           "--seeds", str(SEEDS), "--out", str(out), "--no-progress", "--max-concurrent", "2"]
    env = dict(os.environ, RAY_USAGE_STATS_ENABLED="0", RAY_AUTH_MODE="disabled")
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 400
        while len(read_records(out / "tasks" / "map-lat")) < 2 if (out / "tasks" / "map-lat").exists() else True:
            assert proc.poll() is None, f"bench ended before the kill: {proc.stdout.read().decode()[-2000:]}"
            assert time.monotonic() < deadline, "bench too slow to reach the kill point"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.2)
        else:
            os.killpg(proc.pid, signal.SIGKILL)
    before = read_records(out / "tasks" / "map-lat")
    assert 0 < len(before) < len(AGENTS) * SEEDS, "the kill must land mid-run"
    with pytest.raises(ConfigError, match="--resume"):
        run_bench(suite, AGENTS, SEEDS, out, progress=False)
    with pytest.raises(ConfigError, match="resume needs the same"):
        run_bench(suite, ["random"], SEEDS, out, resume=True, progress=False)
    res = run_bench(suite, AGENTS, SEEDS, out, resume=True, progress=False)
    assert not res.failed
    assert all(r["complete"] == r["total"] == len(AGENTS) * SEEDS for r in res.tasks.values())
    after = _check_task(out / "tasks" / "map-lat")
    _check_task(out / "tasks" / "map-mo")
    for key, rec in before.items():  # completed runs were not re-run
        assert after[key]["trial_id"] == rec["trial_id"]
    lb = build_leaderboard(out)
    assert set(lb.tasks) == {"map-lat", "map-mo"}
    assert all(len(b.runs) == len(AGENTS) * SEEDS for b in lb.tasks.values())
