"""Multi-fidelity BO over arrays: the fidelity as a GP input, cost-aware acquisition, prior mean.

Everything here works on index matrices (designs encoded by the BO agent's
:class:`~archgym.agents.bo.encoding.SpaceEncoding`), tier indices and GP targets, so the
agents in :mod:`archgym.agents.mf_bo` only translate records into arrays.

* :func:`fidelity_encoding` — the design encoding plus one ordered column, the tier, at
  coordinates ``0 .. 1`` (cheapest .. top): one encoding, one GP input space for design × fidelity;
* :func:`reward_variance` — a metric-level uncertainty (the proxy's ``std`` per metric)
  carried through the objective to the reward (finite differences, errors independent);
* :func:`target_variance` — that variance in GP-target units (``log`` targets: ``var / r²``);
* :func:`fit_mf_gp` — the GP over design × fidelity: the BO agent's
  :func:`~archgym.agents.bo.model.fit_model` on the augmented inputs (Matérn over ordered
  columns incl. the fidelity, Hamming over categorical ones), with fixed per-row noise when
  some rows carry a known variance;
* :func:`mf_mes_scores` — BoTorch's ``qMultiFidelityMaxValueEntropy`` with an
  ``InverseCostWeightedUtility`` over the tiers' declared costs: information about the
  top tier's maximum per unit cost, for every (design, tier) pair of a candidate pool;
* :func:`prior_mean_scores` — the simpler variant: a GP of the cheap tier whose posterior mean
  is the prior mean of the top tier's GP (which models the residual), scored by expected
  improvement.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from archgym.agents.bo.encoding import SpaceEncoding

__all__ = [
    "NOISE_FLOOR",
    "expected_improvement",
    "fidelity_encoding",
    "fit_mf_gp",
    "mf_mes_scores",
    "prior_mean_scores",
    "reward_stds",
    "reward_variance",
    "target_variance",
    "uncertainty_sources",
]

logger = logging.getLogger(__name__)

#: noise variance of rows without a known one, as a share of the targets' variance, when
#: other rows carry a known variance (a fixed-noise GP needs one for every row)
NOISE_FLOOR = 1e-4


def fidelity_encoding(encoding: SpaceEncoding, n_tiers: int) -> SpaceEncoding:
    """``encoding`` plus the tier as the last (ordered) column, coordinates ``linspace(0, 1, T)``.

    Index matrices of the augmented encoding are ``[design index..., tier]``. With one tier the
    column is inactive (dropped like any single-valued parameter).
    """
    if n_tiers < 1:
        raise ValueError(f"n_tiers must be >= 1, got {n_tiers}")
    d = len(encoding.nvec)
    nvec = np.append(encoding.nvec, n_tiers).astype(encoding.nvec.dtype)
    if n_tiers == 1:
        return replace(encoding, nvec=nvec)
    k = encoding.dim
    return SpaceEncoding(
        nvec=nvec,
        active=np.append(encoding.active, d),
        cat_dims=encoding.cat_dims,
        ord_dims=(*encoding.ord_dims, k),
        coords=(*encoding.coords, np.linspace(0.0, 1.0, n_tiers)),
    )


def mf_index(keys: np.ndarray, tiers: np.ndarray) -> np.ndarray:
    """``[keys | tier]``: the augmented index matrix."""
    keys = np.asarray(keys, dtype=np.int64).reshape(len(tiers), -1)
    return np.column_stack([keys, np.asarray(tiers, dtype=np.int64)])


def reward_variance(reward_of: Callable[[Mapping[str, float]], float], metrics: Mapping[str, float],
                    std: Mapping[str, float]) -> float:
    """Variance of the reward implied by independent metric errors of standard deviation ``std``.

    ``Σ_i ((r(m + s_i e_i) − r(m − s_i e_i)) / 2)²`` — the central finite difference of the
    objective along each metric, one standard deviation each way (exact for an objective linear
    in the metrics; for a target-spec reward it captures the kink's side the metric sits on).
    A metric that is >= 0 is not stepped below 0 (one-sided there: latencies, energies are
    never negative). A non-finite reward on either side counts as zero change.
    """
    var = 0.0
    for name, s in std.items():
        if name not in metrics or not np.isfinite(s) or s <= 0:
            continue
        up, down = dict(metrics), dict(metrics)
        up[name] = metrics[name] + s
        down[name] = max(metrics[name] - s, 0.0) if metrics[name] >= 0 else metrics[name] - s
        ru, rd = reward_of(up), reward_of(down)
        if np.isfinite(ru) and np.isfinite(rd):
            var += ((ru - rd) / 2.0) ** 2
    return float(var)


def uncertainty_sources(base: Any) -> dict[int, tuple[Any, str, Any]]:
    """``{tier index: (simulator, workload, objective)}`` for every tier of the (unwrapped)
    environment ``base`` whose simulator reports a calibrated per-prediction uncertainty (a
    :class:`~archgym.proxy.ProxySimulator` with a calibrated model: ``uncertainty(designs,
    workload) -> {metric: std}``). The simulator is rebuilt from the tier (never the env's
    evaluator); a tier that cannot be rebuilt or has no calibrated uncertainty is left out."""
    from archgym.simulator import make_simulator

    out: dict[int, tuple[Any, str, Any]] = {}
    for t, tier in enumerate(getattr(base, "tiers", [])):
        try:
            sim = make_simulator(tier.simulator, **dict(tier.simulator_kwargs))
        except Exception as exc:  # noqa: BLE001 - a tier we cannot rebuild gets no uncertainty
            logger.info("tier %s: no uncertainty (%s)", tier.name, exc)
            continue
        if not hasattr(sim, "uncertainty") or not getattr(getattr(sim, "model", None), "calibrated", False):
            continue
        objective = base.tier_env(t).objective if hasattr(base, "tier_env") else base.objective
        out[t] = (sim, tier.workload_for(base.workload), objective)
        logger.info("tier %s: the proxy's calibrated std is known per prediction", tier.name)
    return out


def reward_stds(source: tuple[Any, str, Any], designs: Sequence[Mapping[str, Any]],
                metrics: Sequence[Mapping[str, float]]) -> np.ndarray:
    """The reward's standard deviation of each design (``(n,)``) from one uncertainty source of
    :func:`uncertainty_sources`: one batched ``uncertainty`` call, then :func:`reward_variance`
    through the tier's objective."""
    sim, workload, objective = source
    if not designs:
        return np.zeros(0)
    names = getattr(objective, "metric_names", None)  # only the metrics the reward depends on
    try:
        std = sim.uncertainty(list(designs), workload, metrics=names)
    except TypeError:  # an uncertainty() without a metrics argument
        std = sim.uncertainty(list(designs), workload)

    def reward_of(m: Mapping[str, float]) -> float:
        return float(objective.score(m).reward)

    return np.sqrt([reward_variance(reward_of, m, {k: float(v[i]) for k, v in std.items()}) for i, m in enumerate(metrics)])


def target_variance(reward: np.ndarray, reward_var: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Reward variances in GP-target units: ``var / r²`` where the targets are ``log(reward)``
    (detected as ``targets == log(reward)``), else unchanged; ``nan`` stays ``nan`` (unknown)."""
    reward = np.asarray(reward, dtype=np.float64)
    var = np.asarray(reward_var, dtype=np.float64).copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        logged = (reward > 0) & np.isclose(targets, np.log(np.where(reward > 0, reward, 1.0)))
    is_log = bool(logged.any()) and not np.any((reward > 0) & ~logged & np.isfinite(var))
    if is_log:
        var = np.where(reward > 0, var / np.maximum(reward, 1e-300) ** 2, var)
    return var


def fit_mf_gp(enc_mf: SpaceEncoding, index: np.ndarray, y: np.ndarray, yvar: np.ndarray | None = None,
              maxiter: int = 50, warm: dict | None = None):
    """Fit the GP over design × fidelity on augmented index rows ``index`` and targets ``y``.

    ``yvar`` (``nan`` = unknown): when some rows have a known variance, the GP's noise is fixed
    per row — known rows their variance, the others :data:`NOISE_FLOOR` × var(y); when none
    does, one noise level is learned.
    """
    import torch

    from archgym.agents.bo.model import fit_model

    x = torch.as_tensor(enc_mf.to_inputs(index), dtype=torch.float64)
    yt = torch.as_tensor(np.asarray(y, dtype=np.float64).reshape(-1, 1))
    train_yvar = None
    if yvar is not None and np.isfinite(yvar).any():
        floor = NOISE_FLOOR * max(float(np.var(y)), 1e-12)
        v = np.where(np.isfinite(yvar), np.maximum(yvar, floor), floor)
        train_yvar = torch.as_tensor(v.reshape(-1, 1), dtype=torch.float64)
    return fit_model(x, yt, enc_mf, maxiter, warm, train_yvar=train_yvar)


def _cost_model(costs: Sequence[float]):
    """A deterministic cost model: the tier coordinate (last input column) -> that tier's cost
    (piecewise-linear between the declared costs; only the tier coordinates are ever queried)."""
    import torch
    from botorch.models.deterministic import GenericDeterministicModel

    c = torch.as_tensor(np.asarray(costs, dtype=np.float64))

    def cost(x: torch.Tensor) -> torch.Tensor:
        s = x[..., -1].clamp(0.0, 1.0)
        if len(c) == 1:
            return c[0].expand(s.shape).unsqueeze(-1)
        pos = s * (len(c) - 1)
        lo = pos.floor().long().clamp(max=len(c) - 2)
        frac = pos - lo.to(pos.dtype)
        return (c[lo] * (1 - frac) + c[lo + 1] * frac).unsqueeze(-1)

    return GenericDeterministicModel(cost, num_outputs=1)


def mf_mes_scores(model, enc_mf: SpaceEncoding, candidates: np.ndarray, costs: Sequence[float], seed: int,
                  top_pool: np.ndarray | None = None, num_fantasies: int = 8, num_mv_samples: int = 10,
                  batch: int = 256) -> np.ndarray:
    """Cost-weighted multi-fidelity max-value entropy of augmented index rows ``candidates``.

    Args:
        model: the GP from :func:`fit_mf_gp`.
        enc_mf: the augmented encoding.
        candidates: ``(n, d + 1)`` rows ``[design | tier]`` to score.
        costs: declared cost per tier (cheap → top).
        seed: seeds torch (max-value samples, fantasies).
        top_pool: ``(k, d)`` designs whose top-tier values sample the maximum (default: the
            candidates' designs).
    Returns:
        ``(n,)`` scores: information gain about the top tier's maximum / cost of the call.
    """
    import torch
    from botorch.acquisition.cost_aware import InverseCostWeightedUtility
    from botorch.acquisition.max_value_entropy_search import qMultiFidelityMaxValueEntropy

    torch.manual_seed(int(seed))
    n_tiers = len(costs)
    designs = candidates[:, :-1] if top_pool is None else np.asarray(top_pool, dtype=np.int64)
    designs = np.unique(designs, axis=0)
    top_rows = mf_index(designs, np.full(len(designs), n_tiers - 1))
    cand_set = torch.as_tensor(enc_mf.to_inputs(top_rows), dtype=torch.float64)
    utility = InverseCostWeightedUtility(cost_model=_cost_model(costs), use_mean=True)
    k = enc_mf.dim - 1 if n_tiers > 1 else None

    def project(x: torch.Tensor) -> torch.Tensor:
        if k is None:
            return x
        out = x.clone()
        out[..., k] = 1.0
        return out

    acqf = qMultiFidelityMaxValueEntropy(
        model, cand_set, num_fantasies=num_fantasies, num_mv_samples=num_mv_samples,
        cost_aware_utility=utility, project=project,
    )
    x = torch.as_tensor(enc_mf.to_inputs(candidates), dtype=torch.float64).unsqueeze(1)
    out = []
    with torch.no_grad():
        for i in range(0, len(x), batch):
            out.append(acqf(x[i : i + batch]).detach().cpu().numpy().reshape(-1))
    return np.concatenate(out) if out else np.zeros(0)


def expected_improvement(mean: np.ndarray, std: np.ndarray, best: float) -> np.ndarray:
    """``log`` of the analytic expected improvement over ``best`` (maximisation), stable for
    very negative standardised improvements (asymptotic ``log φ(z) − 2 log|z|``)."""
    from scipy.special import log_ndtr

    mean = np.asarray(mean, dtype=np.float64)
    std = np.maximum(np.asarray(std, dtype=np.float64), 1e-12)
    z = (mean - best) / std
    log_phi = -0.5 * z**2 - 0.5 * math.log(2 * math.pi)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        direct = np.log(np.exp(log_phi) + z * np.exp(log_ndtr(z)))
    tail = log_phi - 2.0 * np.log(np.maximum(np.abs(z), 1e-12))
    return np.log(std) + np.where((z > -6) & np.isfinite(direct), direct, tail)


def _posterior(model, enc: SpaceEncoding, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    import torch

    x = torch.as_tensor(enc.to_inputs(keys), dtype=torch.float64)
    with torch.no_grad():
        post = model.posterior(x)
        return post.mean.detach().numpy().reshape(-1), post.variance.detach().numpy().reshape(-1)


def prior_mean_scores(enc: SpaceEncoding, cheap_keys: np.ndarray, cheap_y: np.ndarray, cheap_yvar: np.ndarray | None,
                      top_keys: np.ndarray, top_y: np.ndarray, pool: np.ndarray, maxiter: int = 50,
                      ) -> tuple[np.ndarray, np.ndarray]:
    """``(log EI at the top tier, log EI at the cheap tier)`` of the designs in ``pool``.

    The cheap tier's GP (noise fixed to ``cheap_yvar`` where known) gives ``μ_c``; the top
    tier's GP models the residual ``y_top − μ_c(x)`` (a GP with prior mean ``μ_c``); its
    prediction at ``x`` is ``μ_c(x) + μ_r(x)`` with variance ``σ_c²(x) + σ_r²(x)``. Top-tier EI
    is over the best top-tier target; cheap EI over the best cheap target. Without top-tier
    rows the top-tier prediction is the cheap one.
    """
    import torch

    from archgym.agents.bo.model import fit_model

    cx = torch.as_tensor(enc.to_inputs(cheap_keys), dtype=torch.float64)
    cy = torch.as_tensor(np.asarray(cheap_y, dtype=np.float64).reshape(-1, 1))
    yvar = None
    if cheap_yvar is not None and np.isfinite(cheap_yvar).any():
        floor = NOISE_FLOOR * max(float(np.var(cheap_y)), 1e-12)
        yvar = torch.as_tensor(np.where(np.isfinite(cheap_yvar), np.maximum(cheap_yvar, floor), floor).reshape(-1, 1))
    cheap = fit_model(cx, cy, enc, maxiter, train_yvar=yvar)
    mu_c, var_c = _posterior(cheap, enc, pool)
    ei_cheap = expected_improvement(mu_c, np.sqrt(var_c), float(np.max(cheap_y)))
    if len(top_keys) == 0:
        return ei_cheap, ei_cheap
    mu_top_c, _ = _posterior(cheap, enc, top_keys)
    resid = np.asarray(top_y, dtype=np.float64) - mu_top_c
    if len(top_keys) >= 2:
        rx = torch.as_tensor(enc.to_inputs(top_keys), dtype=torch.float64)
        rmodel = fit_model(rx, torch.as_tensor(resid.reshape(-1, 1)), enc, maxiter)
        mu_r, var_r = _posterior(rmodel, enc, pool)
    else:  # one verified point: a constant offset, the spread of the cheap tier as its doubt
        mu_r, var_r = np.full(len(pool), resid[0]), np.full(len(pool), float(np.var(cheap_y)))
    ei_top = expected_improvement(mu_c + mu_r, np.sqrt(var_c + var_r), float(np.max(top_y)))
    return ei_top, ei_cheap
