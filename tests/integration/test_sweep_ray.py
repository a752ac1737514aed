"""Sweeps on a real embedded Ray: a tiny sweep end to end, and SIGKILL-then-resume.

One local Ray is started for the module (each start costs seconds to tens of seconds on
2 cores); the sweep under test reuses it. The killed sweep runs in a subprocess with its
own embedded Ray, as a user's `archgym sweep` would. Trials use the example plugin's
roofline model (~15 µs per call), imported by the workers through ``plugins:``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archgym.datasets import load
from archgym.sweep import run_sweep
from archgym.sweep.store import read_records

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
PLUGIN_PATH = str(ROOT / "examples" / "custom_simulator")

SWEEP = """\
name: {name}
budget: {budget}
seeds: {seeds}
plugins: {{roofline: "archgym_roofline.simulator:VectorRoofline"}}
envs:
  - id: archgym/Roofline-v0
    workloads: [gemv, stencil]
agents:
  random: {{}}
  ga:
    population: {{grid: [4, 8]}}
    mutation_rate: {{loguniform: [0.01, 0.3]}}
max_concurrent: 2
"""


def plugin_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (PLUGIN_PATH, env.get("PYTHONPATH", "")) if p)
    env.update(RAY_USAGE_STATS_ENABLED="0", RAY_AUTH_MODE="disabled")
    return env


@pytest.fixture(scope="module")
def local_ray():
    """One embedded Ray for the module; workers inherit PYTHONPATH with the plugin."""
    from archgym.sweep.runner import ray_environment

    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = plugin_env()["PYTHONPATH"]
    ray_environment()
    import ray

    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()
    if old is None:
        os.environ.pop("PYTHONPATH", None)
    else:
        os.environ["PYTHONPATH"] = old


def check_dataset_matches_records(out: Path) -> dict[str, dict]:
    """Every record's rows are in the dataset exactly once; nothing else is."""
    records = read_records(out)
    df = load(out / "dataset")
    ids = {rec["trial_id"]: key for key, rec in records.items()}
    assert set(df["trial_id"]) == set(ids), "rows of trials without a completion record"
    assert not df.duplicated(["trial_id", "step"]).any(), "duplicated rows"
    counts = df.groupby("trial_id").size()
    for tid, key in ids.items():
        assert counts[tid] == records[key]["rows"], f"trial {key}: rows lost"
        sub = df[df["trial_id"] == tid]
        assert sorted(sub["step"]) == list(range(records[key]["rows"]))
        assert (~sub["cache_hit"]).sum() == records[key]["spec"]["budget"]
    assert not any((out / "staging").iterdir())
    return records


def test_tiny_sweep_end_to_end(local_ray, tmp_path):
    cfg = tmp_path / "tiny.yaml"
    cfg.write_text(SWEEP.format(name="tiny", budget=8, seeds=2))
    res = run_sweep(cfg, tmp_path / "out", progress=False)
    # 2 workloads x (random 1 + ga 2 grid) configs x 2 seeds
    assert res.total == 12 and res.ran == 12 and not res.failed and res.complete
    records = check_dataset_matches_records(res.out_dir)
    df = load(res.dataset)
    assert set(df["run_id"]) == {res.sweep_id}
    assert set(df["workload"]) == {"gemv", "stencil"}
    # trial ids are Tune's, and each record says it ran in this Ray
    gcs = local_ray.get_runtime_context().gcs_address
    assert all(rec["ray_gcs_address"] == gcs for rec in records.values())
    ga = df[df["agent"] == "ga"]
    pops = {json.loads(p)["population"] for p in ga["agent_params"]}
    assert pops == {4, 8}
    # the records' best rewards agree with the dataset
    for rec in records.values():
        sub = df[(df["trial_id"] == rec["trial_id"]) & ~df["cache_hit"]]
        assert rec["result"]["best_reward"] == pytest.approx(sub.loc[sub["feasible"], "reward"].max())
    # a finished sweep resumes to a no-op
    again = run_sweep(cfg, tmp_path / "out", resume=True, progress=False)
    assert again.ran == 0 and again.skipped == 12 and again.complete
    # the report reads it back
    from archgym.report import build_report

    path = build_report(res.out_dir)
    text = path.read_text()
    assert text.count("data:image/png;base64,") >= 2 * 3
    summary = json.loads(path.with_suffix(".json").read_text())
    assert summary["completed"] == 12 and len(summary["panels"]) == 2
    assert {b["agent"] for b in summary["panels"][0]["best_configs"]} == {"random", "ga"}


