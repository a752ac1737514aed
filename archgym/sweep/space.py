"""Hyper-parameter search spaces of a sweep file, and their Ray Tune domains.

In a sweep file each agent hyper-parameter is either a constant or a one-key mapping:

| YAML | meaning | Ray Tune domain |
|---|---|---|
| ``0.9`` | a constant | the value itself |
| ``{grid: [8, 16, 32]}`` | every value, one trial each (a grid axis) | ``tune.grid_search`` |
| ``{choice: [8, 16, 32]}`` | one value drawn uniformly per sample | ``tune.choice`` |
| ``{uniform: [0.1, 0.9]}`` | a float drawn uniformly in ``[low, high]`` | ``tune.uniform`` |
| ``{loguniform: [0.001, 0.1]}`` | a float drawn log-uniformly (``low > 0``) | ``tune.loguniform`` |
| ``{randint: [2, 64]}`` | an integer drawn uniformly in ``[low, high]`` (both inclusive) | ``tune.randint(low, high + 1)`` |

Every value a domain can produce is checked against the agent's declared
:class:`~archgym.agents.HyperParameter` (type, bounds, choices) when the file is validated,
so a sweep never starts trials that would fail on a bad hyper-parameter.
This module does not import Ray; :meth:`Domain.to_tune` does, when called.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from archgym.errors import ConfigError

__all__ = ["DOMAIN_KINDS", "Domain", "parse_domain", "check_domain"]

#: the mapping keys that make a hyper-parameter value a search domain
DOMAIN_KINDS: tuple[str, ...] = ("grid", "choice", "uniform", "loguniform", "randint")


@dataclass(frozen=True)
class Domain:
    """One hyper-parameter's search domain (or constant).

    Attributes:
        kind: ``"constant"`` or one of :data:`DOMAIN_KINDS`.
        values: the constant (as a 1-tuple), the grid/choice values, or ``(low, high)``.
    """

    kind: str
    values: tuple[Any, ...]

    @property
    def is_grid(self) -> bool:
        return self.kind == "grid"

    @property
    def is_random(self) -> bool:
        return self.kind in ("choice", "uniform", "loguniform", "randint")

    def to_tune(self) -> Any:
        """The Ray Tune domain (or the plain value for a constant)."""
        from ray import tune

        if self.kind == "constant":
            return self.values[0]
        if self.kind == "grid":
            return tune.grid_search(list(self.values))
        if self.kind == "choice":
            return tune.choice(list(self.values))
        low, high = self.values
        if self.kind == "uniform":
            return tune.uniform(low, high)
        if self.kind == "loguniform":
            return tune.loguniform(low, high)
        return tune.randint(int(low), int(high) + 1)  # Tune's upper bound is exclusive

    def to_json(self) -> Any:
        """The sweep-file form of this domain."""
        if self.kind == "constant":
            return self.values[0]
        return {self.kind: list(self.values)}


def _is_scalar(v: Any) -> bool:
    return isinstance(v, (bool, int, float, str))


def parse_domain(raw: Any) -> Domain:
    """Parse one hyper-parameter value of a sweep file.

    Raises:
        ConfigError: the value is neither a scalar nor a well-formed one-key domain mapping
            (the message says what is allowed; the caller adds the path in the file).
    """
    if _is_scalar(raw):
        return Domain("constant", (raw,))
    allowed = ", ".join(f"{{{k}: ...}}" for k in DOMAIN_KINDS)
    if not isinstance(raw, Mapping):
        raise ConfigError(f"expected a constant or one of {allowed}, got {raw!r}")
    if len(raw) != 1:
        raise ConfigError(f"a search domain is a mapping with exactly one key ({', '.join(DOMAIN_KINDS)}), got {dict(raw)!r}")
    (kind, arg), = raw.items()
    if kind not in DOMAIN_KINDS:
        from archgym.errors import did_you_mean

        raise ConfigError(f"unknown search domain {kind!r}{did_you_mean(str(kind), DOMAIN_KINDS)}; allowed: {allowed}")
    if not isinstance(arg, (list, tuple)) or not arg:
        raise ConfigError(f"{kind}: expected a non-empty list, got {arg!r}")
    if not all(_is_scalar(v) for v in arg):
        raise ConfigError(f"{kind}: values must be numbers, strings or booleans, got {list(arg)!r}")
    if kind in ("grid", "choice"):
        return Domain(kind, tuple(arg))
    if len(arg) != 2 or any(isinstance(v, (bool, str)) for v in arg):
        raise ConfigError(f"{kind}: expected [low, high] numbers, got {list(arg)!r}")
    low, high = arg
    if kind == "randint":
        if not (float(low).is_integer() and float(high).is_integer()):
            raise ConfigError(f"randint: bounds must be integers, got {list(arg)!r}")
        low, high = int(low), int(high)
        if low > high:
            raise ConfigError(f"randint: low {low} > high {high}")
    else:
        low, high = float(low), float(high)
        if not (math.isfinite(low) and math.isfinite(high)) or low >= high:
            raise ConfigError(f"{kind}: need finite low < high, got {list(arg)!r}")
        if kind == "loguniform" and low <= 0:
            raise ConfigError(f"loguniform: low must be > 0, got {low:g}")
    return Domain(kind, (low, high))


def check_domain(domain: Domain, hp: Any, agent: str) -> None:
    """Check that every value ``domain`` can produce is allowed for hyper-parameter ``hp``.

    Args:
        domain: the parsed domain.
        hp: the agent's :class:`~archgym.agents.HyperParameter`.
        agent: the agent's name (for messages).

    Raises:
        ConfigError: a value or a bound is not allowed (the message names it and what is).
    """
    if domain.kind in ("constant", "grid", "choice"):
        for v in domain.values:
            hp.coerce(v, agent)
        return
    low, high = domain.values
    if domain.kind == "randint":
        if hp.type is not int:
            raise ConfigError(f"randint draws integers but {hp.name!r} expects {hp.allowed()}")
    elif hp.type is not float:
        hint = "; use randint for an integer" if hp.type is int else "; use choice or grid"
        raise ConfigError(f"{domain.kind} draws floats but {hp.name!r} expects {hp.allowed()}{hint}")
    if hp.choices is not None:
        raise ConfigError(f"{hp.name!r} takes {hp.allowed()}; use choice or grid, not {domain.kind}")
    if (hp.low is not None and low < hp.low) or (hp.high is not None and high > hp.high):
        raise ConfigError(f"{domain.kind} [{low:g}, {high:g}] leaves the allowed range: {hp.name!r} expects {hp.allowed()}")
