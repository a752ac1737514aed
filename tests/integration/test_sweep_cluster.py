"""``archgym sweep --address``: a sweep joins a real Ray head node started by the test.

The head runs as ``ray start --head --block`` in its own session and is stopped by signalling
that session (not with ``ray stop``, which would stop every Ray on the machine, other
users' included).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from archgym.sweep.store import read_records

from .test_sweep_ray import SWEEP, check_dataset_matches_records, plugin_env

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop_session(proc: subprocess.Popen) -> None:
    """SIGTERM to `ray start --block` (it stops the node's processes), then SIGKILL what is left
    of its session (Ray's agents linger otherwise)."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=4)
    except subprocess.TimeoutExpired:
        pass
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


@pytest.fixture(scope="module")
def head(tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("ray-head") / "head.log"
    # a private, short temp dir: the head's session files and its `ray_current_cluster`
    # address file stay out of /tmp/ray, so no later bare `ray.init()` finds this dead head
    temp_dir = tempfile.mkdtemp(prefix="agray", dir="/tmp")
    ray_bin = Path(sys.executable).with_name("ray")
    with open(log, "w") as fh:
        proc = subprocess.Popen(
            [str(ray_bin), "start", "--head", f"--port={port}", "--num-cpus=2", "--include-dashboard=false",
             "--disable-usage-stats", f"--temp-dir={temp_dir}", "--block"],
            env=plugin_env(), stdout=fh, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, f"ray start failed: {log.read_text()[-2000:]}"
            assert time.monotonic() < deadline, "ray head did not come up"
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.3)
        yield f"127.0.0.1:{port}"
    finally:
        _stop_session(proc)
        shutil.rmtree(temp_dir, ignore_errors=True)


def test_sweep_joins_an_existing_cluster(head, tmp_path):
    cfg = tmp_path / "cluster.yaml"
    cfg.write_text(SWEEP.format(name="cluster", budget=6, seeds=1))
    out = tmp_path / "out"
    run = subprocess.run(
        # joining took 31-52 s with the 2-core test machine at load 25; the default limit is 30 s
        [sys.executable, "-m", "archgym.cli", "sweep", str(cfg), "--out", str(out), "--address", head, "--no-progress",
         "--connect-timeout", "240"],
        env=plugin_env(), capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "6/6 trials complete" in run.stdout
    records = check_dataset_matches_records(out)
    port = head.rsplit(":", 1)[1]
    assert {rec["ray_gcs_address"].rsplit(":", 1)[1] for rec in records.values()} == {port}
    assert read_records(out).keys() == records.keys()
    from archgym.cli import main

    assert main(["report", str(out)]) == 0
    assert (out / "report.html").stat().st_size > 10_000
