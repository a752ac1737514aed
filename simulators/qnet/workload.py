"""Workload strings: ``<topology>-f<F_min>-load<pairs/s>[-s<seed>][-km<length>][-nv|-fut][-stoch|-ref]``, or ``file:<path>[#<key>]``.

* ``topology`` — ``line``, ``star``, ``h``, ``symmetric`` or ``surfnet``;
* ``f<F_min>`` — minimum delivered fidelity of every demand, in (0.5, 1);
* ``load<pairs/s>`` — total offered load (demands are drawn until their rates add up to it);
* ``s<seed>`` — demand-generation seed (default 0);
* ``km<length>`` — length of every link, km (default 5; 5–50 for NV links);
* ``nv`` / ``fut`` — link model: hardware-validated NV points or futuristic (0.999, 1400/s);
  default NV on the small networks and futuristic on SURFnet, as in the reference;
* ``stoch`` — play the schedule forward stochastically (geometric link-generation attempts,
  T2 dephasing, probabilistic distillation) instead of assuming every instance succeeds;
* ``ref`` — run the reference controller (:mod:`archgym.simulators.qnet.reference`: ESSS
  protocols, the reference's placement, label rebalancing and time-driven schedulers), which
  reproduces the reference's numbers point for point; small networks with NV links only.

``file:<path>[#<key>]`` replays an ordered demand set from a file
(:mod:`archgym.simulators.qnet.demandfile`) with the reference controller.

Examples: ``symmetric-f0.6-load50``, ``h-f0.75-load20-s3``, ``surfnet-f0.98-load20``,
``line-f0.6-load10-km10-stoch``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from archgym.errors import UnknownWorkloadError, did_you_mean
from archgym.simulators.qnet.topology import TOPOLOGIES

__all__ = ["SYNTAX", "WorkloadSpec", "parse_workload"]

SYNTAX = "<topology>-f<F_min>-load<pairs/s>[-s<seed>][-km<length>][-nv|-fut][-stoch|-ref] or file:<path>[#<key>]"
_NUM = r"(\d+(?:\.\d*)?|\.\d+)"
_TOKENS = {
    "f": re.compile(rf"^f{_NUM}$"),
    "load": re.compile(rf"^load{_NUM}$"),
    "s": re.compile(r"^s(\d+)$"),
    "km": re.compile(rf"^km{_NUM}$"),
}


@dataclass(frozen=True)
class WorkloadSpec:
    """A parsed workload.

    Attributes:
        topology: network name.
        fmin: minimum fidelity of every demand.
        load: total offered load, pairs/s.
        seed: demand-generation seed.
        length_km: link length, km.
        link_model: ``"nv"`` or ``"futuristic"``.
        stochastic: stochastic execution mode.
        reference: run the reference controller.
    """

    topology: str
    fmin: float
    load: float
    seed: int = 0
    length_km: float = 5.0
    link_model: str = "nv"
    stochastic: bool = False
    reference: bool = False


def _bad(text: str, why: str) -> UnknownWorkloadError:
    return UnknownWorkloadError(f"malformed qnet workload {text!r}: {why}; expected {SYNTAX}, e.g. 'symmetric-f0.6-load50'")


def parse_workload(text: str) -> WorkloadSpec:
    """Parse a workload string (see the module docstring); raise :class:`UnknownWorkloadError` if malformed."""
    if not isinstance(text, str) or not text:
        raise _bad(str(text), "not a non-empty string")
    topo, *tokens = text.strip().lower().split("-")
    if topo not in TOPOLOGIES:
        raise _bad(text, f"unknown topology {topo!r}{did_you_mean(topo, TOPOLOGIES)}; allowed: {', '.join(TOPOLOGIES)}")
    values: dict[str, str] = {}
    flags: set[str] = set()
    for tok in tokens:
        if tok in ("nv", "fut", "stoch", "ref"):
            if tok in flags or (tok in ("nv", "fut") and flags & {"nv", "fut"} - {tok}):
                raise _bad(text, f"flag {tok!r} repeated or conflicting")
            flags.add(tok)
            continue
        for key in ("load", "km", "f", "s"):
            m = _TOKENS[key].match(tok)
            if m:
                if key in values:
                    raise _bad(text, f"field {key!r} given twice")
                values[key] = m.group(1)
                break
        else:
            raise _bad(text, f"unrecognised field {tok!r}")
    for key in ("f", "load"):
        if key not in values:
            raise _bad(text, f"missing field {key!r}")
    fmin, load = float(values["f"]), float(values["load"])
    if not 0.5 < fmin < 1.0:
        raise _bad(text, f"F_min {fmin:g} must lie in (0.5, 1)")
    if not 0.0 < load <= 1000.0:
        raise _bad(text, f"load {load:g} pairs/s must lie in (0, 1000]")
    length = float(values.get("km", 5.0))
    link_model = "futuristic" if "fut" in flags else "nv" if "nv" in flags else ("futuristic" if topo == "surfnet" else "nv")
    if link_model == "nv" and not 5.0 <= length <= 50.0:
        raise _bad(text, f"NV link length {length:g} km must lie in 5-50 km (the tabulated range)")
    if link_model == "futuristic" and not 0.0 < length <= 1000.0:
        raise _bad(text, f"link length {length:g} km must lie in (0, 1000]")
    if "ref" in flags and ("stoch" in flags or topo == "surfnet" or link_model != "nv"):
        raise _bad(text, "the reference controller ('ref') runs on line, star, h or symmetric with NV links, deterministically (no 'stoch')")
    return WorkloadSpec(topo, fmin, load, int(values.get("s", 0)), length, link_model, "stoch" in flags, "ref" in flags)
