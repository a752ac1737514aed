"""The field's baseline optimisers as ArchGym agents, through adapters (not re-implementations).

| name | optimiser | library |
|---|---|---|
| ``optuna-tpe`` | Tree-structured Parzen estimator (``TPESampler``) | Optuna |
| ``optuna-cmaes`` | CMA-ES (``CmaEsSampler``; categoricals sampled independently) | Optuna + cmaes |
| ``optuna-nsga2`` | NSGA-II (``NSGAIISampler``) | Optuna |
| ``optuna-gp`` | Gaussian-process BO (``GPSampler``) | Optuna + torch |
| ``nevergrad-ngopt`` | NGOpt, Nevergrad's algorithm selector | Nevergrad |
| ``nevergrad-oneplusone`` | (1+1) evolution strategy | Nevergrad |
| ``nevergrad-de`` | differential evolution | Nevergrad |

Each adapter drives the library's ask/tell interface over a parametrization built from the
:class:`~archgym.space.ParameterSpace` (:mod:`~archgym.agents.baselines.spaces`): ordered knobs
stay ordered, categoricals categorical. They are ordinary :class:`~archgym.agents.Agent`
subclasses, so they spend the same budget of unique simulator calls through the same
environment and logging path as every other agent. Optuna and Nevergrad are an optional extra
(``pip install archgym[baselines]``); the libraries are imported when a search starts, so
listing the agents needs neither.
"""

from archgym.agents.baselines.spaces import nevergrad_parametrization, optuna_distributions

__all__ = ["nevergrad_parametrization", "optuna_distributions"]
