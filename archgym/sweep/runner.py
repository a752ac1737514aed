"""Running a sweep on Ray Tune: :func:`run_sweep`.

The embedded default starts a local Ray inside this process (``ray.init(num_cpus=...,
include_dashboard=False)``, usage statistics and token authentication off) and shuts it down
afterwards; ``address=`` joins an existing cluster instead (``ray start --head`` on one
machine, ``ray start --address HOST:PORT`` on the others; the sweep folder must then be on
a filesystem every node sees). A Ray already initialised in this process (a notebook, a
test fixture) is used as is and left running.

Tune runs one function trial per pending :class:`~archgym.sweep.trials.TrialSpec`
(``tune.grid_search`` over the trial list, one CPU each, at most ``max_concurrent`` at once,
``reuse_actors=True``). Completion is decided by the sweep folder's records
(:mod:`archgym.sweep.store`), never by Tune's experiment state, so a resumed sweep simply
runs the trials without a record in a new Tune experiment.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archgym.errors import ConfigError
from archgym.interrupts import Interrupted, shielded
from archgym.sweep.config import SweepConfig, load_config, register_plugins
from archgym.sweep.connect import DEFAULT_CONNECT_TIMEOUT_S, connect_ray
from archgym.sweep.store import SweepState, check_sweep_out, open_sweep, read_records, reconcile
from archgym.sweep.trials import TrialSpec, expand_trials

__all__ = ["SweepInterrupted", "SweepResult", "run_sweep", "ray_environment"]

logger = logging.getLogger(__name__)

#: environment Ray and Tune read; set (unless already set) before Ray is imported
RAY_ENV = {
    "RAY_USAGE_STATS_ENABLED": "0",  # no usage statistics
    "RAY_AUTH_MODE": "disabled",  # no token file for a local cluster
    "RAY_AIR_NEW_OUTPUT": "0",  # Tune's legacy reporter honours verbose=0
    "RAY_CHDIR_TO_TRIAL_DIR": "0",  # trials keep the worker's cwd (paths are absolute anyway)
    "TUNE_DISABLE_AUTO_CALLBACK_LOGGERS": "1",  # no per-trial CSV/JSON/TensorBoard files
    "RAY_DEDUP_LOGS": "0",
    # Ctrl-C is ours: it stops the sweep (see run_sweep), completion lives in the sweep folder,
    # so Tune's own handler (save experiment state, print a Tuner.restore hint) is not wanted
    "TUNE_DISABLE_SIGINT_HANDLER": "1",
}


def ray_environment() -> None:
    """Set the Ray/Tune environment variables this module relies on (existing values win)."""
    for k, v in RAY_ENV.items():
        os.environ.setdefault(k, v)


@dataclass
class SweepResult:
    """What a sweep did.

    Attributes:
        out_dir: the sweep folder; ``dataset`` its dataset root.
        sweep_id: the sweep's id (the dataset's ``run_id``).
        total: trials in the sweep; ``skipped`` completed before this call (resume);
            ``ran`` completed by this call; ``failed`` ``{trial key: error}`` of this call.
        records: every completion record by trial key.
        wall_s: this call's wall time; ``ray_start_s`` the part spent starting or joining Ray.
        stats: what :func:`~archgym.sweep.store.reconcile` cleaned up at the start.
    """

    out_dir: Path
    sweep_id: str
    name: str
    total: int
    skipped: int
    ran: int
    failed: dict[str, str] = field(default_factory=dict)
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    wall_s: float = 0.0
    ray_start_s: float = 0.0
    stats: dict[str, int] = field(default_factory=dict)

    @property
    def dataset(self) -> Path:
        return self.out_dir / "dataset"

    @property
    def complete(self) -> bool:
        return len(self.records) == self.total

    def frame(self) -> Any:
        """One row per completed trial: key, agent, config, seed, env, workload, best reward, calls, times."""
        import pandas as pd

        rows = []
        for key, rec in sorted(self.records.items()):
            spec, res = rec["spec"], rec["result"]
            rows.append({
                "key": key, "trial_id": rec["trial_id"], "env_id": spec["env_id"], "workload": spec["workload"],
                "agent": spec["agent"], "config_index": spec["config_index"], "params": res["params"],
                "seed": spec["seed"], "best_reward": res["best_reward"], "calls": res["calls"],
                "search_s": rec["search_s"], "sim_s": rec["sim_s"], "rows": rec["rows"],
            })
        return pd.DataFrame(rows)


def _source_text(config_or_path: Any) -> str | None:
    if isinstance(config_or_path, (str, os.PathLike)) and Path(config_or_path).is_file():
        return Path(config_or_path).read_text()
    return None


_RAY_INIT: dict[str, Any] = {"log_to_driver": False, "logging_level": logging.WARNING, "configure_logging": True}


def _start_ray(address: str | None, num_cpus: int, connect_timeout_s: float) -> bool:
    """Start (or join) Ray unless this process already has it; returns whether we did.

    ``ray.init`` replaces the SIGTERM handler with one that exits on the spot; the handler in
    place before (e.g. the CLI's, which stops a sweep like Ctrl-C) is put back.
    """
    ray_environment()
    import ray

    if ray.is_initialized():
        return False
    main_thread = threading.current_thread() is threading.main_thread()
    sigterm = signal.getsignal(signal.SIGTERM) if main_thread else None
    try:
        if address:
            connect_ray(address, connect_timeout_s, **_RAY_INIT)
        else:
            # "local": always a new instance, never a cluster another `ray start` left on this machine
            ray.init(address="local", num_cpus=num_cpus, include_dashboard=False, **_RAY_INIT)
    finally:
        if sigterm is not None:
            signal.signal(signal.SIGTERM, sigterm)
    return True


def _trial_name(trial: Any) -> str:
    spec = trial.config.get("trial", {})
    return f"{spec.get('key', trial.trial_id)}-{spec.get('agent', '')}"


def _trial_dirname(trial: Any) -> str:
    return f"{trial.config.get('trial', {}).get('key', 'trial')}-{trial.trial_id}"


def _progress_callback(bar: Any) -> Any:
    from ray.tune import Callback

    class _Progress(Callback):
        def on_trial_complete(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
            bar.update(1)
            res = trial.last_result or {}
            if res.get("best_reward") is not None:
                bar.set_postfix_str(f"{_trial_name(trial)} best {res['best_reward']:.4g}", refresh=False)

        def on_trial_error(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
            bar.update(1)
            bar.set_postfix_str(f"{_trial_name(trial)} FAILED", refresh=False)

    return _Progress()


def _run_tune(state: SweepState, pending: list[TrialSpec], cfg: SweepConfig, concurrency: int, progress: bool) -> dict[str, str]:
    """Run ``pending`` on Tune; returns ``{key: error}`` of failed trials."""
    from ray import tune
    from tqdm.auto import tqdm

    from archgym.sweep.trainable import tune_trainable

    state.ray_dir.mkdir(parents=True, exist_ok=True)
    attempt = 1 + sum(1 for p in state.ray_dir.glob("attempt-*"))
    bar = tqdm(total=len(pending), desc=f"sweep {state.name}", unit="trial", disable=not progress, leave=True)
    param_space = {
        "trial": tune.grid_search([t.to_json() for t in pending]),
        "out": str(state.out),
        "run_id": state.sweep_id,
        "plugins": dict(cfg.plugins),
        "report_every": cfg.report_every,
    }
    tuner = tune.Tuner(
        tune.with_resources(tune_trainable, {"cpu": 1}),
        param_space=param_space,
        tune_config=tune.TuneConfig(
            max_concurrent_trials=concurrency, reuse_actors=True, num_samples=1,
            trial_name_creator=_trial_name, trial_dirname_creator=_trial_dirname,
        ),
        run_config=tune.RunConfig(
            name=f"attempt-{attempt}", storage_path=str(state.ray_dir), verbose=0,
            failure_config=tune.FailureConfig(max_failures=0, fail_fast=False),
            callbacks=[_progress_callback(bar)],
        ),
    )
    # Tune's result grid reads per-trial result files, which the disabled loggers do not write;
    # results come from the sweep folder, so its warning about them is noise.
    logging.getLogger("ray.tune.analysis.experiment_analysis").setLevel(logging.ERROR)
    try:
        grid = tuner.fit()
    finally:
        bar.close()
    failed: dict[str, str] = {}
    for res in grid:
        if res.error is not None:
            key = (res.config or {}).get("trial", {}).get("key", "?")
            failed[key] = f"{type(res.error).__name__}: {res.error}"
    return failed


def run_sweep(
    config_or_path: str | os.PathLike[str] | Mapping[str, Any] | SweepConfig,
    out_dir: str | os.PathLike[str],
    resume: bool = False,
    address: str | None = None,
    max_concurrent: int | None = None,
    progress: bool = True,
    connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S,
) -> SweepResult:
    """Run (or resume) a sweep.

    Args:
        config_or_path: a sweep YAML file, a dict with its content, or a :class:`SweepConfig`.
        out_dir: the sweep folder (created; must be new or empty unless ``resume``).
        resume: finish the sweep already in ``out_dir`` (same config) without re-running the
            trials that completed.
        address: join this Ray cluster (``HOST:PORT`` or ``auto``) instead of starting a local Ray.
        max_concurrent: trials at once (default: the config's ``max_concurrent``, else the CPUs).
        progress: show a progress bar (trials completed).
        connect_timeout_s: with ``address``: give up joining the cluster after this many
            seconds. The cluster is joined before the sweep folder is created.

    Returns:
        A :class:`SweepResult`; the dataset is at ``result.dataset``.

    Raises:
        ConfigError: the config is invalid (nothing starts), ``out_dir`` holds another sweep,
            or the cluster at ``address`` cannot be joined (nothing is created).
        SweepInterrupted: Ctrl-C (or SIGTERM through the CLI) stopped the sweep; completed
            trials are kept, the others run on ``resume``.

    Example:
        >>> res = run_sweep("sweeps/demo.yaml", "out/demo")   # doctest: +SKIP
        >>> archgym.datasets.load(res.dataset)                  # doctest: +SKIP
    """
    t0 = time.perf_counter()
    cfg = load_config(config_or_path)
    register_plugins(cfg.plugins)
    out = Path(out_dir).resolve()
    if max_concurrent is not None and max_concurrent < 1:
        raise ConfigError(f"max_concurrent must be >= 1, got {max_concurrent}")
    saved = check_sweep_out(out, cfg, resume)  # before joining a cluster: creates nothing
    requested = max_concurrent or cfg.max_concurrent
    started = False
    ray_start_s = 0.0
    try:
        if address and (saved is None or saved.pending()):  # join first: nothing exists until it holds
            t_ray = time.perf_counter()
            started = _start_ray(address, requested or 1, connect_timeout_s)
            ray_start_s = time.perf_counter() - t_ray
        trials = None if saved is not None else expand_trials(cfg)
        state = open_sweep(out, cfg, resume, trials, _source_text(config_or_path))
        stats = reconcile(out)
        if any(stats.values()):
            logger.info("sweep folder cleaned before running: %s", stats)
        pending = state.pending()
        skipped = len(state.trials) - len(pending)
        failed: dict[str, str] = {}
        if pending:
            if not address:
                t_ray = time.perf_counter()
                started = _start_ray(None, requested or os.cpu_count() or 1, connect_timeout_s)
                ray_start_s = time.perf_counter() - t_ray
            import ray

            concurrency = requested or max(1, int(ray.cluster_resources().get("CPU", 1)))
            failed = _run_tune(state, pending, cfg, min(concurrency, len(pending)), progress)
    except KeyboardInterrupt as exc:
        with shielded("stopping the sweep"):
            if started:
                _shutdown_ray()
                started = False
            records = read_records(out) if (out / "sweep.json").is_file() else {}
            if records or (out / "sweep.json").is_file():
                reconcile(out)
                records = read_records(out)
        total = len(saved.trials) if saved is not None else len(expand_trials(cfg))
        raise SweepInterrupted(out, cfg.name, len(records), total, getattr(exc, "signum", signal.SIGINT)) from exc
    finally:
        if started:
            _shutdown_ray()
    if pending:
        reconcile(out)
    records = state.records()
    ran = sum(1 for t in pending if t.key in records)
    for t in pending:
        if t.key not in records and t.key not in failed:
            failed[t.key] = "did not complete"
    result = SweepResult(
        out_dir=out, sweep_id=state.sweep_id, name=state.name, total=len(state.trials), skipped=skipped, ran=ran,
        failed=failed, records=records, wall_s=time.perf_counter() - t0, ray_start_s=ray_start_s, stats=stats,
    )
    logger.info("sweep %s: %d/%d trials complete (%d this run, %d failed) in %.1f s",
                state.name, len(records), result.total, ran, len(failed), result.wall_s)
    return result


def _shutdown_ray() -> None:
    import ray

    ray.shutdown()


class SweepInterrupted(Interrupted):
    """A sweep stopped by Ctrl-C or SIGTERM; its completed trials are kept.

    Attributes:
        out: the sweep folder; ``name`` the sweep's name; ``completed``/``total`` trials
            with a completion record / in the sweep; ``signum`` the signal.
    """

    def __init__(self, out: Path, name: str, completed: int, total: int, signum: int):
        super().__init__(signum)
        self.out, self.name, self.completed, self.total = out, name, completed, total
