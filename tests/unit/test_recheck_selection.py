"""benchmarks/recheck_selection.py: rule R1 recomputed from stored random finals, by hand."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "recheck_selection.py"


def _module():
    spec = importlib.util.spec_from_file_location("recheck_selection", PATH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_r1_and_median_regret_by_hand():
    recheck = _module().recheck
    row = {"random_finals": [-1.0, -0.5, -0.2], "baseline": -1.0}
    # v* = -0.2: within 1 % means v* - f <= 0.002: only -0.2 -> 1 of 3 (kept: 1 <= 3 // 2);
    # regrets (v* - f) / (v* - v0) = 0.8/0.8, 0.3/0.8, 0 -> median 0.375
    out = recheck(row, -0.2)
    assert (out["reached"], out["kept"]) == (1, True) and out["median_regret"] == pytest.approx(0.375)
    # a better reference (-0.1): none within 1 %; regrets 0.9/0.9, 0.4/0.9, 0.1/0.9 -> median 4/9
    out = recheck(row, -0.1)
    assert out["reached"] == 0 and out["median_regret"] == pytest.approx(4 / 9)
    # a reference worse than a run's final is raised to it (as the leaderboard does)
    assert recheck(row, -0.3)["reached"] == 1
