"""Search agents with one interface: ``agent.search(env, budget, seed) -> SearchResult``.

| name | agent | module |
|---|---|---|
| ``random`` | :class:`RandomWalk` — uniform sampling without repetition | ``archgym.agents.random_walk`` |
| ``ga`` | genetic algorithm on the index encoding | ``archgym.agents.genetic`` |
| ``aco`` | ant colony optimisation over per-parameter choices | ``archgym.agents.ant_colony`` |
| ``bo`` | Bayesian optimisation (BoTorch GP, qLogEI / qLogNEHVI) | ``archgym.agents.bo`` |
| ``ppo``, ``a2c``, ``dqn`` | reinforcement learning (Stable-Baselines3) | ``archgym.agents.rl`` |
| ``optuna-tpe``, ``optuna-cmaes``, ``optuna-nsga2``, ``optuna-gp`` | Optuna samplers (optional extra) | ``archgym.agents.baselines`` |
| ``nevergrad-ngopt``, ``nevergrad-oneplusone``, ``nevergrad-de`` | Nevergrad optimisers (optional extra) | ``archgym.agents.baselines`` |
| ``mf-sh`` | multi-fidelity successive halving / Hyperband screener | ``archgym.agents.screener`` |
| ``mf-bo``, ``mf-bo-prior`` | multi-fidelity BO (MF max-value entropy; cheap GP as prior mean) | ``archgym.agents.mf_bo`` |

The torch-based agents (``bo``, ``ppo``, ``a2c``, ``dqn``) and the baseline adapters are
registered lazily, so ``import archgym.agents`` imports neither torch, Optuna nor Nevergrad.
"""

from archgym.agents.ant_colony import AntColony
from archgym.agents.base import Agent, HyperParameter, MultiFidelityAgent, SearchResult
from archgym.agents.genetic import GeneticAlgorithm
from archgym.agents.random_walk import RandomWalk
from archgym.agents.registry import agent_class, list_agents, make_agent, register_agent

__all__ = [
    "Agent",
    "AntColony",
    "GeneticAlgorithm",
    "HyperParameter",
    "MultiFidelityAgent",
    "RandomWalk",
    "SearchResult",
    "agent_class",
    "list_agents",
    "make_agent",
    "register_agent",
]

register_agent("random", RandomWalk)
register_agent("ga", GeneticAlgorithm)
register_agent("aco", AntColony)
register_agent("bo", "archgym.agents.bo.agent:BayesianOptimisation")
register_agent("mf-sh", "archgym.agents.screener:SuccessiveHalving")
register_agent("mf-bo", "archgym.agents.mf_bo:MultiFidelityBO")
register_agent("mf-bo-prior", "archgym.agents.mf_bo:MultiFidelityPriorBO")
register_agent("ppo", "archgym.agents.rl:PPOAgent")
register_agent("a2c", "archgym.agents.rl:A2CAgent")
register_agent("dqn", "archgym.agents.rl:DQNAgent")
for _name, _cls in {
    "optuna-tpe": "optuna_agent:OptunaTPE",
    "optuna-cmaes": "optuna_agent:OptunaCmaEs",
    "optuna-nsga2": "optuna_agent:OptunaNSGA2",
    "optuna-gp": "optuna_agent:OptunaGP",
    "nevergrad-ngopt": "nevergrad_agent:NevergradNGOpt",
    "nevergrad-oneplusone": "nevergrad_agent:NevergradOnePlusOne",
    "nevergrad-de": "nevergrad_agent:NevergradDE",
}.items():
    register_agent(_name, f"archgym.agents.baselines.{_cls}")
