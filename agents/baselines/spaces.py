"""A :class:`~archgym.space.ParameterSpace` as Optuna distributions and a Nevergrad parametrization.

The mapping keeps each knob's nature:

| ArchGym parameter | Optuna | Nevergrad |
|---|---|---|
| ``Categorical`` | ``CategoricalDistribution(choices)`` | ``p.Choice(choices)`` |
| ``Integer`` (narrow) | ``IntDistribution(low, high)`` | ``p.Scalar(low, high)``, integer casting |
| ``Integer`` (wide: ``high >= 16·low``, ``low >= 1``) | ``IntDistribution(low, high, log=True)`` | ``p.Log(low, high)``, integer casting |
| ``PowerOfTwo``, ``Ordinal`` | ``IntDistribution(0, n − 1)`` over the value's index | ``p.TransitionChoice(values)`` (ordered) |
| ``Real`` | ``FloatDistribution(low, high, log)`` | ``p.Scalar`` / ``p.Log`` |

"Wide" is the rule the BO agent uses for its log2 inputs (:mod:`archgym.agents.bo.encoding`),
so a buffer of 1–128 entries is searched on a log scale by every model-based agent. A
parameter with a single value is left out of the library's space and filled in on decoding.
The libraries are imported inside the functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from archgym.agents.bo.encoding import _log_scaled
from archgym.space import Categorical, Design, Integer, ParameterSpace, Real

__all__ = ["from_nevergrad", "from_optuna", "nevergrad_parametrization", "optuna_distributions"]


def optuna_distributions(space: ParameterSpace) -> dict[str, Any]:
    """``{name: optuna distribution}`` for every parameter with more than one value."""
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    out: dict[str, Any] = {}
    for name, p in space.parameters.items():
        if p.cardinality <= 1:
            continue
        if isinstance(p, Categorical):
            out[name] = CategoricalDistribution(p.values())
        elif isinstance(p, Integer):
            out[name] = IntDistribution(p.low, p.high, log=_log_scaled(p))
        elif isinstance(p, Real):
            out[name] = FloatDistribution(p.low, p.high, log=p.log)
        else:  # PowerOfTwo, Ordinal: ordered by index
            out[name] = IntDistribution(0, p.cardinality - 1)
    return out


def from_optuna(space: ParameterSpace, params: Mapping[str, Any]) -> Design:
    """The design of an Optuna trial's ``params`` (validated)."""
    design: Design = {}
    for name, p in space.parameters.items():
        if p.cardinality <= 1:
            design[name] = p.value_at(0)
        elif isinstance(p, (Categorical, Integer, Real)):
            design[name] = params[name]
        else:
            design[name] = p.value_at(int(params[name]))
    return space.validate(design)


def nevergrad_parametrization(space: ParameterSpace, seed: int) -> Any:
    """A seeded ``nevergrad.p.Dict`` over the parameters with more than one value."""
    import nevergrad as ng

    items: dict[str, Any] = {}
    for name, p in space.parameters.items():
        if p.cardinality <= 1:
            continue
        if isinstance(p, Categorical):
            items[name] = ng.p.Choice(p.values())
        elif isinstance(p, Integer):
            cls = ng.p.Log if _log_scaled(p) else ng.p.Scalar
            items[name] = cls(lower=p.low, upper=p.high).set_integer_casting()
        elif isinstance(p, Real):
            items[name] = (ng.p.Log if p.log else ng.p.Scalar)(lower=p.low, upper=p.high)
        else:
            items[name] = ng.p.TransitionChoice(p.values())
    param = ng.p.Dict(**items)
    param.random_state = np.random.RandomState(seed)
    return param


def from_nevergrad(space: ParameterSpace, value: Mapping[str, Any]) -> Design:
    """The design of a Nevergrad candidate's ``value`` (clipped into range, validated)."""
    design: Design = {}
    for name, p in space.parameters.items():
        if p.cardinality <= 1:
            design[name] = p.value_at(0)
            continue
        v = value[name]
        if isinstance(v, np.generic):
            v = v.item()
        if isinstance(p, Integer):
            v = min(max(int(round(v)), p.low), p.high)
        elif isinstance(p, Real):
            v = min(max(float(v), p.low), p.high)
        design[name] = v
    return space.validate(design)
