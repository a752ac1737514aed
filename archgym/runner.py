"""One search, end to end: :func:`run_search` (what ``archgym run`` and the demo call).

``run_search`` builds the environment with a dataset writer under ``out/dataset`` (run context:
agent, hyper-parameters, seed: set here, not by the agent), runs the agent for ``budget`` unique
simulator calls (at the top tier) and/or ``budget_cost`` cost units with a progress bar, and
writes ``out/summary.json`` (with the cost ledger: calls, cost units and simulator seconds per
fidelity tier and in total, and the verified curve) and ``out/convergence.png`` (best-so-far
reward against simulator calls). ``fidelity`` runs a single-fidelity env at one tier of the
simulator's family; a ``-MF-`` id runs the multi-fidelity env (see ``docs/multifidelity.md``). Bad input (unknown agent, hyper-parameter, env, workload, objective,
a budget < 1) raises an :class:`~archgym.errors.ArchGymError` before anything is written.
"""

from __future__ import annotations

import json
import logging
import numbers
import os
import shlex
import signal
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from archgym.errors import ArchGymError, ConfigError, did_you_mean
from archgym.interrupts import Interrupted, raise_if_interrupted, shielded

__all__ = ["RunInterrupted", "parse_objective", "plot_convergence", "resolve_env_id", "run_search"]

logger = logging.getLogger(__name__)

_OBJECTIVE_KINDS = ("target", "weighted", "multi")


def resolve_env_id(env: str) -> str:
    """An ArchGym Gymnasium id from an id (``archgym/DRAM-v0``) or a simulator name (``dram``).

    Raises:
        ConfigError: listing the registered ids.
    """
    from archgym.envs import MF_ENV_IDS, env_ids

    ids = env_ids()
    if env in ids.values() or env in MF_ENV_IDS.values():
        return env
    if env in ids:
        return ids[env]
    allowed = sorted([*ids.values(), *MF_ENV_IDS.values()])
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


