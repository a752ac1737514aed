"""One search, end to end: :func:`run_search` (what ``archgym run`` and the demo call).

``run_search`` builds the environment with a dataset writer under ``out/dataset`` (run context:
agent, hyper-parameters, seed), runs the agent for ``budget`` unique simulator calls with a
progress bar, and writes ``out/summary.json`` and ``out/convergence.png`` (best-so-far reward
against simulator calls). Bad input (unknown agent, hyper-parameter, env, workload, objective,
a budget < 1) raises an :class:`~archgym.errors.ArchGymError` before anything is written.
"""

from __future__ import annotations

import json
import logging
import numbers
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from archgym.errors import ConfigError, did_you_mean

__all__ = ["parse_objective", "plot_convergence", "resolve_env_id", "run_search"]

logger = logging.getLogger(__name__)

_OBJECTIVE_KINDS = ("target", "weighted", "multi")


def resolve_env_id(env: str) -> str:
    """An ArchGym Gymnasium id from an id (``archgym/DRAM-v0``) or a simulator name (``dram``).

    Raises:
        ConfigError: listing the registered ids.
    """
    from archgym.envs import env_ids

    ids = env_ids()
    if env in ids.values():
        return env
    if env in ids:
        return ids[env]
    allowed = sorted(ids.values())
    raise ConfigError(f"unknown environment {env!r}{did_you_mean(env, allowed)}; registered: {', '.join(allowed) or '(none)'}")


def parse_objective(spec: str | Mapping[str, Any] | Any | None) -> Any:
    """An objective spec for :class:`~archgym.envs.DesignEnv` from a CLI string.

    ``None`` keeps the simulator's default; a kind (``target``, ``weighted``, ``multi``) uses
    that kind's defaults; a JSON object is passed to :func:`~archgym.objective.make_objective`.
    Mappings and :class:`~archgym.objective.Objective` instances pass through.
    """
    if spec is None or not isinstance(spec, str):
        return spec
    text = spec.strip()
    if text in _OBJECTIVE_KINDS:
        return {"kind": text}
    if text[:1] in ("{", "["):
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"--objective is not valid JSON ({exc.msg} at column {exc.colno}): {text!r}") from None
        if not isinstance(value, dict):
            raise ConfigError("--objective JSON must be an object such as {\"kind\": \"multi\"}")
        return value
    raise ConfigError(f"--objective must be one of {', '.join(_OBJECTIVE_KINDS)} or a JSON object, got {text!r}")


def plot_convergence(best_so_far: Any, path: str | os.PathLike[str], title: str = "") -> Path:
    """Draw best-so-far reward against unique simulator calls into a PNG (Agg, no display)."""
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    y = np.asarray(best_so_far, dtype=np.float64)
    fig = Figure(figsize=(6, 4), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    x = np.arange(1, len(y) + 1)
    ax.step(x, y, where="post", color="C0")
    finite = y[np.isfinite(y)]
    if len(finite) and np.all(finite > 0) and finite.max() / finite.min() > 100:
        ax.set_yscale("log")
    ax.set_xlabel("simulator calls")
    ax.set_ylabel("best reward so far")
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path)
    return path


def _new_folders(path: Path) -> list[Path]:
    """``path`` and those of its parents that do not exist yet (deepest first)."""
    out = []
    for p in (path, *path.parents):
        if p.exists():
            break
        out.append(p)
    return out


def _remove_empty(folders: list[Path]) -> None:
    """Remove the folders of :func:`_new_folders` that were created and are still empty."""
    for folder in folders:
        for sub in sorted((p for p in folder.rglob("*") if p.is_dir()), reverse=True) if folder.is_dir() else []:
            if not any(sub.iterdir()):
                sub.rmdir()
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


def run_search(
    env_id: str,
    agent: str,
    budget: int,
    seed: int,
    out: str | os.PathLike[str],
    workload: str | None = None,
    objective: str | Mapping[str, Any] | Any | None = None,
    agent_params: Mapping[str, Any] | None = None,
    progress: bool = True,
):
    """Run one search and write its dataset, summary and convergence plot under ``out``.

    Args:
        env_id: Gymnasium id (``archgym/DRAM-v0``) or simulator name.
        agent: registered agent name (see :func:`archgym.agents.list_agents`).
        budget: unique simulator calls (>= 1).
        seed: seeds the agent (and the environment's reset).
        out: output folder: ``dataset/`` (Parquet), ``summary.json``, ``convergence.png``.
        workload: the workload (default: the simulator's first).
        objective: objective kind, JSON string, dict or Objective (default: the simulator's).
        agent_params: hyper-parameters (strings are converted, e.g. from the command line).
        progress: show a tqdm progress bar over unique calls (on stderr).

    Returns:
        the :class:`~archgym.agents.SearchResult`.
    """
    import gymnasium as gym

    from archgym.agents import make_agent
    from archgym.agents.base import unwrap_design_env
    from archgym.datasets import new_run_id

    if isinstance(budget, bool) or not isinstance(budget, numbers.Integral) or budget < 1:
        raise ConfigError(f"budget must be an integer >= 1, got {budget!r}")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ConfigError(f"seed must be an integer >= 0, got {seed!r}")
    budget, seed = int(budget), int(seed)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {str(out)!r} is an existing file; allowed: a new folder or an existing folder")
    searcher = make_agent(agent, **dict(agent_params or {}))
    env_id = resolve_env_id(env_id)
    run_id = new_run_id()
    context = {"run_id": run_id, "trial_id": "0", "agent": searcher.name, "agent_params": searcher.params, "seed": seed}
    kwargs: dict[str, Any] = {"dataset": str(out / "dataset"), "log_context": context}
    if workload is not None:
        kwargs["workload"] = workload
    if objective is not None:
        kwargs["objective"] = parse_objective(objective)
    created = _new_folders(out)
    try:
        env = gym.make(env_id, **kwargs)
    except BaseException:
        _remove_empty(created)  # bad input writes nothing
        raise
    base = unwrap_design_env(env)
    out.mkdir(parents=True, exist_ok=True)

    from tqdm.auto import tqdm

    bar = tqdm(total=budget, unit="call", desc=f"{searcher.name} on {env_id}", disable=not progress, leave=False)

    def _tick(rec: Any, res: Any) -> None:
        if not rec.cache_hit:
            bar.update(1)
            bar.set_postfix(best=f"{res.best_reward:.4g}", refresh=False)

    t0 = time.perf_counter()
    try:
        result = searcher.search(env, budget, seed=seed, callback=_tick)
    finally:
        bar.close()
        env.close()
    wall = time.perf_counter() - t0
    summary = result.summary()
    summary.update(
        {
            "run_id": run_id,
            "env_id": env_id,
            "simulator": base.simulator.name,
            "simulator_version": base.simulator.version,
            "workload": base.workload,
            "objective": base.objective.to_json(),
            "steps": len(result.history),
            "cache_hits": sum(1 for r in result.history if r.cache_hit),
            "total_wall_s": wall,
            "dataset": str(out / "dataset"),
        }
    )
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=str) + "\n")
    title = f"{searcher.name} on {env_id} ({base.workload}), seed {seed}"
    plot_convergence(result.best_so_far, out / "convergence.png", title)
    logger.info("run %s: best reward %.6g after %d calls, %.1f s", run_id, result.best_reward, result.calls, wall)
    return result