def _wait_pgroup_gone(pgid: int, timeout: float = 5.0) -> None:
    """Wait for the processes of a killed sweep's session to exit; kill the rest (ours) by group id.

    Ray's raylet and workers exit with their driver; its dashboard and runtime-env agents
    linger for minutes, so they are killed here.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    os.killpg(pgid, signal.SIGKILL)


def test_sigkill_then_resume_loses_and_duplicates_nothing(local_ray, tmp_path, test_rng):
    cfg = tmp_path / "kill.yaml"
    cfg.write_text(SWEEP.format(name="kill", budget=60, seeds=4))  # 24 trials
    out = tmp_path / "out"
    rng = test_rng  # the kill moment varies with ARCHGYM_TEST_SEED
    want = int(rng.integers(2, 10))
    proc = subprocess.Popen(
        [sys.executable, "-m", "archgym.cli", "sweep", str(cfg), "--out", str(out), "--no-progress"],
        env=plugin_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 240
        while len(read_records(out)) < want:
            assert proc.poll() is None, f"sweep ended before the kill: {proc.stdout.read().decode()[-2000:]}"
            assert time.monotonic() < deadline, "sweep too slow to reach the kill point"
            time.sleep(0.05)
        time.sleep(float(rng.uniform(0.0, 0.3)))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        _wait_pgroup_gone(proc.pid)
    before = read_records(out)
    assert 0 < len(before) < 24, "the kill must land mid-sweep"
    rows_before = load(out / "dataset") if any((out / "dataset").glob("simulator=*/part-*")) else None

    res = run_sweep(cfg, out, resume=True, progress=False)
    assert res.complete and not res.failed
    assert res.skipped == len(before) and res.ran == 24 - len(before)
    after = check_dataset_matches_records(out)
    for key, rec in before.items():  # completed trials were not re-run
        assert after[key]["trial_id"] == rec["trial_id"]
        assert after[key]["finished"] == rec["finished"]
    if rows_before is not None:  # their rows are unchanged
        old = rows_before[rows_before["trial_id"].isin({r["trial_id"] for r in before.values()})]
        new = load(out / "dataset")
        new = new[new["trial_id"].isin(set(old["trial_id"]))]
        cols = ["trial_id", "step", "reward"]
        assert old[cols].sort_values(cols).to_numpy().tolist() == new[cols].sort_values(cols).to_numpy().tolist()


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_ctrl_c_or_sigterm_reports_an_interrupted_sweep_and_resume_finishes_it(local_ray, tmp_path, test_rng, sig, code):
    cfg = tmp_path / "stop.yaml"
    cfg.write_text(SWEEP.format(name="stop", budget=60, seeds=2))  # 12 trials
    out = tmp_path / "out"
    want = int(test_rng.integers(1, 5))
    proc = subprocess.Popen(
        [sys.executable, "-m", "archgym.cli", "sweep", str(cfg), "--out", str(out), "--no-progress"],
        env=plugin_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 240
        while len(read_records(out)) < want:
            assert proc.poll() is None, f"sweep ended before the signal: {proc.stdout.read().decode()[-2000:]}"
            assert time.monotonic() < deadline, "sweep too slow to reach the signal"
            time.sleep(0.05)
        os.kill(proc.pid, sig)  # the driver only, as `kill` would; Ctrl-C in a terminal reaches it the same way
        text = proc.communicate(timeout=120)[0].decode()
    finally:
        if proc.poll() is None:
            proc.kill()
        _wait_pgroup_gone(proc.pid)
    done = len(read_records(out))
    assert proc.returncode == code, text[-3000:]
    assert 0 < done < 12, "the signal must land mid-sweep"
    name = signal.Signals(sig).name
    assert f"archgym: sweep stop interrupted ({name}): {done}/12 trials complete" in text, text[-3000:]
    assert f"archgym: resume with: archgym sweep {cfg} --out {out} --resume" in text
    for noise in ("FAILED", "did not complete", "Tuner.restore", "Traceback"):
        assert noise not in text, text[-3000:]
    res = run_sweep(cfg, out, resume=True, progress=False)
    assert res.complete and not res.failed and res.skipped == done
    check_dataset_matches_records(out)
