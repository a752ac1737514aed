"""Acquisition functions: qLogEI for one objective; for 2-3, analytic EHVI (one design a
iteration) or qLogNEHVI (batches); qLogNParEGO beyond."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from archgym.objective import pareto_front

if TYPE_CHECKING:
    import torch

__all__ = ["build_acquisition", "reference_point"]


def reference_point(train_y: np.ndarray, given: np.ndarray | None = None) -> np.ndarray:
    """The hypervolume reference point ('larger is better' vectors).

    The objective's own reference point when some observation strictly dominates it; otherwise
    the nadir of the observed Pareto front lowered by 10 % of its range (a standard heuristic),
    so the hypervolume improvement is never zero everywhere.

    Args:
        train_y: observed vectors, shape ``(n, m)``.
        given: the objective's reference point, shape ``(m,)``, or ``None``.
    """
    y = np.asarray(train_y, dtype=np.float64)
    if given is not None and np.any(np.all(y > given, axis=1)):
        return np.asarray(given, dtype=np.float64)
    front = y[pareto_front(y)]
    lo, hi = front.min(axis=0), y.max(axis=0)
    span = np.where(hi - lo > 0, hi - lo, np.maximum(np.abs(lo), 1.0))
    return lo - 0.1 * span


def build_acquisition(
    model,
    train_x: torch.Tensor,
    train_y: torch.Tensor,
    *,
    mc_samples: int = 128,
    seed: int = 0,
    ref_point: np.ndarray | None = None,
    max_hv_objectives: int = 3,
    multi_objective: str = "ehvi",
    n_constraints: int = 0,
):
    """The acquisition function for ``model``.

    One objective (``train_y`` of shape ``(n, 1)``): ``qLogExpectedImprovement`` over the best
    observed target. Several (``(n, m)``, ``m >= 2``): ``qLogNoisyExpectedHypervolumeImprovement``
    with ``train_x`` as baseline and :func:`reference_point`. Beyond ``max_hv_objectives``
    objectives the hypervolume's box decomposition explodes (7 objectives took ~40 s per
    iteration), so ``qLogNParEGO`` is used instead: a random augmented-Chebyshev scalarisation
    per iteration (weights drawn from the seed). Quasi-Monte-Carlo samples from a
    seeded Sobol sampler, so the acquisition is deterministic for a given seed.

    ``multi_objective="ehvi"`` (for 2-3 objectives, one design per iteration) uses the analytic
    expected hypervolume improvement over the observed Pareto front instead
    (``ExpectedHypervolumeImprovement``, Yang et al. 2019): exact for ``q = 1``, with no Monte-Carlo
    samples and no joint posterior over the observed designs, which is where qLogNEHVI spends its
    time (it integrates over the noise of every observation; ArchGym's simulators are
    deterministic, so the observed front is the front). Measured on ``dram-cloud1-mo``, 100 calls:
    see docs/agents.md.

    ``n_constraints = k > 0``: ``train_y`` is ``(n, 1 + k)``, the objective then ``k`` constraint
    outputs that are <= 0 where a limit holds. qLogEI of output 0 over the best observed design
    meeting every limit (over the worst observed objective when none does yet), each sample
    weighted by a smooth indicator that every constraint output is <= 0 (constrained EI).
    """
    import torch
    from botorch.acquisition.logei import qLogExpectedImprovement
    from botorch.acquisition.multi_objective.logei import qLogNoisyExpectedHypervolumeImprovement
    from botorch.sampling.normal import SobolQMCNormalSampler

    sampler = SobolQMCNormalSampler(sample_shape=torch.Size([int(mc_samples)]), seed=int(seed))
    if n_constraints:
        from botorch.acquisition.objective import GenericMCObjective

        k = int(n_constraints)
        if train_y.shape[-1] != 1 + k:
            raise ValueError(f"{k} constraints need train_y of shape (n, {1 + k}), got {tuple(train_y.shape)}")
        ok = (train_y[:, 1:] <= 0).all(dim=-1)
        best_f = train_y[ok, 0].max() if bool(ok.any()) else train_y[:, 0].min()
        return qLogExpectedImprovement(
            model, best_f=best_f, sampler=sampler, objective=GenericMCObjective(lambda z, X=None: z[..., 0]),
            constraints=[(lambda z, i=i: z[..., i]) for i in range(1, 1 + k)],
        )
    if train_y.shape[-1] == 1:
        return qLogExpectedImprovement(model, best_f=train_y.max(), sampler=sampler)
    if train_y.shape[-1] > max_hv_objectives:
        from botorch.acquisition.multi_objective.parego import qLogNParEGO

        gen = torch.Generator().manual_seed(int(seed))
        u = torch.rand(train_y.shape[-1], generator=gen, dtype=torch.float64)
        weights = -torch.log(u)
        weights = weights / weights.sum()  # uniform on the simplex
        return qLogNParEGO(model, X_baseline=train_x, scalarization_weights=weights, sampler=sampler, prune_baseline=True)
    ref = reference_point(train_y.detach().cpu().numpy(), ref_point)
    if multi_objective == "ehvi":
        from botorch.acquisition.multi_objective.analytic import ExpectedHypervolumeImprovement
        from botorch.utils.multi_objective.box_decompositions.non_dominated import FastNondominatedPartitioning

        ref_t = torch.as_tensor(ref, dtype=train_y.dtype)
        partitioning = FastNondominatedPartitioning(ref_point=ref_t, Y=train_y)
        return ExpectedHypervolumeImprovement(model, ref_point=ref_t.tolist(), partitioning=partitioning)
    if multi_objective != "qlognehvi":
        raise ValueError(f"multi_objective must be 'ehvi' or 'qlognehvi', got {multi_objective!r}")
    return qLogNoisyExpectedHypervolumeImprovement(
        model, ref_point=ref.tolist(), X_baseline=train_x, sampler=sampler, prune_baseline=True
    )
