"""Sweeps: agents × hyper-parameters × seeds × environments on Ray Tune.

From Python::

    from archgym.sweep import run_sweep
    res = run_sweep("sweeps/demo.yaml", "out/demo")          # embedded local Ray
    res = run_sweep("sweeps/demo.yaml", "out/demo", resume=True)  # after a kill
    archgym.datasets.load(res.dataset)

From the shell: ``archgym sweep sweeps/demo.yaml --out out/demo [--resume] [--address HOST:PORT]``;
then ``archgym report out/demo``. See ``docs/sweep.md``.

| module | what |
|---|---|
| :mod:`~archgym.sweep.config` | the sweep file's pydantic model and its validation |
| :mod:`~archgym.sweep.space` | hyper-parameter domains (grid, choice, uniform, loguniform, randint) → Ray Tune |
| :mod:`~archgym.sweep.trials` | expanding a config into trials |
| :mod:`~archgym.sweep.store` | the sweep folder: records, staging, atomic publication, resume |
| :mod:`~archgym.sweep.trainable` | one trial (with and without Tune) |
| :mod:`~archgym.sweep.runner` | :func:`run_sweep` |
"""

from archgym.sweep.config import EnvEntry, SweepConfig, check_config, load_config
from archgym.sweep.runner import SweepResult, run_sweep
from archgym.sweep.store import SweepState, load_state
from archgym.sweep.trials import TrialSpec, expand_trials

__all__ = [
    "EnvEntry",
    "SweepConfig",
    "SweepResult",
    "SweepState",
    "TrialSpec",
    "check_config",
    "expand_trials",
    "load_config",
    "load_state",
    "run_sweep",
]
