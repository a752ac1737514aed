"""``kill -9`` of ``archgym run`` at a random moment, then ``--resume``: no step lost or duplicated,
the same designs and the same best as an uninterrupted run with the same seed.

The killed run is a real ``archgym`` process (the example plugin's roofline model, slowed to
~5 ms per call so the kill lands mid-run); the moment is drawn from ``ARCHGYM_TEST_SEED``.
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

from archgym.cli import main
from archgym.datasets import load

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]

SLOW_ARCHGYM = """
import sys, time
import archgym
from archgym_roofline.simulator import VectorRoofline

class SlowRoofline(VectorRoofline):
    def _evaluate(self, design, workload):
        time.sleep(0.005)
        return super()._evaluate(design, workload)

archgym.register_simulator("roofline", SlowRoofline, overwrite=True)
from archgym.cli import main
sys.exit(main(sys.argv[1:]))
"""

ARGS = ["--env", "archgym/Roofline-v0", "--workload", "stencil", "--agent", "ga", "--agent-param", "population=8",
        "mutation_rate=0.25", "--budget", "400", "--seed", "5", "--no-progress"]


def _steps(out: Path) -> list[tuple]:
    df = load(out / "dataset").sort_values("step")
    cols = ["step", "p_lanes", "p_clock_ghz", "p_mem_bw_gbps", "p_sram_kib", "reward", "cache_hit"]
    return [tuple(r) for r in df[cols].itertuples(index=False)]


def test_kill_9_at_a_random_moment_then_resume(tmp_path, test_rng):
    out = tmp_path / "killed"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "examples" / "custom_simulator"),
                                                                    os.environ.get("PYTHONPATH")]))}
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_ARCHGYM, "run", *ARGS, "--publish-every", "0.2", "--out", str(out)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    parts = out / "dataset" / "simulator=roofline"
    try:
        deadline = time.monotonic() + 120
        while not (parts.is_dir() and any(parts.glob("part-*.parquet"))):  # the run has published once
            assert proc.poll() is None, f"run ended before the kill: {proc.stdout.read().decode()[-2000:]}"
            assert time.monotonic() < deadline, "run too slow to publish"
            time.sleep(0.02)
        time.sleep(float(test_rng.uniform(0.0, 1.0)))
        assert proc.poll() is None, "the run finished before the kill; make it slower"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert not (out / "summary.json").exists()  # killed: no summary, but rows and run.json
    saved = load(out / "dataset")
    assert 0 < len(saved) and sorted(saved["step"]) == list(range(len(saved)))

    assert main(["run", "--resume", "--out", str(out), "--no-progress"]) == 0
    ref = tmp_path / "ref"
    assert main(["run", *ARGS, "--out", str(ref)]) == 0
    got, want = _steps(out), _steps(ref)
    assert [s[0] for s in got] == list(range(len(got)))  # each step once
    assert got == want  # same designs, rewards and cache hits, step by step
    s, s_ref = (json.loads((d / "summary.json").read_text()) for d in (out, ref))
    assert s["status"] == "complete" and s["replayed_steps"] == len(saved)
    assert (s["best_reward"], s["best_design"], s["calls"]) == (s_ref["best_reward"], s_ref["best_design"], 400)
    assert s["best_so_far"] == s_ref["best_so_far"]


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_ctrl_c_or_sigterm_of_a_real_process_then_resume(tmp_path, test_rng, sig, code):
    """The issue's reproduction: interrupt `archgym run` mid-run (here at a seeded random moment)."""
    out = tmp_path / "stopped"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "examples" / "custom_simulator"),
                                                                    os.environ.get("PYTHONPATH")]))}
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_ARCHGYM, "run", *ARGS, "--publish-every", "0.2", "--out", str(out)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not (out / "dataset").is_dir():
            assert proc.poll() is None, f"run ended before the signal: {proc.communicate()[1][-2000:]}"
            assert time.monotonic() < deadline, "run too slow to publish"
            time.sleep(0.02)
        time.sleep(float(test_rng.uniform(0.0, 1.0)))
        assert proc.poll() is None, "the run finished before the signal; make it slower"
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == code, err[-2000:]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "interrupted" and 0 < summary["calls"] < 400
    saved = load(out / "dataset")
    assert sorted(saved["step"]) == list(range(summary["steps"]))  # every completed step, once
    name = signal.Signals(sig).name
    assert f"archgym: run interrupted ({name}) after {summary['calls']} of 400 simulator calls" in err
    assert f"archgym: resume with: archgym run --resume --out {out}" in err and "Traceback" not in err
    assert main(["run", "--resume", "--out", str(out), "--no-progress"]) == 0
    ref = tmp_path / "ref"
    assert main(["run", *ARGS, "--out", str(ref)]) == 0
    assert _steps(out) == _steps(ref)
