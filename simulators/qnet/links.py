"""Link-level entanglement generation: the menu of (fidelity, rate) operating points of a link.

Two link models:

* ``"nv"`` — the hardware-validated NV-centre operating points of the reference
  (``data/nv_link_capabilities.json``: ten points per link length, tabulated every 5 km from
  5 to 50 km; single-click protocol, bright-state parameter swept 0.1–0.5). Between tabulated
  lengths the rate is **interpolated log-linearly** (rates fall roughly exponentially with
  fibre length) and the fidelity linearly (the table's fidelities do not depend on length).
  Lengths outside 5–50 km are refused.
* ``"futuristic"`` — one point, F = 0.999 at 1400 pairs/s, on every link (the reference's
  choice for the SURFnet-like network).

A menu is a tuple of :class:`OperatingPoint` ordered by decreasing fidelity (so increasing rate).
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from importlib import resources

import numpy as np

from archgym.errors import ConfigError

__all__ = ["LINK_MODELS", "OperatingPoint", "link_menu", "nv_table"]

LINK_MODELS: tuple[str, ...] = ("nv", "futuristic")
FUTURISTIC = (0.999, 1400.0)


@dataclass(frozen=True)
class OperatingPoint:
    """One way to run a link.

    Attributes:
        fidelity: fidelity of the delivered Werner pair.
        rate: mean pair-generation rate, pairs/s (a pair takes ``1/rate`` s on average).
    """

    fidelity: float
    rate: float


@functools.lru_cache(maxsize=1)
def nv_table() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The NV table: ``(lengths_km (L,), fidelities (L, 10), rates (L, 10) in pairs/s)``, sorted by length."""
    path = resources.files(__package__) / "data" / "nv_link_capabilities.json"
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:  # pragma: no cover - the shipped file parses
        raise ConfigError(f"{path}: line {exc.lineno}: malformed JSON: {exc.msg}") from exc
    keys = sorted(data["rates"], key=float)
    lengths = np.array([float(k) for k in keys])
    fids = np.array([data["fidelities"][k] for k in keys], dtype=float)
    rates = np.array([data["rates"][k] for k in keys], dtype=float)
    return lengths, fids, rates


@functools.lru_cache(maxsize=256)
def link_menu(length_km: float, model: str = "nv") -> tuple[OperatingPoint, ...]:
    """The operating points of one link.

    Args:
        length_km: fibre length of the link, km (5–50 for ``"nv"``).
        model: ``"nv"`` or ``"futuristic"``.

    Returns:
        Operating points by decreasing fidelity.
    """
    if model == "futuristic":
        return (OperatingPoint(*FUTURISTIC),)
    if model != "nv":
        raise ConfigError(f"unknown link model {model!r}; allowed: {', '.join(LINK_MODELS)}")
    lengths, fids, rates = nv_table()
    if not (lengths[0] <= length_km <= lengths[-1]):
        raise ConfigError(
            f"NV link length {length_km:g} km is outside the tabulated range {lengths[0]:g}-{lengths[-1]:g} km"
        )
    hi = int(np.searchsorted(lengths, length_km))
    if math.isclose(lengths[min(hi, len(lengths) - 1)], length_km):
        f, r = fids[min(hi, len(lengths) - 1)], rates[min(hi, len(lengths) - 1)]
    else:
        lo = hi - 1
        t = (length_km - lengths[lo]) / (lengths[hi] - lengths[lo])
        f = (1 - t) * fids[lo] + t * fids[hi]
        r = np.exp((1 - t) * np.log(rates[lo]) + t * np.log(rates[hi]))
    order = np.argsort(-f, kind="stable")
    return tuple(OperatingPoint(float(f[i]), float(r[i])) for i in order)
