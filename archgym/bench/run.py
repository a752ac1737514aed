"""``bench run``: every agent × seed on every task of a suite, on the sweep machinery.

Each task is one sweep (:func:`archgym.sweep.run_sweep`) in ``OUT/tasks/<task id>/``: one Ray
Tune trial per (agent, seed) with the task's budget, every simulator call logged to that
sweep's dataset, completion decided by the sweep folder's records — so ``resume=True`` after a
kill finishes the missing trials and neither loses nor duplicates a row. Ray is started once
for the whole run (embedded local Ray by default, ``address=`` joins a cluster).

``OUT/bench.json`` records the suite version, the tasks, the agents and seeds, and for each
task its baseline point, objective and the reference record known when the run started, so
the leaderboard needs no simulator.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archgym.bench.suite import Suite, Task, check_task, load_suite
from archgym.errors import ConfigError

__all__ = ["BenchRun", "bench_config", "parse_seeds", "run_bench", "seed_list", "sweep_config"]

logger = logging.getLogger(__name__)


@dataclass
class BenchRun:
    """What ``run_bench`` did: per task, the sweep's trial counts and failures."""

    out_dir: Path
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)
    wall_s: float = 0.0

    @property
    def failed(self) -> dict[str, dict[str, str]]:
        return {t: r["failed"] for t, r in self.tasks.items() if r["failed"]}


def seed_list(seeds: int | Sequence[int]) -> list[int]:
    """The seeds of a run: a count ``N`` means ``0..N-1``; a sequence is taken as given.

    Raises:
        ConfigError: a count below 1, an empty sequence, a negative or repeated seed.
    """
    if isinstance(seeds, int):
        if seeds < 1:
            raise ConfigError(f"--seeds must be >= 1, got {seeds}")
        return list(range(seeds))
    out = [int(s) for s in seeds]
    if not out or min(out) < 0 or len(set(out)) != len(out):
        raise ConfigError(f"seeds must be distinct non-negative integers, got {out}")
    return out


def parse_seeds(text: str) -> int | list[int]:
    """``--seeds``: ``N`` (seeds 0..N-1), a range ``A-B`` (A..B inclusive) or a list ``1,4,7``.

    A later run with seeds ``5-9`` adds five seeds to a run of ``--seeds 5``; ``bench
    leaderboard`` scores both folders together.

    Raises:
        ConfigError: anything else, naming the three forms.
    """
    forms = "allowed: N (seeds 0..N-1), A-B (A..B) or a list such as 1,4,7"
    text = str(text).strip()
    try:
        if "-" in text:
            lo, hi = (int(x) for x in text.split("-"))
            if hi < lo:
                raise ValueError
            return seed_list(range(lo, hi + 1))
        if "," in text:
            return seed_list([int(x) for x in text.split(",") if x.strip()])
        n = int(text)
        seed_list(n)  # a count below 1: its own error
        return n
    except ValueError:
        raise ConfigError(f"--seeds {text!r} not understood; {forms}") from None


def _seeds_json(seeds: int | Sequence[int]) -> int | list[int]:
    """How ``bench.json`` stores seeds: a count for ``0..N-1`` (as runs always have), else the list."""
    got = seed_list(seeds)
    return len(got) if got == list(range(len(got))) else got


