"""``archgym sweep --address``: join the cluster first, with a timeout, creating nothing on failure."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import pytest

from archgym.cli import main
from archgym.errors import ConfigError
from archgym.sweep import run_sweep
from archgym.sweep.connect import connect_ray, parse_address

SWEEP = """\
name: connect
budget: 4
seeds: 1
envs:
  - id: archgym/DRAM-v0
    workloads: [stream]
agents:
  random: {}
"""


def _closed_port() -> int:
    """A local port nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_address_is_one_line_and_creates_nothing(tmp_path, capsys):
    cfg = tmp_path / "s.yaml"
    cfg.write_text(SWEEP)
    out = tmp_path / "out"
    address = f"127.0.0.1:{_closed_port()}"
    assert main(["sweep", str(cfg), "--out", str(out), "--address", address, "--connect-timeout", "5", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"archgym: error: cannot reach the Ray cluster at --address {address}")
    assert "ray start --head" in err and "--connect-timeout" in err
    assert not out.exists()
    # so the same command without --resume is not refused afterwards: out is still free
    with pytest.raises(ConfigError, match="cannot reach the Ray cluster"):
        run_sweep(cfg, out, address=address, connect_timeout_s=5, progress=False)
    assert not out.exists()


def test_an_existing_folder_is_checked_before_connecting(tmp_path):
    cfg = tmp_path / "s.yaml"
    cfg.write_text(SWEEP)
    out = tmp_path / "out"
    out.mkdir()
    (out / "x").write_text("mine")
    with pytest.raises(ConfigError, match="exists and is not empty"):  # not "cannot reach"
        run_sweep(cfg, out, address=f"127.0.0.1:{_closed_port()}", progress=False)


@pytest.mark.slow
def test_a_silent_listener_times_out_within_the_limit(tmp_path):
    """A port that accepts TCP but never speaks Ray: ray.init would wait for minutes; we give up at the
    timeout. Run as the user would, in a subprocess (the abandoned Ray client thread dies with it)."""
    cfg = tmp_path / "s.yaml"
    cfg.write_text(SWEEP)
    out = tmp_path / "out"
    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen(8)
        address = f"127.0.0.1:{srv.getsockname()[1]}"
        t0 = time.monotonic()
        proc = subprocess.run(
            [sys.executable, "-m", "archgym.cli", "sweep", str(cfg), "--out", str(out), "--address", address,
             "--connect-timeout", "3", "--no-progress"],
            capture_output=True, text=True, timeout=120,
        )
        took = time.monotonic() - t0
    assert proc.returncode == 2, proc.stderr[-2000:]
    ours = [line for line in proc.stderr.splitlines() if line.startswith("archgym:")]
    assert len(ours) == 1 and ours[0].startswith(f"archgym: error: the Ray cluster at --address {address} accepted a connection but did not answer within 3 s")
    assert not out.exists()
    assert took < 120


@pytest.mark.parametrize("address, match", [
    ("10.0.0.5", "is not HOST:PORT"),
    ("host:port", "is not HOST:PORT"),
    ("host:70000", "is not HOST:PORT"),
])
def test_malformed_addresses(address, match):
    with pytest.raises(ConfigError, match=match):
        parse_address(address)


def test_address_forms():
    assert parse_address("auto") is None
    assert parse_address("10.0.0.5:6379") == ("10.0.0.5", 6379)
    assert parse_address("ray://head:10001") == ("head", 10001)
    assert parse_address("[::1]:6379") == ("::1", 6379)
    with pytest.raises(ConfigError, match="--connect-timeout must be > 0 seconds"):
        connect_ray("127.0.0.1:1", 0)


def test_bad_connect_timeout_on_the_command_line(tmp_path, capsys):
    cfg = tmp_path / "s.yaml"
    cfg.write_text(SWEEP)
    assert main(["sweep", str(cfg), "--out", str(tmp_path / "o"), "--connect-timeout", "-1"]) == 2
    assert "--connect-timeout must be > 0 seconds, got -1.0" in capsys.readouterr().err
