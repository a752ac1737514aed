"""Search agents with one interface: ``agent.search(env, budget, seed) -> SearchResult``.

| name | agent |
|---|---|
| ``random`` | :class:`RandomWalk` — uniform sampling without repetition |
"""

from archgym.agents.base import Agent, HyperParameter, SearchResult
from archgym.agents.random_walk import RandomWalk
from archgym.agents.registry import agent_class, list_agents, make_agent, register_agent

__all__ = [
    "Agent",
    "HyperParameter",
    "RandomWalk",
    "SearchResult",
    "agent_class",
    "list_agents",
    "make_agent",
    "register_agent",
]

register_agent("random", RandomWalk)