def plot_convergence(best_so_far: Any, path: str | os.PathLike[str], title: str = "", baseline: float | None = None) -> Path:
    """Draw best-so-far reward against unique simulator calls into a PNG (Agg, no display).

    The y axis is log or symlog when the values span decades
    (:func:`archgym.report.scales.reward_scale`); ``baseline`` (the baseline design's reward)
    is drawn as a horizontal line.
    """
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from archgym.report.scales import apply_reward_scale

    y = np.asarray(best_so_far, dtype=np.float64)
    fig = Figure(figsize=(6, 4), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    x = np.arange(1, len(y) + 1)
    ax.step(x, y, where="post", color="C0", label="best reward so far")
    if baseline is not None and np.isfinite(baseline):
        ax.axhline(baseline, color="0.35", ls="--", lw=1.0, zorder=1, label=f"baseline design ({baseline:.4g})")
    apply_reward_scale(ax, np.append(y, baseline if baseline is not None else np.nan))
    ax.set_xlabel("unique simulator calls")
    ax.set_ylabel("best reward so far")
    ax.set_xlim(0.5, max(len(y), 1) + 0.5)
    ax.set_title(title, fontsize=9)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
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
    env_id: str | None,
    agent: str | None,
    budget: int | None,
    seed: int | None,
    out: str | os.PathLike[str],
    workload: str | None = None,
    objective: str | Mapping[str, Any] | Any | None = None,
    agent_params: Mapping[str, Any] | None = None,
    progress: bool = True,
    *,
    resume: bool = False,
    overwrite: bool = False,
    publish_every_s: float | None = 2.0,
    fidelity: str | None = None,
    budget_cost: float | None = None,
    tier_options: Mapping[str, Any] | None = None,
):
    """Run one search and write its dataset, summary and convergence plot under ``out``.

    Args:
        env_id: Gymnasium id (``archgym/DRAM-v0``) or simulator name.
        agent: registered agent name (see :func:`archgym.agents.list_agents`).
        budget: unique simulator calls (>= 1).
        seed: seeds the agent (and the environment's reset); ``None`` = 0 (or the run's, on resume).
        out: output folder: ``run.json``, ``dataset/`` (Parquet), ``summary.json``,
            ``convergence.png``. It must be new or empty unless ``resume`` or ``overwrite``.
        workload: the workload (default: the simulator's first).
        objective: objective kind, JSON string, dict or Objective (default: the simulator's).
        agent_params: hyper-parameters (strings are converted, e.g. from the command line).
        progress: show a tqdm progress bar over unique calls (on stderr).
        resume: continue the interrupted or killed run in ``out`` (see :mod:`archgym.resume`);
            the other arguments may be ``None`` (the run's) or must equal the run's.
        overwrite: replace the run in ``out``.
        publish_every_s: publish logged rows at least this often (``kill -9`` loses at most
            the rows of this period); ``None``: only on close.
        fidelity: run a single-fidelity env at this tier of the simulator's family.
        budget_cost: a limit in cost units (with or instead of ``budget``).
        tier_options: options of the family's tiers (e.g. ``{"proxy_model": "models/dram"}``).

    Returns:
        the :class:`~archgym.agents.SearchResult`.

    Raises:
        ConfigError: bad input, or ``out`` holds a run and neither ``resume`` nor
            ``overwrite`` is given (nothing is written).
        RunInterrupted: Ctrl-C or SIGTERM stopped the search; the completed rows are
            published and ``summary.json`` says ``"status": "interrupted"``.
    """
    import gymnasium as gym

    from archgym import resume as runs
    from archgym.agents import make_agent
    from archgym.agents.base import unwrap_design_env
    from archgym.datasets import new_run_id
    from archgym.envs import MF_ENV_IDS
    from archgym.fidelity import Budget

    out = Path(out)
    manifest = runs.check_out(out, resume, overwrite)
    if manifest is not None:
        if manifest.get("env_id") in MF_ENV_IDS.values() or manifest.get("fidelity") or manifest.get("budget_cost"):
            raise ConfigError(f"--resume: the run in {out} is a multi-fidelity or --fidelity run; resuming those is not supported yet")
        env_id, agent, budget, seed = _resume_args(manifest, out, env_id, agent, budget, seed)
    for name, value in (("--env", env_id), ("--agent", agent)):
        if value is None:
            raise ConfigError(f"{name} is required (unless --resume continues a run)")
    if budget is None and budget_cost is None:
        raise ConfigError("--budget (simulator calls) or --budget-cost (cost units) is required (unless --resume continues a run)")
    if budget is not None and (isinstance(budget, bool) or not isinstance(budget, numbers.Integral) or budget < 1):
        raise ConfigError(f"budget must be an integer >= 1, got {budget!r}")
    spend = Budget(calls=None if budget is None else int(budget), cost=budget_cost)
    seed = 0 if seed is None else seed
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ConfigError(f"seed must be an integer >= 0, got {seed!r}")
    budget, seed = None if budget is None else int(budget), int(seed)
    if manifest is not None:
        given = make_agent(agent, **dict(agent_params or {})).params if agent_params else None
        runs.same_as_logged("--agent-param", given, manifest["agent_params"], out)
        agent_params = manifest["agent_params"]
    searcher = make_agent(agent, **dict(agent_params or {}))
    env_id = resolve_env_id(env_id)  # type: ignore[arg-type]
    multi = env_id in MF_ENV_IDS.values()
    if multi and fidelity is not None:
        raise ConfigError(f"--fidelity picks one tier of a single-fidelity env; {env_id} takes the tier per step (leave --fidelity out)")
    if tier_options and not multi and fidelity is None:
        raise ConfigError("--tier-option applies to a -MF- env or with --fidelity")
    spec = parse_objective(objective)
    if manifest is not None:
        runs.same_as_logged("--workload", workload, manifest.get("workload"), out)
        workload = manifest.get("workload")
        if spec is None:
            spec = manifest.get("objective_spec")
            if spec == "python":
                raise ConfigError(f"--resume: the run in {out} used a Python Objective; pass the same objective= to resume it")
    run_id = manifest["run_id"] if manifest is not None else new_run_id()
    context = {"run_id": run_id, "trial_id": "0", "agent": searcher.name, "agent_params": searcher.params, "seed": seed,
               "publish_every_s": publish_every_s}
    kwargs: dict[str, Any] = {"dataset": str(out / "dataset"), "log_context": context}
    if workload is not None:
        kwargs["workload"] = workload
    if spec is not None:
        kwargs["objective"] = spec
    if multi:
        kwargs.update(dict(tier_options or {}))
    elif fidelity is not None:
        kwargs["fidelity"] = fidelity
        kwargs["tier_options"] = dict(tier_options or {})
    created = _new_folders(out)
    try:
        env = gym.make(env_id, **kwargs)
    except BaseException:
        _remove_empty(created)  # bad input writes nothing
        raise
    base = unwrap_design_env(env)
    sim = base.simulator
    record = {
        "run_id": run_id, "env_id": env_id, "agent": searcher.name, "agent_params": searcher.params, "seed": seed,
        "budget": budget, "budget_cost": budget_cost, "fidelity": fidelity, "tiers": [t.describe() for t in base.tiers],
        "tier_options": {k: str(v) for k, v in dict(tier_options or {}).items()},
        "workload": base.workload, "simulator": sim.name, "simulator_version": sim.version,
        "objective": base.objective.to_json(), "objective_spec": spec if _jsonable(spec) else "python",
    }
    replayed = 0
    if manifest is not None:
        if _canonical(record["objective"]) != _canonical(manifest.get("objective")):
            raise ConfigError(f"--resume: the objective differs from the run's in {out}; resume with the same --objective or leave it out")
        runs.same_as_logged("simulator version", sim.version, manifest.get("simulator_version"), out)
        rows = runs.logged_rows(out / "dataset", sim.name, run_id)
        replayed = len(rows)
        ev = base.evaluator
        base.evaluator = runs.ReplayEvaluator(sim, ev.workload, ev.objective, ev.writer, ev.use_cache, rows=rows,
                                              agent=searcher.name)
        record["created"] = manifest.get("created")
        record["resumes"] = int(manifest.get("resumes", 0)) + 1
    else:
        if overwrite:
            runs.clear_run(out)
        record["created"] = runs.now_utc()
        record["resumes"] = 0
    out.mkdir(parents=True, exist_ok=True)
    runs.write_manifest(out, record)
    if replayed:
        logger.info("resuming run %s: replaying %d logged steps", run_id, replayed)

    from tqdm.auto import tqdm

    top = base.tiers[-1].name
    by_cost = budget is None
    bar = tqdm(total=budget_cost if by_cost else budget, unit="cost unit" if by_cost else "call",
               desc=f"{searcher.name} on {env_id}", disable=not progress, leave=False)

    def _tick(rec: Any, res: Any) -> None:
        raise_if_interrupted()  # an interrupt swallowed inside the simulator still stops the run
        if not rec.cache_hit and (by_cost or rec.fidelity == top):
            bar.update(rec.cost if by_cost else 1)
            bar.set_postfix(best=f"{res.best_reward:.4g}", refresh=False)

    t0 = time.perf_counter()
    interrupt: KeyboardInterrupt | None = None
    try:
        result = searcher.search(env, spend if budget_cost is not None else budget, seed=seed, callback=_tick)
    except KeyboardInterrupt as exc:
        interrupt = exc
        result = searcher.partial_result()
    finally:
        bar.close()
        with shielded():
            env.close()
    wall = time.perf_counter() - t0
    summary = result.summary() if result is not None else {"agent": searcher.name, "seed": seed, "budget": budget, "calls": 0}
    history = result.history if result is not None else []
    steps, hits = len(history), sum(1 for r in history if r.cache_hit)
    if interrupt is not None and not multi:  # say what is saved: an interrupt can land after a row was logged but before the agent saw it
        try:
            saved = runs.logged_rows(out / "dataset", sim.name, run_id)
            steps, hits = len(saved), sum(1 for r in saved if r["cache_hit"])
            summary["calls"] = steps - hits
        except ConfigError as exc:  # damaged: report the agent's count, resume will say more
            logger.warning("%s", exc)
    summary.update(
        {
            "status": "interrupted" if interrupt is not None else "complete",
            "run_id": run_id,
            "env_id": env_id,
            "simulator": sim.name,
            "simulator_version": sim.version,
            "workload": base.workload,
            "objective": base.objective.to_json(),
            "budget_cost": budget_cost,
            "fidelity": fidelity,
            "tiers": [t.describe() for t in base.tiers],
            "steps": steps,
            "cache_hits": hits,
            "replayed_steps": replayed,
            "resumes": record["resumes"],
            "total_wall_s": wall,
            "dataset": str(out / "dataset"),
        }
    )
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=str) + "\n")
    if interrupt is not None:
        raise RunInterrupted(out, summary, getattr(interrupt, "signum", signal.SIGINT)) from interrupt
    title = f"{searcher.name} on {env_id} ({base.workload}), seed {seed}"
    try:
        top_workload = base.tier_env(-1 % len(base.tiers)).workload if multi else base.workload
        baseline = base.objective.score(base.simulator.baseline_metrics(top_workload)).reward
    except ArchGymError:  # an infeasible baseline has no reward to draw
        baseline = None
    plot_convergence(result.best_so_far, out / "convergence.png", title, baseline)
    logger.info("run %s: best reward %.6g after %d calls, %.1f s", run_id, result.best_reward, result.calls, wall)
    return result


