"""Bayesian optimisation with BoTorch, in three separately testable steps.

* :mod:`~archgym.agents.bo.encoding` — the design space as GP inputs (index space, ordered
  dimensions normalised, categorical dimensions kept as category codes) and the reward
  transformation;
* :mod:`~archgym.agents.bo.model` — :func:`fit_model` (GP fitting) and
  :func:`select_training` (the bound on training cost);
* :mod:`~archgym.agents.bo.acquisition` — :func:`build_acquisition` (qLogEI or qLogNEHVI);
* :mod:`~archgym.agents.bo.optimise` — :func:`candidate_pool`, :func:`optimise_discrete`,
  :func:`optimise_mixed` (acquisition optimisation);
* :mod:`~archgym.agents.bo.agent` — :class:`BayesianOptimisation`, the agent (``"bo"``).

torch and BoTorch are imported inside the functions that use them, so loading the agent class
(e.g. for ``archgym list``) stays light.
"""

from archgym.agents.bo.acquisition import build_acquisition, reference_point
from archgym.agents.bo.agent import BayesianOptimisation
from archgym.agents.bo.encoding import SpaceEncoding, transform_rewards
from archgym.agents.bo.model import fit_model, select_training
from archgym.agents.bo.optimise import candidate_pool, optimise_discrete, optimise_mixed

__all__ = [
    "BayesianOptimisation",
    "SpaceEncoding",
    "build_acquisition",
    "candidate_pool",
    "fit_model",
    "optimise_discrete",
    "optimise_mixed",
    "reference_point",
    "select_training",
    "transform_rewards",
]
