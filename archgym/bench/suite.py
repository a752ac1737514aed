"""Versioned task suites: ``archgym/bench/suites/v<N>.yaml`` and their reference bests.

A :class:`Task` names an environment id, a workload, a continuous objective (a dict for
:func:`archgym.objective.make_objective`), a budget of unique simulator calls and the method
that finds its reference best. :func:`load_suite` validates a whole suite before anything
runs (unknown keys, env ids, workloads, objective metrics, duplicate ids: one clear error
naming the task and what is allowed). The reference bests live beside the suite in
``v<N>.refs.yaml`` (see :mod:`archgym.bench.refs`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from archgym.errors import ArchGymError, ConfigError, did_you_mean

__all__ = ["Suite", "Task", "check_task", "latest_suite", "list_suites", "load_suite", "read_refs", "suite_path"]

SUITES_DIR = Path(__file__).parent / "suites"
_TASK_KEYS = {"id", "env", "workload", "objective", "budget", "ref_method", "note", "simulator_kwargs"}
_REF_METHODS = ("exhaustive", "random")


@dataclass(frozen=True)
class Task:
    """One benchmark task.

    Attributes:
        id: the task's name within its suite (``dram-random-time``).
        env: Gymnasium id (``archgym/DRAM-v0``); ``simulator`` its simulator's registry name.
        workload: the simulator's workload.
        objective: the objective dict (``weighted``, ``constrained`` or ``multi``).
        budget: unique simulator calls per run.
        ref_method: ``exhaustive`` (every design) or ``random`` (a large random search).
        note: what the task means, in words.
        simulator_kwargs: keyword arguments of the simulator.
    """

    id: str
    env: str
    simulator: str
    workload: str
    objective: dict[str, Any]
    budget: int
    ref_method: str = "random"
    note: str = ""
    simulator_kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def multi_objective(self) -> bool:
        return self.objective.get("kind") == "multi"

    def make_env(self, dataset: Any = None, cache: bool = True) -> Any:
        """A fresh :class:`~archgym.envs.DesignEnv` of the task (logging to ``dataset`` if given)."""
        from archgym.envs import DesignEnv

        return DesignEnv(
            self.simulator, self.workload, dict(self.objective), dataset=dataset,
            simulator_kwargs=self.simulator_kwargs, cache=cache, env_id=self.env,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "env": self.env, "workload": self.workload, "objective": self.objective,
            "budget": self.budget, "ref_method": self.ref_method, "note": self.note, "simulator_kwargs": self.simulator_kwargs,
        }


@dataclass(frozen=True)
class Suite:
    """A versioned list of tasks and the reference bests stored with it."""

    version: int
    description: str
    tasks: tuple[Task, ...]
    path: Path | None = None

    def task(self, task_id: str) -> Task:
        """The task ``task_id``; raises :class:`ConfigError` listing the suite's tasks."""
        for t in self.tasks:
            if t.id == task_id:
                return t
        ids = [t.id for t in self.tasks]
        raise ConfigError(f"suite v{self.version} has no task {task_id!r}{did_you_mean(task_id, ids)}; allowed: {', '.join(ids)}")

    @property
    def refs_path(self) -> Path | None:
        return None if self.path is None else self.path.with_suffix(".refs.yaml")

    def refs(self) -> dict[str, dict[str, Any]]:
        """``{task id: reference record}`` of the tasks whose reference best is known."""
        p = self.refs_path
        if p is None or not p.is_file():
            return {}
        return dict(read_refs(p).get("tasks", {}))


