"""The agent registry: ``make_agent(name, **hyper_parameters)``."""

from __future__ import annotations

import importlib
from typing import Any

from archgym.agents.base import Agent
from archgym.errors import ConfigError, did_you_mean

__all__ = ["list_agents", "make_agent", "register_agent", "agent_class"]

_AGENTS: dict[str, type[Agent] | str] = {}


def register_agent(name: str, cls: type[Agent] | str) -> None:
    """Register an agent class (or a lazy ``"module:Class"``) under ``name``."""
    _AGENTS[name] = cls


def agent_class(name: str) -> type[Agent]:
    """The class registered as ``name``; raises :class:`ConfigError` listing the agents."""
    if name not in _AGENTS:
        raise ConfigError(f"unknown agent {name!r}{did_you_mean(name, _AGENTS)}; allowed: {', '.join(sorted(_AGENTS))}")
    cls = _AGENTS[name]
    if isinstance(cls, str):
        module, _, attr = cls.partition(":")
        cls = getattr(importlib.import_module(module), attr)
        _AGENTS[name] = cls
    return cls  # type: ignore[return-value]


def make_agent(name: str, **params: Any) -> Agent:
    """Build agent ``name`` with validated hyper-parameters."""
    return agent_class(name)(**params)


def list_agents() -> list[str]:
    """Registered agent names, sorted."""
    return sorted(_AGENTS)
