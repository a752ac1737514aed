"""Shared fixtures.

The example plugin's roofline model (examples/custom_simulator) doubles as the core's test
simulator: it is registered here at run time, so the contract tests cover it alongside every
built-in simulator. (The plugin test installs the same package for real, in a subprocess.)

Randomness: every random draw in a test is seeded. Tests whose draws are *meant* to vary (random
designs, kill moments, Hypothesis examples) take their seed from ``ARCHGYM_TEST_SEED`` (default 0)
through the ``test_seed`` / ``test_rng`` fixtures, and are marked ``randomised`` automatically
(Hypothesis tests too: their seed is ``ARCHGYM_TEST_SEED`` unless ``--hypothesis-seed`` is given).
``make test`` runs the suite with one seed and the ``randomised`` tests again with another seed
and another ``PYTHONHASHSEED``; reproduce a failure with the seed printed in pytest's header.
"""

from __future__ import annotations

import importlib.util
import os
import zlib
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _test_seed() -> int:
    raw = os.environ.get("ARCHGYM_TEST_SEED", "0")
    try:
        return int(raw)
    except ValueError:
        raise pytest.UsageError(f"ARCHGYM_TEST_SEED must be an integer, got {raw!r}") from None


TEST_SEED = _test_seed()
_RANDOMISED_FIXTURES = {"test_seed", "test_rng"}


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    try:
        from hypothesis import settings
    except ImportError:  # pragma: no cover
        return
    if config.getoption("hypothesis_seed", None) is None:
        config.option.hypothesis_seed = str(TEST_SEED)
    # no example database: a run is fully determined by the seed
    settings.register_profile("archgym-tests", database=None)
    settings.load_profile("archgym-tests")


def pytest_report_header(config):
    return f"ArchGym test seed: ARCHGYM_TEST_SEED={TEST_SEED} PYTHONHASHSEED={os.environ.get('PYTHONHASHSEED', '(random)')}"


def pytest_collection_modifyitems(config, items):
    for item in items:
        hypothesis_test = getattr(getattr(item, "obj", None), "is_hypothesis_test", False)
        if hypothesis_test or _RANDOMISED_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.randomised)


@pytest.fixture
def test_seed() -> int:
    """The run's test seed (``ARCHGYM_TEST_SEED``, default 0)."""
    return TEST_SEED


@pytest.fixture
def test_rng(request) -> np.random.Generator:
    """A Generator seeded by ``ARCHGYM_TEST_SEED`` and the test's id (independent streams per test)."""
    return np.random.default_rng([TEST_SEED, zlib.crc32(request.node.nodeid.encode())])
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
os.environ.setdefault("RAY_AUTH_MODE", "disabled")


def _load_roofline():
    path = ROOT / "examples" / "custom_simulator" / "archgym_roofline" / "simulator.py"
    spec = importlib.util.spec_from_file_location("archgym_roofline_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.VectorRoofline


VectorRoofline = _load_roofline()

import archgym  # noqa: E402

if "roofline" not in archgym.list_simulators():
    archgym.register_simulator("roofline", VectorRoofline, description="vector-unit roofline (test copy of the example plugin)")


@pytest.fixture
def roofline():
    return VectorRoofline()


@pytest.fixture(autouse=True)
def _torch_one_thread():
    """Torch on 2 cores: one thread, or SB3/BoTorch crawl (see reference/dependencies.md)."""
    try:
        import sys

        if "torch" in sys.modules:
            sys.modules["torch"].set_num_threads(1)
    except Exception:  # noqa: BLE001
        pass
    yield
