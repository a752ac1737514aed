"""The sweep file: a strict pydantic model, validated completely before anything starts.

A sweep file (YAML) names environments (with workloads and objectives), agents with their
hyper-parameter search spaces (see :mod:`archgym.sweep.space`), seeds, the simulator-call
budget per trial and the concurrency::

    name: dram-agents
    budget: 100                 # unique simulator calls per trial
    seeds: [0, 1, 2]            # or a count: `seeds: 3` means [0, 1, 2]
    envs:
      - id: archgym/DRAM-v0
        workloads: [stream, random]
        objective: {kind: target, metrics: [power_mw, latency_ns]}
    agents:
      random: {}
      ga:
        population: {choice: [8, 16, 32]}
        mutation_rate: {loguniform: [0.001, 0.1]}
    samples: 2                  # draws of the random domains per agent (grids are crossed with them)
    max_concurrent: 2

Validation happens in two passes, both before Ray starts: the *structure* (unknown keys,
wrong types — pydantic, strict) and the *meaning* (unknown env ids, workloads, objective
metrics, agents, hyper-parameters, values outside a hyper-parameter's range — checked
against the registries). Both passes run and their problems come in one report: an
environment or agent whose own entry is well formed is checked even when another part of
the file is not. Objectives are checked without running any baseline design. Every problem
is reported with its path in the file and, when
the file is YAML on disk, its line: ``sweeps/x.yaml:14: agents.ga.mutaton_rate: unknown
hyper-parameter 'mutaton_rate' (did you mean 'mutation_rate'?); allowed: ...``.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from archgym.errors import ArchGymError, ConfigError, did_you_mean
from archgym.sweep.space import check_domain, parse_domain

__all__ = ["EnvEntry", "SweepConfig", "load_config", "check_config", "format_path"]

Path_ = tuple[str | int, ...]


class EnvEntry(BaseModel):
    """One environment of a sweep: a Gymnasium id, its workloads and objective."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    id: str = Field(description="Gymnasium id, e.g. archgym/DRAM-v0 (see `archgym list`)")
    workloads: list[str] | None = Field(None, min_length=1, description="workloads; default: the simulator's first")
    objective: dict[str, Any] | None = Field(None, description="objective dict for archgym.objective.make_objective")
    simulator_kwargs: dict[str, Any] = Field(
        default_factory=dict,
        description="keyword arguments of the simulator (of a -MF- id: the tier options, e.g. proxy_model)",
    )


class SweepConfig(BaseModel):
    """A whole sweep: envs × workloads × agents × hyper-parameter samples × seeds."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", description="the sweep's name")
    description: str = ""
    budget: int = Field(ge=1, description="unique simulator calls per trial")
    seeds: list[int] = Field(default_factory=lambda: [0], min_length=1, description="agent seeds of every configuration")
    envs: list[EnvEntry] = Field(min_length=1)
    agents: dict[str, dict[str, Any]] = Field(min_length=1, description="agent name -> hyper-parameter domains")
    samples: int = Field(1, ge=1, description="draws of the random domains per agent (1 when an agent has none)")
    sampler_seed: int = Field(0, description="seeds the draws of the random domains")
    max_concurrent: int | None = Field(None, ge=1, description="trials running at once (default: the cluster's CPUs)")
    report_every: int = Field(1, ge=1, description="report best-so-far to Tune every N simulator calls")
    plugins: dict[str, str] = Field(
        default_factory=dict, description="simulator name -> 'module:Class' to register in the driver and every worker"
    )

    @field_validator("seeds", mode="before")
    @classmethod
    def _seed_count(cls, v: Any) -> Any:
        if isinstance(v, int) and not isinstance(v, bool):
            if v < 1:
                raise ValueError("a seed count must be >= 1")
            return list(range(v))
        return v

    @field_validator("seeds")
    @classmethod
    def _unique_seeds(cls, v: list[int]) -> list[int]:
        if len(set(v)) != len(v):
            raise ValueError(f"seeds must be distinct, got {v}")
        return v

    @field_validator("agents", mode="before")
    @classmethod
    def _empty_agents(cls, v: Any) -> Any:
        if isinstance(v, Mapping):
            return {k: ({} if params is None else params) for k, params in v.items()}
        return v

    def fingerprint(self) -> str:
        """SHA-256 of the normalised config (a resumed sweep must match it)."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


# -- locating problems in the file ---------------------------------------------------------


