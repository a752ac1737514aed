"""Proxy-guided search: search the proxy, verify the best designs on the real simulator, refit.

One round of :func:`guided_search`:

1. fit a proxy on every row of the run's dataset so far (read back through
   :func:`archgym.datasets.load`; no model selection, one fast candidate);
2. let an agent search an environment over the proxy (``proxy_budget`` proxy calls, free);
3. take the ``top_k`` designs by proxy reward that the real simulator has not seen yet, a
   share ``explore`` of them replaced by random new designs;
4. evaluate them on the real simulator through a :class:`~archgym.envs.DesignEnv` whose
   :class:`~archgym.datasets.DatasetWriter` logs them into the dataset (the one logging path).

It starts from ``n_init`` random real evaluations and stops when a design meets the target
(by default ``objective.success``: every target of a :class:`~archgym.objective.TargetSpec` met)
or after ``budget`` real calls. :func:`direct_search` runs the same agent on the real
simulator for comparison; both count *real simulator calls* the same way (unique designs).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from archgym.datasets import DatasetWriter
from archgym.envs import DesignEnv
from archgym.simulator import Simulator, make_simulator

__all__ = ["SearchOutcome", "direct_search", "guided_search"]

logger = logging.getLogger(__name__)


@dataclass
class SearchOutcome:
    """Real-simulator cost of a search.

    Attributes:
        mode: ``"guided"`` or ``"direct"``.
        real_calls: real simulator calls spent.
        calls_to_target: real calls until the first design meeting the target (``None``: never).
        best_reward, best_design, best_metrics: best real evaluation.
        rounds: per guided round: real calls so far, proxy rows, fit and search seconds.
        wall_s: wall time of the whole search.
    """

    mode: str
    real_calls: int = 0
    calls_to_target: int | None = None
    best_reward: float = float("-inf")
    best_design: dict[str, Any] | None = None
    best_metrics: dict[str, float] | None = None
    rounds: list[dict[str, Any]] = field(default_factory=list)
    wall_s: float = 0.0

    def summary(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}


def _real_env(simulator: str | Simulator, workload: str | None, objective: Any, dataset: str | os.PathLike[str], agent: str, seed: int) -> DesignEnv:
    sim = make_simulator(simulator) if isinstance(simulator, str) else simulator
    writer = DatasetWriter(dataset, sim, agent=agent, seed=seed, rows_per_part=1_000_000)
    return DesignEnv(sim, workload=workload, objective=objective, dataset=writer, max_steps=1_000_000)


class _Tracker:
    def __init__(self, outcome: SearchOutcome, env: DesignEnv, target: Callable[[Mapping[str, float] | None], bool]):
        self.outcome, self.env, self.target = outcome, env, target

    def record(self, rec: Any) -> None:
        out = self.outcome
        if rec.cache_hit:
            return
        out.real_calls = self.env.unique_calls
        if rec.feasible and rec.reward > out.best_reward:
            out.best_reward, out.best_design, out.best_metrics = rec.reward, dict(rec.design), rec.metrics
        if out.calls_to_target is None and rec.feasible and self.target(rec.metrics):
            out.calls_to_target = out.real_calls


def guided_search(
    simulator: str | Simulator,
    dataset: str | os.PathLike[str],
    workload: str | None = None,
    objective: Any = None,
    *,
    budget: int = 200,
    n_init: int = 32,
    top_k: int = 8,
    explore: float = 0.25,
    proxy_budget: int = 2000,
    agent: str = "random",
    agent_params: Mapping[str, Any] | None = None,
    models: tuple[str, ...] = ("et",),
    log_target: bool = True,
    seed: int = 0,
    target: Callable[[Mapping[str, float] | None], bool] | None = None,
    stop_at_target: bool = True,
) -> SearchOutcome:
    """Search ``simulator`` with a proxy in the loop (see the module docstring).

    Args:
        simulator: the real simulator (name or instance).
        dataset: folder the real evaluations are logged into (and the proxy is fitted from);
            use a fresh folder to measure the cost of one search.
        workload, objective: as for :class:`~archgym.envs.DesignEnv`.
        budget: real simulator calls at most.
        n_init: random real evaluations before the first proxy.
        top_k: designs verified on the real simulator per round.
        explore: share of ``top_k`` given to uniformly random new designs instead of the
            proxy's best (the proxy knows nothing of regions its data never reached; without
            exploration the search can settle on a plateau the proxy overrates).
        proxy_budget: proxy calls the agent spends per round.
        agent, agent_params: the agent searching the proxy (registry name).
        models: proxy candidates (one: no cross-validation).
        log_target: fit ``ln(metric)``.
        seed: seeds the initial designs, the agent and the proxy.
        target: ``metrics -> bool``; default ``objective.success``.
        stop_at_target: stop at the first real design meeting the target.
    """
    from archgym.agents import make_agent
    from archgym.proxy.data import load_rows
    from archgym.proxy.simulator import ProxySimulator
    from archgym.proxy.train import TrainConfig, fit_proxy

    t_start = time.perf_counter()
    env = _real_env(simulator, workload, objective, dataset, "proxy-guided", seed)
    sim, space, writer = env.simulator, env.space, env.evaluator.writer
    target = target or env.objective.success
    out = SearchOutcome("guided")
    track = _Tracker(out, env, target)
    rng = np.random.default_rng(seed)
    cfg = TrainConfig(models=models, log_target=log_target, seed=seed, holdout_workload=None)

    def done() -> bool:
        return out.real_calls >= budget or (stop_at_target and out.calls_to_target is not None)

    for d in space.sample(rng, min(n_init, budget), feasible_only=bool(space.constraints)):
        if done():
            break
        track.record(env.evaluate_design(d))
    rnd = 0
    while not done():
        writer.flush()
        t0 = time.perf_counter()
        rows = load_rows(dataset, sim.name, sim.version, workload_feature=True)
        mine = rows.workload == env.workload
        model = fit_proxy(rows, mine, cfg)
        model.card = {"simulator": sim.name, "version": sim.version, "space_fingerprint": space.fingerprint(),
                      "metrics": rows.metrics, "models_sha256": f"round{rnd}"}
        proxy = ProxySimulator(model, check_registered=False)
        proxy.design_space = space  # the real space, with its constraint predicates
        fit_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        penv = DesignEnv(proxy, workload=env.workload, objective=env.objective, max_steps=1_000_000)
        result = make_agent(agent, **dict(agent_params or {})).search(penv, proxy_budget, seed=seed * 1000 + rnd)
        ranked = sorted((r for r in result.history if r.feasible and not r.cache_hit), key=lambda r: -r.reward)
        n_explore = int(round(top_k * explore))
        picks, keys = [], set()
        for d in space.sample(rng, 4 * n_explore + 4, feasible_only=bool(space.constraints)):
            if len(picks) >= n_explore:
                break
            key = env.evaluator.key(space.validate(d))
            if key not in keys and not env.evaluator.seen(d):
                keys.add(key)
                picks.append(d)
        for r in ranked:
            key = env.evaluator.key(r.design)
            if key not in keys and not env.evaluator.seen(r.design):
                keys.add(key)
                picks.append(r.design)
            if len(picks) >= top_k:
                break
        if len(picks) <= n_explore:  # the proxy has nothing new to offer: explore at random
            picks = [d for d in space.sample(rng, top_k) if not env.evaluator.seen(d)][:top_k] or space.sample(rng, 1)
        search_s = time.perf_counter() - t0
        for d in picks:
            if done():
                break
            track.record(env.evaluate_design(d))
        out.rounds.append({"round": rnd, "real_calls": out.real_calls, "proxy_rows": int(mine.sum()),
                           "fit_s": fit_s, "search_s": search_s, "best_reward": out.best_reward})
        logger.info("guided round %d: %d real calls, best reward %.4g", rnd, out.real_calls, out.best_reward)
        rnd += 1
    env.close()
    out.wall_s = time.perf_counter() - t_start
    return out


def direct_search(
    simulator: str | Simulator,
    dataset: str | os.PathLike[str] | None = None,
    workload: str | None = None,
    objective: Any = None,
    *,
    budget: int = 200,
    agent: str = "random",
    agent_params: Mapping[str, Any] | None = None,
    seed: int = 0,
    target: Callable[[Mapping[str, float] | None], bool] | None = None,
) -> SearchOutcome:
    """The same agent searching the real simulator directly, for comparison with :func:`guided_search`."""
    from archgym.agents import make_agent

    t_start = time.perf_counter()
    if dataset is not None:
        env = _real_env(simulator, workload, objective, dataset, agent, seed)
    else:
        sim = make_simulator(simulator) if isinstance(simulator, str) else simulator
        env = DesignEnv(sim, workload=workload, objective=objective, max_steps=1_000_000)
    out = SearchOutcome("direct")
    track = _Tracker(out, env, target or env.objective.success)

    def callback(rec: Any, _res: Any) -> None:
        track.record(rec)

    make_agent(agent, **dict(agent_params or {})).search(env, budget, seed=seed, callback=callback)
    env.close()
    out.wall_s = time.perf_counter() - t_start
    return out


def compare(
    simulator: str,
    workdir: str | os.PathLike[str],
    workload: str | None = None,
    seeds: tuple[int, ...] = (0, 1, 2),
    budget: int = 300,
    **guided_kwargs: Any,
) -> dict[str, Any]:
    """Real calls to reach the target, guided vs direct, over ``seeds`` (fresh datasets under ``workdir``)."""
    rows = []
    for s in seeds:
        g = guided_search(simulator, Path(workdir) / f"guided-{s}", workload, budget=budget, seed=s, **guided_kwargs)
        d = direct_search(simulator, None, workload, budget=budget, seed=s, agent=guided_kwargs.get("agent", "random"))
        rows.append({"seed": s, "guided": g.calls_to_target, "direct": d.calls_to_target,
                     "guided_best": g.best_reward, "direct_best": d.best_reward, "guided_wall_s": g.wall_s, "direct_wall_s": d.wall_s})
    return {"simulator": simulator, "workload": workload, "budget": budget, "runs": rows}
