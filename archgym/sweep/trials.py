"""Expanding a sweep config into its trials.

One trial = (environment, workload, objective, agent, hyper-parameters, seed, budget).
Each agent's hyper-parameter domains become a Ray Tune search space
(:meth:`archgym.sweep.space.Domain.to_tune`) and Tune's variant generator resolves it:
every grid axis is crossed, and the random domains are drawn ``samples`` times from a
generator seeded by ``sampler_seed`` and the agent's name — so the same file always yields
the same trials, in the same order. The configurations drawn for an agent are shared by
every environment and workload, and each configuration runs with every seed.

The trial list is expanded once, in the driver, and saved with the sweep; a resumed sweep
reads it back instead of drawing again.
"""

from __future__ import annotations

import zlib
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from archgym.parameters import to_plain
from archgym.sweep.config import SweepConfig
from archgym.sweep.space import parse_domain

__all__ = ["TrialSpec", "agent_configs", "env_simulator", "expand_trials", "sweep_env_ids"]


@dataclass(frozen=True)
class TrialSpec:
    """One trial of a sweep (JSON-serialisable).

    Attributes:
        key: stable id within the sweep (``t0000``, ``t0001``, ...).
        env_id, simulator, workload: where the trial searches.
        objective: the objective dict of the sweep file (``None``: the simulator's default).
        simulator_kwargs: keyword arguments of the simulator.
        agent: the agent's registry name; ``params`` the resolved hyper-parameters.
        config_index: which of the agent's drawn configurations ``params`` is.
        seed: the agent's seed; ``budget`` its unique simulator calls.
    """

    key: str
    env_id: str
    simulator: str
    workload: str
    objective: dict[str, Any] | None
    simulator_kwargs: dict[str, Any]
    agent: str
    config_index: int
    params: dict[str, Any]
    seed: int
    budget: int
    env_index: int = 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TrialSpec:
        return cls(**data)

    @property
    def label(self) -> str:
        """A short human name: ``ga#3 seed 1 on stream``."""
        return f"{self.agent}#{self.config_index} seed {self.seed} on {self.workload}"


def agent_configs(agent: str, params: dict[str, Any], samples: int, sampler_seed: int) -> list[dict[str, Any]]:
    """The resolved hyper-parameter configurations of one agent.

    Grid axes are crossed; random domains are drawn ``samples`` times (once when the agent
    has none). Values are coerced to the hyper-parameter's type.
    """
    from ray.tune.search.variant_generator import generate_variants

    from archgym.agents import agent_class

    domains = {k: parse_domain(v) for k, v in params.items()}
    hps = {h.name: h for h in agent_class(agent).hyperparameters}
    spec = {k: d.to_tune() for k, d in domains.items()}
    draws = samples if any(d.is_random for d in domains.values()) else 1
    rng = np.random.default_rng([sampler_seed, zlib.crc32(agent.encode())])
    out: list[dict[str, Any]] = []
    for _ in range(draws):
        if not spec:
            out.append({})
            continue
        for _resolved, variant in generate_variants(spec, random_state=rng):
            out.append({k: hps[k].coerce(to_plain(variant[k]), agent) for k in params})
    return out


def sweep_env_ids() -> dict[str, str]:
    """``{Gymnasium id: simulator name}`` of the ids a sweep can name; a multi-fidelity id
    (``archgym/DRAM-MF-v0``) maps to its tier family."""
    from archgym.envs import MF_ENV_IDS, env_ids

    return {**{v: k for k, v in env_ids().items()}, **{v: k for k, v in MF_ENV_IDS.items()}}


def env_simulator(env_id: str, name: str, kwargs: dict[str, Any]) -> Any:
    """The simulator a sweep env checks its workloads and objective on: the simulator itself,
    or for a multi-fidelity id the top tier's (``kwargs`` are then the family's tier options)."""
    from archgym.envs import MF_ENV_IDS
    from archgym.fidelity import tiers_for
    from archgym.simulator import make_simulator

    if env_id in MF_ENV_IDS.values():
        top = [t.require() for t in tiers_for(name, None, **kwargs)][-1]  # every tier must be buildable
        return make_simulator(top.simulator, **dict(top.simulator_kwargs))
    return make_simulator(name, **kwargs)


def expand_trials(cfg: SweepConfig) -> list[TrialSpec]:
    """Every trial of a validated sweep, in a fixed order (env, workload, agent, configuration, seed)."""
    by_id = sweep_env_ids()
    configs = {a: agent_configs(a, p, cfg.samples, cfg.sampler_seed) for a, p in cfg.agents.items()}
    trials: list[TrialSpec] = []
    for e, env in enumerate(cfg.envs):
        sim_name = by_id[env.id]
        sim = env_simulator(env.id, sim_name, dict(env.simulator_kwargs))
        workloads = [sim.check_workload(w) for w in (env.workloads or [None])]
        for w in workloads:
            for agent, cfgs in configs.items():
                for ci, params in enumerate(cfgs):
                    for seed in cfg.seeds:
                        trials.append(
                            TrialSpec(
                                key=f"t{len(trials):04d}",
                                env_id=env.id,
                                simulator=sim_name,
                                workload=w,
                                objective=None if env.objective is None else dict(env.objective),
                                simulator_kwargs=dict(env.simulator_kwargs),
                                agent=agent,
                                config_index=ci,
                                params=dict(params),
                                seed=int(seed),
                                budget=cfg.budget,
                                env_index=e,
                            )
                        )
    return trials
