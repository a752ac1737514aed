"""Werner-state fidelity algebra: entanglement swap, BBPSSW distillation and T2 dephasing.

Every pair is tracked by its fidelity F with the target Bell state and assumed to be a
Werner state (a Bell state mixed with white noise, ``ρ = F|Φ⁺⟩⟨Φ⁺| + (1−F)/3 (I − |Φ⁺⟩⟨Φ⁺|)``),
re-twirled after every operation, as in Skrzypczyk & Wehner (arXiv 2111.13124).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["dephase", "distill_fidelity", "distill_success", "swap_fidelity", "werner_parameter"]


def werner_parameter(fidelity: ArrayLike) -> np.ndarray | float:
    """The Werner parameter ``w = (4F − 1)/3`` (1 for a Bell pair, 0 for white noise)."""
    return (4.0 * np.asarray(fidelity, dtype=float) - 1.0) / 3.0


def swap_fidelity(f1: ArrayLike, f2: ArrayLike) -> np.ndarray | float:
    """Fidelity after swapping two Werner pairs: ``F = 4/3·F₁F₂ − F₁/3 − F₂/3 + 1/3``.

    Equivalent to multiplying the Werner parameters (``w = w₁w₂``). Swapping is deterministic.
    """
    f1 = np.asarray(f1, dtype=float)
    f2 = np.asarray(f2, dtype=float)
    out = 4.0 / 3.0 * f1 * f2 - f1 / 3.0 - f2 / 3.0 + 1.0 / 3.0
    return float(out) if out.ndim == 0 else out


def distill_success(f1: ArrayLike, f2: ArrayLike) -> np.ndarray | float:
    """Success probability of BBPSSW distillation of two Werner pairs.

    With ``a = F₁F₂``, ``b = (1−F₁)/3``, ``c = (1−F₂)/3``: ``p = a + F₁·c + F₂·b + 5·b·c``.
    """
    f1 = np.asarray(f1, dtype=float)
    f2 = np.asarray(f2, dtype=float)
    b = (1.0 - f1) / 3.0
    c = (1.0 - f2) / 3.0
    out = f1 * f2 + f1 * c + f2 * b + 5.0 * b * c
    return float(out) if out.ndim == 0 else out


def distill_fidelity(f1: ArrayLike, f2: ArrayLike) -> np.ndarray | float:
    """Fidelity of the kept pair after successful distillation, ``(a + b·c) / p``.

    ``a``, ``b``, ``c`` and ``p`` as in :func:`distill_success`. Two pairs at ``F = 0.5``
    give 0.5 (no gain); below 0.5 distillation makes things worse.
    """
    f1 = np.asarray(f1, dtype=float)
    f2 = np.asarray(f2, dtype=float)
    b = (1.0 - f1) / 3.0
    c = (1.0 - f2) / 3.0
    out = (f1 * f2 + b * c) / distill_success(f1, f2)
    return float(out) if np.ndim(out) == 0 else out


def dephase(fidelity: ArrayLike, wait_s: ArrayLike, t2_s: float) -> np.ndarray | float:
    """Fidelity of a Werner pair after both its qubits dephase for ``wait_s`` seconds.

    Pure dephasing with coherence time ``T2`` multiplies each qubit's coherences by
    ``exp(−t/T2)``, so the pair's by ``λ = exp(−2t/T2)``; it moves weight between |Φ⁺⟩ and
    |Φ⁻⟩: ``F' = F·(1+λ)/2 + (1−F)/3·(1−λ)/2`` (re-twirled to a Werner state). A perfect pair
    stored forever tends to 1/2.

    Args:
        fidelity: fidelity before storage.
        wait_s: storage time of each qubit, in seconds (≥ 0).
        t2_s: the memory's T2, in seconds.
    """
    f = np.asarray(fidelity, dtype=float)
    lam = np.exp(-2.0 * np.asarray(wait_s, dtype=float) / t2_s)
    out = f * (1.0 + lam) / 2.0 + (1.0 - f) / 3.0 * (1.0 - lam) / 2.0
    return float(out) if np.ndim(out) == 0 else out
