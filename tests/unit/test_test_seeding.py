"""The test suite's own seeding: ``ARCHGYM_TEST_SEED`` drives ``test_seed``/``test_rng`` and Hypothesis,
and tests using them are selected by ``-m randomised`` (what ``make test`` re-runs with a second seed)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_seed_probe(test_seed, test_rng, request):
    """Prints what a randomised test sees (read by the test below)."""
    print(f"\nPROBE seed={test_seed} draw={test_rng.integers(0, 2**62)} hypothesis={request.config.getoption('hypothesis_seed')}")


def _probe(seed: str, hashseed: str) -> tuple[str, str]:
    env = {**os.environ, "ARCHGYM_TEST_SEED": seed, "PYTHONHASHSEED": hashseed}
    res = subprocess.run(
        [sys.executable, "-m", "pytest", "-s", "-p", "no:cacheprovider", "-m", "randomised",
         f"{Path(__file__).relative_to(ROOT)}::test_seed_probe"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    probe = next(line for line in res.stdout.splitlines() if line.startswith("PROBE"))
    header = next((line for line in res.stdout.splitlines() if line.startswith("ArchGym test seed")), "")
    return probe, header


@pytest.mark.slow
def test_archgym_test_seed_drives_the_randomised_tests():
    a, header = _probe("3", "3")
    assert a.startswith("PROBE seed=3 ") and a.endswith("hypothesis=3")  # selected by -m randomised
    assert header == "ArchGym test seed: ARCHGYM_TEST_SEED=3 PYTHONHASHSEED=3"
    assert _probe("3", "4")[0] == a  # same seed, same draws (the hash seed does not matter)
    b, _ = _probe("4", "4")
    assert b.startswith("PROBE seed=4 ") and b.split()[2] != a.split()[2]  # another seed, other draws
