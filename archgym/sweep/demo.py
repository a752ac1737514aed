"""The sweep step of ``make demo``: run ``sweeps/demo.yaml`` and write its report.

    from archgym.sweep.demo import run_demo
    result, report = run_demo("demo-out/sweep")
"""

from __future__ import annotations

import os
from pathlib import Path

from archgym.errors import ConfigError
from archgym.sweep.runner import SweepResult, run_sweep

__all__ = ["DEMO_SWEEP", "run_demo"]

#: the demo sweep file of a source checkout
DEMO_SWEEP = Path(__file__).resolve().parents[2] / "sweeps" / "demo.yaml"


def run_demo(
    out_dir: str | os.PathLike[str],
    config: str | os.PathLike[str] | None = None,
    progress: bool = True,
    resume: bool = False,
) -> tuple[SweepResult, Path]:
    """Run the demo sweep on the embedded local Ray, then write its HTML report.

    Args:
        out_dir: the sweep folder (new, or the demo's own with ``resume``).
        config: the sweep file (default :data:`DEMO_SWEEP`).
        progress: show a progress bar.
        resume: finish an interrupted demo sweep in ``out_dir``.

    Returns:
        The sweep's result and the report's path.
    """
    from archgym.report import build_report

    path = Path(config) if config else DEMO_SWEEP
    if not path.is_file():
        raise ConfigError(f"demo sweep file {path} not found (it ships in the source tree's sweeps/ folder)")
    result = run_sweep(path, out_dir, resume=resume, progress=progress)
    return result, build_report(result.out_dir)
