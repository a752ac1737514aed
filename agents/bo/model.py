"""GP fitting and the bound on its training cost."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import numpy as np

from archgym.agents.bo.encoding import SpaceEncoding

if TYPE_CHECKING:
    import torch

__all__ = ["fit_model", "hyperparameters", "select_training"]

logger = logging.getLogger(__name__)


def select_training(y: np.ndarray, max_train: int, rng: np.random.Generator) -> np.ndarray:
    """Rows to train the GP on: all of them up to ``max_train``, else the best half plus a random rest.

    Exact GP fitting costs O(n³); capping the training set keeps every BO iteration bounded
    however large the budget. The best ``max_train // 2`` rows keep the model accurate where
    the acquisition looks; a uniform sample of the others keeps its global picture.

    Args:
        y: targets, shape ``(n,)`` (single objective) or ``(n, m)`` (ranked by the row mean).
        max_train: the cap (>= 2).
        rng: the agent's generator.

    Returns:
        sorted row indices, shape ``(min(n, max_train),)``.
    """
    y = np.asarray(y, dtype=np.float64)
    n = len(y)
    if n <= max_train:
        return np.arange(n)
    score = y if y.ndim == 1 else y.mean(axis=1)
    order = np.argsort(-score, kind="stable")
    top = order[: max_train // 2]
    rest = rng.choice(order[max_train // 2 :], size=max_train - len(top), replace=False)
    return np.sort(np.concatenate([top, rest]))


def fit_model(
    train_x: torch.Tensor,
    train_y: torch.Tensor,
    encoding: SpaceEncoding,
    maxiter: int = 50,
    warm_start: dict[str, torch.Tensor] | None = None,
    train_yvar: torch.Tensor | None = None,
):
    """Fit a GP to ``train_x`` (``(n, dim)`` index-space inputs) and ``train_y`` (``(n, m)``).

    A ``MixedSingleTaskGP`` (product and sum of a Matérn kernel over ordered inputs and a
    Hamming kernel over categorical ones) when the space has categorical parameters, else a
    ``SingleTaskGP``; ordered inputs normalised to ``[0, 1]`` with the known bounds
    (``Normalize``), outcomes standardised (``Standardize``). Hyper-parameters by maximum
    marginal likelihood with L-BFGS-B capped at ``maxiter`` iterations (an uncapped fit of the
    mixed kernel took up to ~10 s on 10 points; capped, ~0.3-1.5 s up to 128 points); a fit that
    fails keeps the priors' values (logged). ``warm_start`` (see :func:`hyperparameters`) starts
    the optimiser from an earlier fit's kernel, mean and noise hyper-parameters, which cuts the
    iterations a refit after one more observation needs.

    Returns:
        the fitted BoTorch model (eval mode).
    """
    import torch
    from botorch.exceptions.errors import ModelFittingError
    from botorch.fit import fit_gpytorch_mll
    from botorch.models import MixedSingleTaskGP, SingleTaskGP
    from botorch.models.transforms.input import Normalize
    from botorch.models.transforms.outcome import Standardize
    from gpytorch.mlls import ExactMarginalLogLikelihood

    m = train_y.shape[-1]
    bounds = torch.as_tensor(encoding.bounds(), dtype=train_x.dtype)
    ords = list(encoding.ord_dims)
    normalize = Normalize(encoding.dim, indices=ords, bounds=bounds) if ords else None
    if encoding.cat_dims:
        model = MixedSingleTaskGP(
            train_x, train_y, cat_dims=list(encoding.cat_dims), train_Yvar=train_yvar, input_transform=normalize,
            outcome_transform=Standardize(m),
        )
    else:
        model = SingleTaskGP(train_x, train_y, train_Yvar=train_yvar, input_transform=normalize, outcome_transform=Standardize(m))
    if warm_start:
        own = model.state_dict()
        same = {k: v for k, v in warm_start.items() if k in own and own[k].shape == v.shape}
        model.load_state_dict(same, strict=False)
    mll = ExactMarginalLogLikelihood(model.likelihood, model)
    try:
        fit_gpytorch_mll(mll, optimizer_kwargs={"options": {"maxiter": int(maxiter)}})
    except (ModelFittingError, RuntimeError, ValueError) as exc:  # keep the priors' hyper-parameters
        logger.warning("GP fit failed (%s); using the prior hyper-parameters", exc)
    model.eval()
    return model


def hyperparameters(model) -> dict[str, torch.Tensor]:
    """A fitted model's kernel, mean and noise hyper-parameters (for ``fit_model(warm_start=...)``).

    The input and outcome transforms are left out: they depend on the training data.
    """
    return {
        k: v.detach().clone()
        for k, v in model.state_dict().items()
        if not k.startswith(("outcome_transform", "input_transform"))
    }