class RunInterrupted(Interrupted):
    """A run stopped by Ctrl-C or SIGTERM after publishing its completed rows.

    Attributes:
        out: the run folder; ``summary`` what ``summary.json`` says; ``signum`` the signal.
    """

    def __init__(self, out: Path, summary: dict[str, Any], signum: int):
        super().__init__(signum)
        self.out, self.summary = out, summary

    @property
    def resume_command(self) -> str:
        return f"archgym run --resume --out {shlex.quote(str(self.out))}"


def _resume_args(manifest: dict[str, Any], out: Path, env_id: Any, agent: Any, budget: Any, seed: Any) -> tuple:
    from archgym import resume as runs

    if env_id is not None:
        runs.same_as_logged("--env", resolve_env_id(env_id), manifest["env_id"], out)
    runs.same_as_logged("--agent", agent, manifest["agent"], out)
    runs.same_as_logged("--budget", budget, manifest["budget"], out)
    runs.same_as_logged("--seed", seed, manifest["seed"], out)
    return manifest["env_id"], manifest["agent"], manifest["budget"], manifest["seed"]


def _canonical(value: Any) -> Any:
    """``value`` as it reads back from JSON (tuples become lists; NaN stays comparable as text)."""
    return json.dumps(value, sort_keys=True, default=str)


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True
