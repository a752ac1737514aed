"""Per-agent seed streams.

Every agent draws from its own stream, derived from the run's seed and the agent's name:
``SeedSequence([seed, stable_hash(name)])``. With one shared stream, GA's first generation was
the random walk's first designs (same seed → 8 of 10 identical; issue 18), so two agents
looked alike at small budgets. The name's hash is CRC-32 of its UTF-8 bytes, the same in
every process (Python's ``hash()`` of a string is salted per process).
"""

from __future__ import annotations

import zlib

import numpy as np

from archgym.errors import ConfigError

__all__ = ["agent_rng", "agent_seed", "stable_hash"]


def stable_hash(name: str) -> int:
    """A process-independent 32-bit hash of ``name`` (CRC-32 of its UTF-8 bytes)."""
    return zlib.crc32(name.encode("utf-8"))


def _sequence(seed: int, name: str) -> np.random.SeedSequence:
    if isinstance(seed, bool) or int(seed) != seed or seed < 0:
        raise ConfigError(f"seed must be an integer >= 0, got {seed!r}")
    return np.random.SeedSequence([int(seed), stable_hash(name)])


def agent_rng(seed: int, name: str) -> np.random.Generator:
    """The generator agent ``name`` uses for a search with ``seed``."""
    return np.random.default_rng(_sequence(seed, name))


def agent_seed(seed: int, name: str) -> int:
    """A 31-bit integer seed for libraries that take one (Stable-Baselines3), from the same stream."""
    return int(_sequence(seed, name).generate_state(1, np.uint32)[0] >> 1)
