"""Demand-set files: an ordered list of demands replayed as a workload (``file:<path>[#<key>]``).

Format (JSON)::

    {
      "network": "line",            # line | star | h | symmetric
      "fmin": 0.6,                  # minimum fidelity of every demand, in (0.5, 1)
      "slot_ms": 10,                # slot length, ms (optional, default 10)
      "length_km": 5,               # length of every link, km (optional, default 5)
      "demands": [                  # in draw order: the order the controller admits them
        {"src": 2, "dst": 3, "rate": 0.390625},   # rate in pairs/s ...
        {"src": 5, "dst": 3, "period": 256}        # ... or period in slots (rate = 1/(period·slot))
      ]
    }

The calibration file of the reference (``demand_sets_seed1.json``: keys
``"<network>,<F_min>,<load>,<seed>"``, each an ordered list with ``src``, ``dst``, ``rate``, ``p``
and ``c``) loads directly: ``file:demand_sets_seed1.json#line,0.6,10,1`` (``symm`` and ``H`` are
read as ``symmetric`` and ``h``; a demand's ``c`` is checked against the synthesised protocol).
:func:`convert_calibration` (and the one-line converter :mod:`archgym.simulators.qnet.convert`) writes
one of its entries in the format above::

    python -m archgym.simulators.qnet.convert demand_sets_seed1.json "line,0.6,10,1" > line.json

A malformed file raises :class:`~archgym.errors.UnknownWorkloadError` in one line naming the file,
the demand and the field at fault.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archgym.errors import UnknownWorkloadError
from archgym.simulators.qnet.reference import RefDemand

__all__ = ["DemandFile", "convert_calibration", "load_demand_file", "parse_file_workload"]

PREFIX = "file:"
NETWORKS = ("line", "star", "h", "symmetric")
_ALIASES = {"symm": "symmetric", "H": "h"}


@dataclass(frozen=True)
class DemandFile:
    """A parsed demand-set file.

    Attributes:
        network: topology name.
        fmin: minimum fidelity of every demand.
        slot_s: slot length, s.
        length_km: length of every link, km.
        demands: the demands in admission order.
        expected_c: per demand, the task length the file states (``None`` where it states none).
    """

    network: str
    fmin: float
    slot_s: float
    length_km: float
    demands: tuple[RefDemand, ...]
    expected_c: tuple[int | None, ...]


def parse_file_workload(text: str) -> tuple[str, str | None]:
    """``"file:<path>[#<key>]"`` → ``(path, key)``."""
    body = text[len(PREFIX):]
    path, _, key = body.partition("#")
    if not path:
        raise UnknownWorkloadError(f"malformed qnet workload {text!r}: no path after 'file:'; expected file:<path>[#<key>]")
    return path, key or None


def _bad(path: str, where: str, why: str) -> UnknownWorkloadError:
    return UnknownWorkloadError(f"qnet demand file {path}: {where}: {why}")


def _number(path, where, field, value, kind=float) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and float(value) != int(value)):
        raise _bad(path, where, f"field {field!r} must be {'an integer' if kind is int else 'a number'}, got {value!r}")
    if not math.isfinite(float(value)):
        raise _bad(path, where, f"field {field!r} must be finite, got {value!r}")
    return kind(value)


def _demands(path: str, raw: Any, slot_s: float, ends: set[int]) -> tuple[tuple[RefDemand, ...], tuple[int | None, ...]]:
    if not isinstance(raw, list) or not raw:
        raise _bad(path, "field 'demands'", "must be a non-empty list of {src, dst, rate | period}")
    out, cs = [], []
    for i, d in enumerate(raw):
        where = f"demand {i}"
        if not isinstance(d, dict):
            raise _bad(path, where, f"must be an object with src, dst and rate or period, got {type(d).__name__}")
        for field in ("src", "dst"):
            if field not in d:
                raise _bad(path, where, f"missing field {field!r}")
            v = _number(path, where, field, d[field], int)
            if v not in ends:
                raise _bad(path, where, f"field {field!r} = {v} is not an end node; allowed: {sorted(ends)}")
        src, dst = int(d["src"]), int(d["dst"])
        if src == dst:
            raise _bad(path, where, f"src and dst are both {src}; a demand joins two different end nodes")
        if "rate" in d:
            rate = _number(path, where, "rate", d["rate"])
            if rate <= 0:
                raise _bad(path, where, f"field 'rate' must be > 0 pairs/s, got {rate:g}")
        elif "period" in d or "p" in d:
            field = "period" if "period" in d else "p"
            period = _number(path, where, field, d[field], int)
            if period < 1:
                raise _bad(path, where, f"field {field!r} must be >= 1 slot, got {period}")
            rate = 1.0 / (period * slot_s)
        else:
            raise _bad(path, where, "missing field 'rate' (pairs/s) or 'period' (slots)")
        if "p" in d and "rate" in d and math.ceil(1.0 / rate / slot_s) != d["p"]:
            raise _bad(path, where, f"field 'p' = {d['p']} disagrees with rate {rate:g} pairs/s at {slot_s * 1000:g} ms slots")
        c = d.get("c")
        cs.append(None if c is None else _number(path, where, "c", c, int))
        out.append(RefDemand(src, dst, rate))
    return tuple(out), tuple(cs)


def _end_nodes(network: str) -> set[int]:
    from archgym.simulators.qnet.topology import build_topology

    g = build_topology(network)
    return {v for v, data in g.nodes(data=True) if data.get("end_node")}


def load_demand_file(path: str, key: str | None = None) -> DemandFile:
    """Read and validate a demand-set file (or one entry of the reference's calibration file).

    Parsed files are memoised by path, key, size and modification time (an edited file is re-read).
    """
    try:
        st = Path(path).stat()
        stamp = (st.st_size, st.st_mtime_ns)
    except OSError:
        stamp = None
    return _load(path, key, stamp)


@functools.lru_cache(maxsize=64)
def _load(path: str, key: str | None, stamp: tuple[int, int] | None) -> DemandFile:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise UnknownWorkloadError(f"qnet demand file {path}: cannot be read ({exc.strerror or exc})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnknownWorkloadError(f"qnet demand file {path}: line {exc.lineno}: malformed JSON: {exc.msg}") from None
    if not isinstance(data, dict):
        raise _bad(path, "top level", "must be a JSON object")
    if "demands" not in data:  # the reference's calibration format
        keys = sorted(data)
        if key is None:
            if len(keys) != 1:
                raise _bad(path, "top level", f"has no 'demands'; name a calibration entry with #<key>, e.g. #{keys[0] if keys else 'line,0.6,10,1'}")
            key = keys[0]
        if key not in data:
            raise _bad(path, f"entry {key!r}", f"not in the file; {len(keys)} entries, e.g. {', '.join(keys[:4])}")
        fields = key.split(",")
        if len(fields) != 4:
            raise _bad(path, f"entry {key!r}", "a calibration key reads <network>,<F_min>,<load>,<seed>")
        data = {"network": fields[0], "fmin": float(fields[1]), "slot_ms": 10, "demands": data[key]}
    elif key is not None:
        raise _bad(path, f"#{key}", "this file holds one demand set; drop the #<key>")
    network = _ALIASES.get(data.get("network"), data.get("network"))
    if network not in NETWORKS:
        raise _bad(path, "field 'network'", f"{data.get('network')!r} is not a small network; allowed: {', '.join(NETWORKS)}")
    if "fmin" not in data:
        raise _bad(path, "top level", "missing field 'fmin'")
    fmin = _number(path, "top level", "fmin", data["fmin"])
    if not 0.5 < fmin < 1.0:
        raise _bad(path, "field 'fmin'", f"{fmin:g} must lie in (0.5, 1)")
    slot_ms = _number(path, "top level", "slot_ms", data.get("slot_ms", 10))
    if slot_ms <= 0:
        raise _bad(path, "field 'slot_ms'", f"must be > 0, got {slot_ms:g}")
    length = _number(path, "top level", "length_km", data.get("length_km", 5))
    if not 5.0 <= length <= 50.0:
        raise _bad(path, "field 'length_km'", f"{length:g} km must lie in 5-50 km (the NV table)")
    demands, cs = _demands(path, data["demands"], slot_ms / 1000.0, _end_nodes(network))
    return DemandFile(network, fmin, slot_ms / 1000.0, length, demands, cs)


def convert_calibration(path: str, key: str) -> dict[str, Any]:
    """One entry of the reference's calibration file in the demand-set format."""
    f = load_demand_file(path, key)
    return {
        "network": f.network,
        "fmin": f.fmin,
        "slot_ms": f.slot_s * 1000.0,
        "length_km": f.length_km,
        "demands": [{"src": d.src, "dst": d.dst, "rate": d.rate} for d in f.demands],
    }
