"""Sweep reports: ``archgym report OUT`` / :func:`build_report` (the hyper-parameter lottery,
success rate vs budget, best-so-far curves with seed bands, Pareto fronts, best configuration
per agent), read from the sweep folder's dataset and saved config only.

Example::

    from archgym.sweep import run_sweep
    from archgym.report import build_report
    res = run_sweep("sweeps/demo.yaml", "out/demo")
    print(build_report(res.out_dir))        # out/demo/report.html
"""

from archgym.report.data import SweepData, best_so_far, load_sweep
from archgym.report.html import build_report, trials_frame

__all__ = ["SweepData", "best_so_far", "build_report", "load_sweep", "trials_frame"]
