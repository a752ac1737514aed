"""ArchGym-Bench: a versioned task suite, reference bests, per-run metrics and a leaderboard.

| module | what |
|---|---|
| :mod:`~archgym.bench.suite` | tasks and suites (``suites/v1.yaml``), validation |
| :mod:`~archgym.bench.metrics` | value curves, normalised regret, AUC, calls to reach, hypervolume ratio |
| :mod:`~archgym.bench.refs` | reference bests (exhaustive or large random search, agent runs) |
| :mod:`~archgym.bench.records` | merging a reference's computations; storing them in ``suites/v<N>.refs.yaml`` |
| :mod:`~archgym.bench.run` | ``bench run``: agents × seeds × tasks on the sweep machinery (Ray Tune) |
| :mod:`~archgym.bench.leaderboard` | per-run scores, bootstrap intervals, paired tests |
| :mod:`~archgym.bench.page` | the leaderboard's Markdown/HTML tables and regret plots |

From the shell: ``archgym bench tasks|refs|run|leaderboard`` (see ``docs/bench.md``).
"""

from archgym.bench.metrics import Reference, run_metrics
from archgym.bench.suite import Suite, Task, list_suites, load_suite

__all__ = ["Reference", "Suite", "Task", "list_suites", "load_suite", "run_metrics"]
