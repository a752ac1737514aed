"""N:M patterns, pruning schemes and the accuracy-cost estimate.

A *scheme* says which training GEMMs run N:M sparse:

| scheme | FF (Y = W·X) | BP (dX = Wᵀ·dY) | WU (dW = dY·Xᵀ) | SORE passes per iteration |
|---|---|---|---|---|
| ``dense`` | dense | dense | dense | 0 |
| ``sr_ste`` (forward-only N:M, SR-STE style) | N:M | dense (W̃ is N:M along the FF reduction, not along BP's) | dense | 1 (FF direction) |
| ``bdwp`` (bidirectional weight pruning) | N:M | N:M (pruned along the transposed direction) | dense | 2 (FF and BP directions) |

The accuracy cost has one published point, BDWP at 2:8 → 0.56 % (Fang et al., TCAD 2023).
Every other non-dense value comes from the stated heuristic :func:`accuracy_cost` and is
flagged as an assumption.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from archgym.simulators.sparse_sat.constants import PAPER_ACCURACY_COST_PCT

PATTERNS: tuple[str, ...] = ("dense", "2:4", "1:4", "2:8", "1:8", "2:16", "1:16")
SCHEMES: tuple[str, ...] = ("dense", "sr_ste", "bdwp")


@dataclass(frozen=True)
class Sparsity:
    """The sparsity actually applied to one training run.

    Attributes:
        scheme: ``"dense"``, ``"sr_ste"`` or ``"bdwp"`` (``"dense"`` whenever the pattern is dense).
        n, m: the N:M pattern (``n == m`` when dense).
        ff_sparse, bp_sparse: whether the FF and BP GEMMs run N:M sparse.
    """

    scheme: str
    n: int
    m: int

    @property
    def dense(self) -> bool:
        return self.scheme == "dense"

    @property
    def ff_sparse(self) -> bool:
        return self.scheme in ("sr_ste", "bdwp")

    @property
    def bp_sparse(self) -> bool:
        return self.scheme == "bdwp"

    @property
    def density(self) -> float:
        """Fraction of weights kept, ``n / m``."""
        return self.n / self.m

    @property
    def index_bits(self) -> int:
        """Bits of position index stored with each non-zero: ``⌈log2 m⌉`` (0 when dense)."""
        return 0 if self.dense else math.ceil(math.log2(self.m))

    def ideal_speedup(self) -> float:
        """MAC-count bound of the training speed-up over dense: three equal GEMMs, the sparse ones × n/m.

        ``bdwp``: ``3 / (2·n/m + 1)``; ``sr_ste``: ``3 / (n/m + 2)``; ``dense``: 1.
        """
        d = self.density
        if self.scheme == "bdwp":
            return 3.0 / (2.0 * d + 1.0)
        if self.scheme == "sr_ste":
            return 3.0 / (d + 2.0)
        return 1.0


def parse_pattern(pattern: str) -> tuple[int, int]:
    """``"2:8"`` → ``(2, 8)``; ``"dense"`` → ``(1, 1)``.

    Raises:
        ValueError: not ``"dense"`` nor ``"N:M"`` with ``1 <= N <= M``.
    """
    if pattern == "dense":
        return 1, 1
    try:
        n_text, m_text = pattern.split(":")
        n, m = int(n_text), int(m_text)
    except ValueError:
        raise ValueError(f"N:M pattern {pattern!r} must look like '2:8' or be 'dense'") from None
    if not 1 <= n <= m:
        raise ValueError(f"N:M pattern {pattern!r} needs 1 <= N <= M")
    return n, m


def make_sparsity(scheme: str, pattern: str) -> Sparsity:
    """The effective :class:`Sparsity` of a (scheme, pattern) pair (dense if either is dense)."""
    if scheme not in SCHEMES:
        raise ValueError(f"unknown pruning scheme {scheme!r}; allowed: {', '.join(SCHEMES)}")
    n, m = parse_pattern(pattern)
    if scheme == "dense" or n == m:
        return Sparsity("dense", 1, 1)
    return Sparsity(scheme, n, m)


#: ASSUMPTION: forward-only pruning (SR-STE) keeps the backward pass exact, so it is taken to
#: lose 80 % of what BDWP loses at the same pattern.
SR_STE_RELATIVE_COST = 0.8


def accuracy_cost(sp: Sparsity) -> tuple[float, bool]:
    """Estimated top-1 accuracy loss (percentage points) vs dense training, and whether it is assumed.

    Returns ``(0.0, False)`` for dense training and the paper's 0.56 % for BDWP 2:8. Otherwise
    the ASSUMPTION ``0.56 · (s / 0.75)² · sqrt(8 / m)`` with ``s = 1 − n/m`` the sparsity: the loss
    grows with the square of sparsity (anchored at 2:8's 75 %) and larger groups lose less at the
    same sparsity (the N:M literature's 2:8-beats-1:4 observation), times
    :data:`SR_STE_RELATIVE_COST` for forward-only pruning. Flagged ``True`` (assumed).
    """
    if sp.dense:
        return 0.0, False
    published = PAPER_ACCURACY_COST_PCT.get((sp.scheme, sp.n, sp.m))
    if published is not None:
        return published, False
    base = PAPER_ACCURACY_COST_PCT[("bdwp", 2, 8)]
    s = 1.0 - sp.density
    cost = base * (s / 0.75) ** 2 * math.sqrt(8.0 / sp.m)
    if sp.scheme == "sr_ste":
        cost *= SR_STE_RELATIVE_COST
    return cost, True