def sweep_config(task: Task, suite_version: int, agents: Sequence[str], seeds: int | Sequence[int],
                 agent_params: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """The sweep file (as a dict) that runs ``agents`` × ``seeds`` on ``task``, each agent with its
    default hyper-parameters except those in ``agent_params[agent]`` (constants).

    Concurrency is not part of it (it is passed to the run), so a run resumes with any.
    """
    agent_params = agent_params or {}
    cfg: dict[str, Any] = {
        "name": f"bench-v{suite_version}-{task.id}",
        "description": task.note,
        "budget": task.budget,
        "seeds": _seeds_json(seeds),
        "envs": [{"id": task.env, "workloads": [task.workload], "objective": dict(task.objective),
                  "simulator_kwargs": dict(task.simulator_kwargs)}],
        "agents": {a: dict(agent_params.get(a, {})) for a in agents},
    }
    return cfg


def bench_config(suite: Suite, tasks: Sequence[Task], agents: Sequence[str], seeds: int | Sequence[int],
                 agent_params: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """``bench.json``'s content: the run's definition plus each task's baseline and reference."""
    from archgym.bench.refs import baseline_point

    refs = suite.refs()
    entries = {}
    for t in tasks:
        env = t.make_env()
        base = baseline_point(t, env)
        entries[t.id] = {
            "task": t.to_json(),
            "objective": env.objective.to_json(),
            "baseline": {"value": base["value"], "vector": base["vector"], "ref_point": base["ref_point"]},
            "reference": refs.get(t.id),
            "simulator_version": str(env.simulator.version),
        }
    return {
        "suite_version": suite.version,
        "suite": str(suite.path) if suite.path else None,
        "agents": list(agents),
        "agent_params": {a: dict(p) for a, p in (agent_params or {}).items() if p},
        "seeds": _seeds_json(seeds),
        "tasks": entries,
    }


#: attempts at starting Ray: its raylet must register within a fixed 30 s, which an overloaded
#: shared machine sometimes misses
_RAY_START_ATTEMPTS = 3


def _start_ray_retrying(address: str | None, num_cpus: int) -> bool:
    """Start (or join) Ray as ``archgym sweep`` does, retrying a start that timed out."""
    import ray

    from archgym.sweep.runner import DEFAULT_CONNECT_TIMEOUT_S as connect_timeout_s
    from archgym.sweep.runner import _start_ray

    for attempt in range(1, _RAY_START_ATTEMPTS + 1):
        try:
            return _start_ray(address, num_cpus=num_cpus, connect_timeout_s=connect_timeout_s)
        except Exception as exc:  # noqa: BLE001 - Ray raises a bare Exception on a start timeout
            if attempt == _RAY_START_ATTEMPTS or "timed out" not in str(exc):
                raise
            logger.warning("Ray did not start (%s); retrying (%d/%d)", exc, attempt, _RAY_START_ATTEMPTS)
            ray.shutdown()
    return False


def _check_agents(agents: Sequence[str], agent_params: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, dict[str, Any]]:
    """Check the agents and their changed hyper-parameters; returns the latter, typed (``"0.1"`` -> 0.1)."""
    from archgym.agents import agent_class

    if not agents:
        raise ConfigError("--agents needs at least one agent")
    for a in agents:
        agent_class(a)  # raises ConfigError listing the agents
    if len(set(agents)) != len(agents):
        raise ConfigError(f"agents must be distinct, got {list(agents)}")
    typed: dict[str, dict[str, Any]] = {}
    for a, params in (agent_params or {}).items():
        if a not in agents:
            raise ConfigError(f"--agent-param for agent {a!r}, which is not in --agents; allowed: {', '.join(agents)}")
        checked = agent_class(a)(**params).params  # the agent's own checks: ConfigError naming what is allowed
        typed[a] = {k: checked[k] for k in params}
    return {a: p for a, p in typed.items() if p}


def parse_agent_params(items: Sequence[str]) -> dict[str, dict[str, str]]:
    """``["ga.mutation_rate=0.1", ...]`` -> ``{"ga": {"mutation_rate": "0.1"}}``.

    Raises:
        ConfigError: an item that is not ``AGENT.KEY=VALUE``, or a key given twice.
    """
    out: dict[str, dict[str, str]] = {}
    for item in items:
        lhs, sep, value = item.partition("=")
        agent, dot, key = lhs.strip().partition(".")
        if not sep or not dot or not agent or not key:
            raise ConfigError(f"malformed --agent-param {item!r}: expected AGENT.KEY=VALUE, e.g. ga.mutation_rate=0.1")
        if key in out.get(agent, {}):
            raise ConfigError(f"--agent-param {agent}.{key} given twice ({out[agent][key]!r} and {value.strip()!r}); give each once")
        out.setdefault(agent, {})[key] = value.strip()
    return out


def run_bench(
    suite: str | os.PathLike[str] | Suite,
    agents: Sequence[str],
    seeds: int | Sequence[int],
    out: str | os.PathLike[str],
    *,
    tasks: Sequence[str] | None = None,
    resume: bool = False,
    address: str | None = None,
    max_concurrent: int | None = None,
    progress: bool = True,
    agent_params: Mapping[str, Mapping[str, Any]] | None = None,
) -> BenchRun:
    """Run (or resume) a benchmark.

    Args:
        suite: a suite name (``"v1"``), file, or :class:`Suite`.
        agents: agent names (each with its default hyper-parameters).
        seeds: a count ``N`` (seeds ``0..N-1``) or the seeds, per agent and task (a run of
            seeds ``5..9`` adds to one of 5 seeds; the leaderboard scores both folders together).
        out: the benchmark folder (new or empty unless ``resume``).
        tasks: task ids to run (default: every task of the suite).
        resume: finish the run in ``out`` (same suite, agents, seeds and tasks).
        address: join this Ray cluster instead of starting a local Ray.
        max_concurrent: trials at once (default: the CPUs).
        progress: progress bars.
        agent_params: per agent, hyper-parameters that differ from its defaults (e.g.
            ``{"ga": {"mutation_rate": 0.1}}``, a variant to compare with a default run);
            stored in ``bench.json``, and every run's hyper-parameters are logged with its rows.

    Raises:
        ConfigError: unknown agents, hyper-parameters or tasks, or ``out`` holds a different run.
    """
    from archgym.sweep import run_sweep

    t0 = time.perf_counter()
    suite = suite if isinstance(suite, Suite) else load_suite(suite, check=False)
    agent_params = _check_agents(agents, agent_params)
    seeds = _seeds_json(seeds)
    chosen = [suite.task(t) for t in tasks] if tasks else list(suite.tasks)
    for t in chosen:  # only the tasks to run are built (a SCALE-Sim baseline takes a while)
        check_task(t)
    out = Path(out).resolve()
    meta_path = out / "bench.json"
    if meta_path.is_file():
        if not resume:
            raise ConfigError(f"{out} already holds a benchmark run; use --resume to finish it or choose a new --out")
        meta = json.loads(meta_path.read_text())
        same = (meta["suite_version"] == suite.version and meta["agents"] == list(agents)
                and seed_list(meta["seeds"]) == seed_list(seeds) and list(meta["tasks"]) == [t.id for t in chosen]
                and meta.get("agent_params", {}) == json.loads(json.dumps(agent_params)))
        if not same:
            raise ConfigError(f"{out} holds a run of suite v{meta['suite_version']} with agents {meta['agents']}, "
                              f"agent params {meta.get('agent_params', {})}, seeds {meta['seeds']}, "
                              f"tasks {list(meta['tasks'])}; resume needs the same")
    else:
        if out.exists() and any(out.iterdir()):
            raise ConfigError(f"{out} is not empty; a benchmark needs a new or empty folder")
        out.mkdir(parents=True, exist_ok=True)
        meta = bench_config(suite, chosen, agents, seeds, agent_params)
        tmp = meta_path.with_name("bench.json.tmp")
        tmp.write_text(json.dumps(meta, indent=1, default=str) + "\n")
        os.replace(tmp, meta_path)
    result = BenchRun(out)
    started = _start_ray_retrying(address, max_concurrent or os.cpu_count() or 1)
    try:
        for t in chosen:
            cfg = sweep_config(t, suite.version, agents, seeds, agent_params)
            folder = out / "tasks" / t.id
            res = run_sweep(cfg, folder, resume=(folder / "sweep.json").is_file(), max_concurrent=max_concurrent, progress=progress)
            result.tasks[t.id] = {"total": res.total, "complete": len(res.records), "ran": res.ran, "failed": res.failed}
            logger.info("bench task %s: %d/%d trials complete", t.id, len(res.records), res.total)
    finally:
        if started:
            import ray

            ray.shutdown()
    result.wall_s = time.perf_counter() - t0
    return result
