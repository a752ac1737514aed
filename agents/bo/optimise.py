"""Acquisition optimisation over a discrete (or gridded) design space.

Two optimisers, both returning index vectors of designs not evaluated yet:

* :func:`optimise_discrete` (default, ``optimizer="pool"``) scores a candidate pool built by
  :func:`candidate_pool` — every unseen design when the space is small, else uniform random
  designs plus every one-parameter neighbour of the best designs so far — with BoTorch's
  ``optimize_acqf_discrete`` (sequential greedy for ``q > 1``);
* :func:`optimise_mixed` (``optimizer="mixed_alternating"``) runs BoTorch's
  ``optimize_acqf_mixed_alternating`` (alternating discrete neighbourhood moves and
  categorical moves from many starts) in index space, then replaces any repeat by the best
  unseen pool candidate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from archgym.agents.bo.encoding import SpaceEncoding

if TYPE_CHECKING:
    pass

__all__ = ["candidate_pool", "initial_design", "optimise_discrete", "optimise_mixed"]


def initial_design(encoding: SpaceEncoding, space_size: int | None, n: int, seed: int, rng: np.random.Generator) -> list[tuple[int, ...]]:
    """The first ``n`` distinct designs of a BO search (index tuples): a scrambled Sobol
    sequence seeded with ``seed`` mapped onto the space, topped up with random designs from
    ``rng`` when the Sobol points collide (never more than ``space_size`` designs)."""
    import torch
    from torch.quasirandom import SobolEngine

    init: list[tuple[int, ...]] = []
    if encoding.dim:
        u = SobolEngine(encoding.dim, scramble=True, seed=seed).draw(n, dtype=torch.float64).numpy()
        for row in encoding.from_unit(u):
            key = tuple(int(v) for v in row)
            if key not in init:
                init.append(key)
    while len(init) < n and (space_size is None or len(init) < space_size):
        key = tuple(int(v) for v in rng.integers(0, encoding.nvec))
        if key not in init:
            init.append(key)
    return init


def candidate_pool(
    encoding: SpaceEncoding,
    seen: set[tuple[int, ...]],
    best: np.ndarray,
    rng: np.random.Generator,
    pool_size: int = 2048,
) -> np.ndarray:
    """Unseen designs to score, index matrix of shape ``(n, d)``.

    Args:
        encoding: the space's encoding.
        seen: index tuples already evaluated (excluded).
        best: index vectors of the best designs so far, shape ``(k, d)``; all their
            one-parameter neighbours join the pool.
        rng: the agent's generator.
        pool_size: random designs in the pool (the whole space when it is this small).
    """
    nvec = encoding.nvec
    d = len(nvec)
    size = int(np.prod(nvec.astype(float)))
    if size <= pool_size:
        grid = np.stack(np.unravel_index(np.arange(size), tuple(nvec)), axis=1).astype(np.int64)
        rows = grid
    else:
        rand = rng.integers(0, nvec, size=(pool_size, d))
        neigh = []
        for b in np.asarray(best, dtype=np.int64).reshape(-1, d):
            for j in encoding.active:
                block = np.tile(b, (int(nvec[j]), 1))
                block[:, j] = np.arange(nvec[j])
                neigh.append(block)
        rows = np.vstack([rand, *neigh]) if neigh else rand
    rows = np.unique(rows, axis=0)
    keep = np.fromiter((tuple(r) not in seen for r in rows.tolist()), bool, len(rows))
    return rows[keep]


def optimise_discrete(acqf, encoding: SpaceEncoding, pool: np.ndarray, q: int) -> np.ndarray:
    """The ``q`` pool members maximising the acquisition (sequential greedy), shape ``(q', d)``."""
    import torch
    from botorch.optim import optimize_acqf_discrete

    if len(pool) == 0:
        return np.zeros((0, len(encoding.nvec)), dtype=np.int64)
    choices = torch.as_tensor(encoding.to_inputs(pool), dtype=torch.float64)
    q = min(int(q), len(pool))
    x, _ = optimize_acqf_discrete(acqf, q=q, choices=choices, unique=True, max_batch_size=1024)
    return encoding.from_inputs(x.detach().cpu().numpy())


def optimise_mixed(
    acqf,
    encoding: SpaceEncoding,
    q: int,
    seen: set[tuple[int, ...]],
    pool: np.ndarray,
    *,
    raw_samples: int = 256,
    num_restarts: int = 4,
) -> np.ndarray:
    """``optimize_acqf_mixed_alternating`` over the GP inputs; repeats replaced from ``pool``.

    Returns:
        index matrix of at most ``q`` distinct unseen designs.
    """
    import torch
    from botorch.optim import optimize_acqf_mixed_alternating

    bounds = torch.as_tensor(encoding.bounds(), dtype=torch.float64)
    values = {i: [float(v) for v in c] for i, c in enumerate(encoding.coords)}
    discrete = {i: values[i] for i in encoding.ord_dims}
    cats = {i: values[i] for i in encoding.cat_dims}
    x, _ = optimize_acqf_mixed_alternating(
        acqf,
        bounds=bounds,
        discrete_dims=discrete or None,
        cat_dims=cats or None,
        q=int(q),
        raw_samples=raw_samples,
        num_restarts=num_restarts,
    )
    out: list[np.ndarray] = []
    taken = set(seen)
    for row in encoding.from_inputs(x.detach().cpu().numpy()):
        key = tuple(int(v) for v in row)
        if key not in taken:
            out.append(row)
            taken.add(key)
    if len(out) < q and len(pool):
        spare = [r for r in pool if tuple(int(v) for v in r) not in taken]
        if spare:
            extra = optimise_discrete(acqf, encoding, np.asarray(spare), q - len(out))
            out.extend(extra)
    return np.asarray(out, dtype=np.int64).reshape(-1, len(encoding.nvec))
