"""One trial: build the environment, run the agent's search, log, claim completion.

:func:`execute_trial` runs a trial anywhere (it is what the sequential baseline of the
benchmark calls); :func:`tune_trainable` is the Ray Tune function trainable around it, which
reports the best-so-far reward after every ``report_every`` unique simulator calls.

Workers are reused across trials (``reuse_actors=True``), so each worker process keeps the
simulators it built (:func:`cached_simulator`): a simulator's baseline metrics, which every
environment needs, are then computed once per worker rather than once per trial.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from archgym.sweep.trials import TrialSpec

__all__ = ["cached_simulator", "execute_trial", "tune_trainable"]

logger = logging.getLogger(__name__)

# process-local cache of built simulators, keyed by (name, sorted kwargs); not configuration
_SIMULATORS: dict[tuple[str, str], Any] = {}


def cached_simulator(name: str, kwargs: Mapping[str, Any]) -> Any:
    """The simulator ``name`` built with ``kwargs``, built once per process."""
    import json

    from archgym.simulator import make_simulator

    key = (name, json.dumps(dict(kwargs), sort_keys=True, default=str))
    if key not in _SIMULATORS:
        _SIMULATORS[key] = make_simulator(name, **dict(kwargs))
    return _SIMULATORS[key]


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def execute_trial(
    spec: TrialSpec,
    out: str | Path,
    run_id: str,
    trial_id: str,
    *,
    plugins: Mapping[str, str] | None = None,
    report: Callable[[dict[str, Any]], None] | None = None,
    report_every: int = 1,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Run one trial and claim it complete in the sweep folder ``out``.

    Args:
        spec: the trial.
        out: the sweep folder (absolute; Ray trials run in another working directory).
        run_id: the sweep's id (the dataset's ``run_id``).
        trial_id: this attempt's id (Tune's trial id; the dataset's ``trial_id``).
        plugins: simulators to register first (``{name: "module:Class"}``).
        report: called with ``{"calls", "best_reward", ...}`` every ``report_every`` unique calls.
        report_every: reporting period in unique simulator calls.
        extra: more fields for the completion record (e.g. where the trial ran).

    Returns:
        The completion record (with ``"won": False`` when another attempt had completed it).
    """
    from archgym.agents import make_agent
    from archgym.datasets import DatasetWriter
    from archgym.envs import MF_ENV_IDS, DesignEnv
    from archgym.envs.multifidelity import MultiFidelityEnv
    from archgym.sweep.config import register_plugins
    from archgym.sweep.store import claim_completion, staging_name

    t0 = time.perf_counter()
    out = Path(out)
    if plugins:
        register_plugins(plugins)
    agent = make_agent(spec.agent, **spec.params)
    staged = out / "staging" / staging_name(spec.key, trial_id)
    context = {"run_id": run_id, "trial_id": trial_id, "agent": spec.agent, "agent_params": agent.params, "seed": spec.seed}
    if spec.env_id in MF_ENV_IDS.values():  # one writer per tier, under the same staging folder and context
        env = MultiFidelityEnv(spec.simulator, spec.workload, spec.objective, dataset=staged, log_context=context,
                               env_id=spec.env_id, **spec.simulator_kwargs)
        writers = env.writers
    else:
        sim = cached_simulator(spec.simulator, spec.simulator_kwargs)
        writers = [DatasetWriter(staged, sim, env_id=spec.env_id, **context)]
        env = DesignEnv(sim, spec.workload, spec.objective, dataset=writers[0], env_id=spec.env_id)
    calls = 0

    def callback(rec: Any, res: Any) -> None:
        nonlocal calls
        if rec.cache_hit:
            return
        calls += 1
        if report is not None and (calls % report_every == 0 or calls == spec.budget):
            report({"calls": calls, "best_reward": float(res.best_reward), "reward": float(rec.reward)})

    setup_s = time.perf_counter() - t0
    result = agent.search(env, spec.budget, seed=spec.seed, callback=callback)
    env.close()
    sim_s = sum(r.sim_wall_s for r in result.history)
    summary = result.summary()
    summary["best_reward"] = _finite(result.best_reward)
    summary["best_so_far"] = [_finite(x) for x in result.best_so_far]
    record = {
        "key": spec.key,
        "trial_id": trial_id,
        "run_id": run_id,
        "spec": spec.to_json(),
        "result": summary,
        "rows": sum(len(w) for w in writers),
        "setup_s": setup_s,
        "search_s": result.wall_s,
        "sim_s": sim_s,
        "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        **dict(extra or {}),
    }
    won = claim_completion(out, spec.key, record, staged, [f for w in writers for f in w.files])
    record["won"] = won
    record["trial_s"] = time.perf_counter() - t0
    return record


def tune_trainable(config: dict[str, Any]) -> None:
    """Ray Tune function trainable: ``config`` = ``{"trial": spec dict, "out", "run_id", "plugins", "report_every"}``."""
    import ray
    from ray import tune

    logging.getLogger("archgym").setLevel(logging.WARNING)
    spec = TrialSpec.from_json(config["trial"])
    trial_id = tune.get_context().get_trial_id() or spec.key
    ctx = ray.get_runtime_context()
    where = {"ray_gcs_address": ctx.gcs_address, "ray_node_id": ctx.get_node_id()}
    rec = execute_trial(
        spec, config["out"], config["run_id"], trial_id, plugins=config.get("plugins"),
        report=tune.report, report_every=int(config.get("report_every", 1)), extra=where,
    )
    res = rec["result"]
    tune.report({
        "calls": res["calls"], "best_reward": res["best_reward"], "done": True, "won": rec["won"],
        "search_s": rec["search_s"], "sim_s": rec["sim_s"], "setup_s": rec["setup_s"], "trial_s": rec["trial_s"],
    })