def format_path(path: Path_) -> str:
    """``("envs", 0, "workloads", 1)`` -> ``"envs[0].workloads[1]"``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _line_map(text: str) -> dict[Path_, int]:
    """1-based line of every key and list item of a YAML document, by path."""
    lines: dict[Path_, int] = {}
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return lines

    def walk(node: yaml.Node, path: Path_) -> None:
        lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                sub = (*path, key.value)
                lines[sub] = key.start_mark.line + 1
                walk(value, sub)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, (*path, i))

    if root is not None:
        walk(root, ())
    return lines


class _Problems:
    """Collects ``(path, message)`` problems and raises one :class:`ConfigError` for all."""

    def __init__(self, source: str | None, lines: dict[Path_, int]):
        self.source, self.lines, self.items = source, lines, []

    def add(self, path: Path_, message: str) -> None:
        self.items.append((path, message))

    def _where(self, path: Path_) -> str:
        if not self.source:
            return ""
        p = tuple(path)
        while p and p not in self.lines:
            p = p[:-1]
        line = self.lines.get(p)
        return f"{self.source}:{line}: " if line else f"{self.source}: "

    def raise_if_any(self) -> None:
        if not self.items:
            return
        msgs = [f"{self._where(p)}{format_path(p)}: {m}" for p, m in self.items]
        head = "invalid sweep config" + (f" {self.source}" if self.source else "")
        if len(msgs) == 1:
            raise ConfigError(msgs[0])
        raise ConfigError(head + f" ({len(msgs)} problems):\n  " + "\n  ".join(msgs))


def _pydantic_problems(exc: ValidationError, problems: _Problems, model: type[BaseModel]) -> None:
    for err in exc.errors():
        loc = tuple(err["loc"])
        if err["type"] == "extra_forbidden":
            key = str(loc[-1])
            owner = EnvEntry if "envs" in loc[:1] and len(loc) == 3 else model
            allowed = list(owner.model_fields)
            problems.add(loc, f"unknown key {key!r}{did_you_mean(key, allowed)}; allowed: {', '.join(allowed)}")
        elif err["type"] == "missing":
            problems.add(loc, "required key is missing")
        else:
            problems.add(loc, f"{err['msg']} (got {err.get('input')!r})")


# -- loading ---------------------------------------------------------------------------------


def load_config(source: str | os.PathLike[str] | Mapping[str, Any] | SweepConfig, check: bool = True) -> SweepConfig:
    """Load and validate a sweep config from a YAML file, a dict or a model.

    Args:
        source: path of a YAML file, a dict with the same content, or a :class:`SweepConfig`.
        check: also check the meaning against the registries (:func:`check_config`).

    Raises:
        ConfigError: every problem found, each with its path (and file line).
    """
    if isinstance(source, SweepConfig):
        cfg, name, lines = source, None, {}
    else:
        if isinstance(source, Mapping):
            data, name, lines = dict(source), None, {}
        else:
            path = Path(source)
            if not path.is_file():
                raise ConfigError(f"sweep config {path} does not exist")
            text = path.read_text()
            name = str(path)
            try:
                data = yaml.safe_load(text)
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                where = f"{name}:{mark.line + 1}" if mark is not None else name
                raise ConfigError(f"{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
            lines = _line_map(text)
        if not isinstance(data, Mapping):
            raise ConfigError(f"{name or 'sweep config'}: expected a mapping at the top level, got {type(data).__name__}")
        problems = _Problems(name, lines)
        try:
            cfg = SweepConfig.model_validate(data)
        except ValidationError as exc:
            _pydantic_problems(exc, problems, SweepConfig)
            if check:  # names and objectives of the parts that are well formed, in the same report
                _check_meaning(*_structurally_valid_parts(data), problems)
            problems.raise_if_any()
            raise  # pragma: no cover - every pydantic error became a problem
    if check:
        check_config(cfg, _source=name, _lines=lines)
    return cfg


def register_plugins(plugins: Mapping[str, str]) -> None:
    """Register ``{simulator name: "module:Class"}`` unless the name is registered already."""
    from archgym.simulator import list_simulators, register_simulator

    for name, target in plugins.items():
        if name not in list_simulators():
            register_simulator(name, target, source="plugin", description=f"plugin {target}")


def check_config(cfg: SweepConfig, _source: str | None = None, _lines: dict[Path_, int] | None = None) -> None:
    """Check a structurally valid config against the registries (simulators, workloads,
    objectives, agents, hyper-parameters). Builds each simulator once and checks its
    objective on each workload without evaluating any design.

    Raises:
        ConfigError: every problem found, with its path.
    """
    problems = _Problems(_source, _lines or {})
    _check_meaning(list(enumerate(cfg.envs)), cfg.agents, cfg.plugins, problems)
    problems.raise_if_any()


def _structurally_valid_parts(data: Mapping[str, Any]) -> tuple[list[tuple[int, EnvEntry]], dict[str, dict[str, Any]], dict[str, str]]:
    """The env entries, agents and plugins of a file that failed structural validation
    elsewhere, so their names and objectives are checked in the same report."""
    envs: list[tuple[int, EnvEntry]] = []
    if isinstance(data.get("envs"), list):
        for i, entry in enumerate(data["envs"]):
            try:
                envs.append((i, EnvEntry.model_validate(entry)))
            except ValidationError:
                pass  # reported by the structural pass
    raw_agents = data.get("agents")
    agents = {
        str(k): dict(v or {}) for k, v in raw_agents.items() if v is None or isinstance(v, Mapping)
    } if isinstance(raw_agents, Mapping) else {}
    raw_plugins = data.get("plugins")
    plugins = {
        str(k): v for k, v in raw_plugins.items() if isinstance(v, str)
    } if isinstance(raw_plugins, Mapping) else {}
    return envs, agents, plugins


def _check_meaning(
    envs: list[tuple[int, EnvEntry]], agents: Mapping[str, Mapping[str, Any]], plugins: Mapping[str, str], problems: _Problems
) -> None:
    """Names (plugins, env ids, workloads, agents, hyper-parameters and their domains) and
    objectives, each problem added to ``problems``. Objectives are checked without running
    any baseline (:func:`archgym.envs.lazy.check_objective`), on the simulator's default
    workload when a listed workload is unknown."""
    from archgym.agents import agent_class, list_agents
    from archgym.envs import env_ids
    from archgym.envs.lazy import check_objective
    from archgym.simulator import simulator_spec

    for name, target in plugins.items():
        if ":" not in target:
            problems.add(("plugins", name), f"expected 'module:Class', got {target!r}")
            continue
        try:
            register_plugins({name: target})
            simulator_spec(name).load_factory()
        except (ImportError, AttributeError, ArchGymError) as exc:
            problems.add(("plugins", name), f"cannot load {target!r}: {exc}")
    from archgym.sweep.trials import env_simulator, sweep_env_ids

    by_id = sweep_env_ids()
    for i, env in envs:
        if env.id not in by_id:
            hint = f" (use {env_ids()[env.id]!r} for simulator {env.id!r})" if env.id in env_ids() else ""
            problems.add(
                ("envs", i, "id"),
                f"unknown environment {env.id!r}{hint or did_you_mean(env.id, by_id)}; allowed: {', '.join(sorted(by_id)) or '(none)'}",
            )
            continue
        try:
            sim = env_simulator(env.id, by_id[env.id], dict(env.simulator_kwargs))
        except (ArchGymError, TypeError, ValueError) as exc:
            problems.add(("envs", i, "simulator_kwargs"), f"simulator {by_id[env.id]!r} could not be built: {exc}")
            continue
        workloads = env.workloads or [None]
        checked = []
        for j, w in enumerate(workloads):
            wpath: Path_ = ("envs", i, "workloads", j) if env.workloads else ("envs", i)
            try:
                checked.append(sim.check_workload(w))
            except ArchGymError as exc:
                problems.add(wpath, str(exc))
        for w in checked or [None]:
            try:
                check_objective(None if env.objective is None else dict(env.objective), sim, w)
            except ArchGymError as exc:
                where = f" on workload {w!r}" if w is not None else ""
                problems.add(("envs", i, "objective"), f"invalid objective{where}: {exc}")
                break  # one report per objective, not one per workload
    known_agents = list_agents()
    for agent, params in agents.items():
        if agent not in known_agents:
            problems.add(("agents", agent), f"unknown agent {agent!r}{did_you_mean(agent, known_agents)}; allowed: {', '.join(known_agents)}")
            continue
        try:
            cls = agent_class(agent)
        except ImportError as exc:
            problems.add(("agents", agent), f"agent {agent!r} cannot be loaded: {exc}")
            continue
        hps = {h.name: h for h in cls.hyperparameters}
        for hp_name, raw in params.items():
            path: Path_ = ("agents", agent, hp_name)
            if hp_name not in hps:
                problems.add(
                    path,
                    f"unknown hyper-parameter {hp_name!r}{did_you_mean(hp_name, hps)} of agent {agent!r}; "
                    f"allowed: {', '.join(hps) or '(none)'}",
                )
                continue
            try:
                check_domain(parse_domain(raw), hps[hp_name], agent)
            except ConfigError as exc:
                problems.add(path, str(exc))