def read_refs(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A refs file (YAML, or JSON when it ends in ``.json``): ``{"suite_version", "tasks": {...}}``."""
    p = Path(path)
    try:
        data = json.loads(p.read_text()) if p.suffix == ".json" else yaml.safe_load(p.read_text())
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{p}: not a readable refs file ({exc})") from None
    if not isinstance(data, Mapping) or not isinstance(data.get("tasks", {}), Mapping):
        raise ConfigError(f"{p}: a refs file maps 'tasks' to reference records")
    return dict(data)


def list_suites() -> list[str]:
    """Names of the suites that ship with the package (``v1``, ``v2``, ...), oldest first."""
    stems = [p.stem for p in SUITES_DIR.glob("v*.yaml") if not p.stem.endswith(".refs") and p.stem[1:].isdigit()]
    return sorted(stems, key=lambda s: int(s[1:]))


def latest_suite() -> str:
    """The newest shipped suite (``archgym bench``'s default)."""
    return list_suites()[-1]


def suite_path(name: str | os.PathLike[str]) -> Path:
    """A suite file from a shipped name (``v1`` or ``1``) or a path."""
    p = Path(name)
    if p.suffix in (".yaml", ".yml"):
        if not p.is_file():
            raise ConfigError(f"suite file {str(p)!r} does not exist")
        return p
    text = str(name)
    stem = text if text.startswith("v") else f"v{text}"
    shipped = SUITES_DIR / f"{stem}.yaml"
    if not shipped.is_file():
        raise ConfigError(f"unknown suite {text!r}; allowed: {', '.join(list_suites())} or a path to a suite YAML file")
    return shipped


def _task(i: int, raw: Any, by_id: Mapping[str, str]) -> Task:
    where = f"tasks[{i}]"
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: a task must be a mapping, got {type(raw).__name__}")
    where = f"task {raw.get('id', i)!r}"
    unknown = sorted(set(raw) - _TASK_KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r}{did_you_mean(unknown[0], _TASK_KEYS)}; allowed: {', '.join(sorted(_TASK_KEYS))}")
    for k in ("id", "env", "workload", "objective", "budget"):
        if k not in raw:
            raise ConfigError(f"{where}: missing key {k!r}")
    env = raw["env"]
    if env not in by_id:
        raise ConfigError(f"{where}: unknown env {env!r}{did_you_mean(str(env), by_id)}; allowed: {', '.join(sorted(by_id))}")
    budget = raw["budget"]
    if not isinstance(budget, int) or isinstance(budget, bool) or budget < 1:
        raise ConfigError(f"{where}: budget must be an integer >= 1, got {budget!r}")
    method = raw.get("ref_method", "random")
    if method not in _REF_METHODS:
        raise ConfigError(f"{where}: ref_method {method!r} not allowed; allowed: {', '.join(_REF_METHODS)}")
    objective = raw["objective"]
    if not isinstance(objective, Mapping) or objective.get("kind") not in ("weighted", "constrained", "multi"):
        raise ConfigError(
            f"{where}: objective must be a mapping of kind weighted, constrained or multi (continuous), got {objective!r}"
        )
    return Task(
        id=str(raw["id"]), env=env, simulator=by_id[env], workload=str(raw["workload"]), objective=dict(objective),
        budget=budget, ref_method=method, note=str(raw.get("note", "")), simulator_kwargs=dict(raw.get("simulator_kwargs") or {}),
    )


def load_suite(name: str | os.PathLike[str] | None = None, check: bool = True) -> Suite:
    """Load and validate a suite (``"v2"``, a path to a suite YAML file, or ``None``: the newest).

    Args:
        name: a shipped suite's name or a file.
        check: also build each task's simulator and objective (unknown workloads or metrics
            raise :class:`ConfigError` naming the task).
    """
    from archgym.envs import env_ids

    path = suite_path(latest_suite() if name is None else name)
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(data, Mapping) or "tasks" not in data or "version" not in data:
        raise ConfigError(f"{path}: a suite needs 'version' and 'tasks'")
    by_id = {v: k for k, v in env_ids().items()}
    tasks = tuple(_task(i, raw, by_id) for i, raw in enumerate(data["tasks"] or []))
    seen: set[str] = set()
    for t in tasks:
        if t.id in seen:
            raise ConfigError(f"{path}: task id {t.id!r} appears twice")
        seen.add(t.id)
    if check:
        for t in tasks:
            check_task(t)
    return Suite(int(data["version"]), str(data.get("description", "")), tasks, path)


def check_task(task: Task) -> None:
    """Build ``task``'s simulator and objective; :class:`ConfigError` naming the task if either fails."""
    from archgym.objective import make_objective
    from archgym.sweep.trainable import cached_simulator

    try:
        sim = cached_simulator(task.simulator, task.simulator_kwargs)
        workload = sim.check_workload(task.workload)
        for m in _objective_metrics(task.objective):
            if m not in sim.metric_names:
                raise ConfigError(f"objective uses metric {m!r}{did_you_mean(m, sim.metric_names)}, which simulator "
                                  f"{sim.name!r} does not report; allowed: {', '.join(sim.metric_names)}")
        make_objective(dict(task.objective), sim, workload)
    except ArchGymError as exc:
        raise ConfigError(f"task {task.id!r}: {exc}") from None


def _objective_metrics(spec: Mapping[str, Any]) -> list[str]:
    """Every metric an objective dict names (weights, metrics, limits, nested bases)."""
    names = list(spec.get("weights") or {}) + list(spec.get("metrics") or []) + list(spec.get("limits") or {})
    if isinstance(spec.get("base"), Mapping):
        names += _objective_metrics(spec["base"])
    return [str(n) for n in names]
