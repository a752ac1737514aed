"""Shared fixtures.

The example plugin's roofline model (examples/custom_simulator) doubles as the core's test
simulator: it is registered here at run time, so the contract tests cover it alongside every
built-in simulator. (The plugin test installs the same package for real, in a subprocess.)
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
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
