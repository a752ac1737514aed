"""Request traces: DRAMSys ``.stl`` files and seeded synthetic generators.

A trace is three arrays of equal length: the player clock cycle at which each request is
issued, whether it is a write, and its byte address.

``.stl`` format (DRAMSys trace player, absolute time)::

    <clock cycle>:<TAB><read|write><TAB><hex byte address>[<TAB><hex data>]

Blank lines and lines starting with ``#`` are skipped. A malformed line raises
:class:`~archgym.errors.ConfigError` with the file and line number.

Synthetic workloads are strings ``synthetic:<pattern>[:key=value]...`` with ``pattern`` one of

* ``sequential`` — consecutive bursts from ``base``;
* ``random`` — uniformly random burst-aligned addresses within ``footprint`` bytes;
* ``strided`` — ``base + i * stride`` (wrapping at ``footprint``);
* ``mixed`` — half sequential runs of ``run`` bursts, half random jumps.

and keys ``n`` (requests, default 10000), ``read`` (fraction of reads, default 1.0),
``seed`` (default 0), ``interval`` (player cycles between requests, default 1), ``stride``
(bytes, default 4096), ``run`` (bursts per sequential run, default 16), ``base`` (byte
address, default 0) and ``footprint`` (bytes, default the whole device). Example:
``synthetic:random:n=10000:read=0.7:seed=3``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from archgym.errors import ConfigError, UnknownWorkloadError, did_you_mean

PATTERNS = ("sequential", "random", "strided", "mixed")
_KEYS = {"n": int, "read": float, "seed": int, "interval": int, "stride": int, "run": int, "base": int, "footprint": int}
_LINE = re.compile(r"^\s*(\d+)\s*:\s*(read|write)\s+(0[xX][0-9a-fA-F]+|\d+)(?:\s+(?:0[xX])?[0-9a-fA-F]+)?\s*$")


@dataclass(frozen=True)
class Trace:
    """Requests in issue order.

    Attributes:
        cycle: player clock cycle of each request, shape ``(n,)``, int64, non-decreasing.
        is_write: shape ``(n,)``, bool.
        address: byte addresses, shape ``(n,)``, int64.
        source: file path or synthetic spec, for error messages.
        lines: 1-based line number of each request in ``source`` (``None`` for synthetic).
    """

    cycle: np.ndarray
    is_write: np.ndarray
    address: np.ndarray
    source: str
    lines: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.cycle.shape[0])

    def check_addresses(self, address_bits: int, what: str) -> None:
        """Raise :class:`ConfigError` naming the first request whose address the device cannot hold."""
        bad = np.nonzero(self.address >> address_bits)[0]
        if bad.size:
            i = int(bad[0])
            where = f"{self.source}:{int(self.lines[i])}" if self.lines is not None else f"{self.source} (request {i})"
            raise ConfigError(
                f"{where}: address {hex(int(self.address[i]))} is beyond the device ({what} maps "
                f"{address_bits} address bits, so addresses must be below {hex(1 << address_bits)})"
            )


def load_stl(path: str | Path) -> Trace:
    """Parse a DRAMSys ``.stl`` trace (absolute clock cycles)."""
    p = Path(path)
    try:
        text = p.read_text()
    except OSError as exc:
        raise ConfigError(f"cannot read trace {p}: {exc.strerror or exc}") from None
    cycles, writes, addrs, lines = [], [], [], []
    last = -1
    for lineno, raw in enumerate(text.splitlines(), start=1):
        s = raw.strip()
        if not s or s.startswith("#"):
            continue
        m = _LINE.match(s)
        if m is None:
            raise ConfigError(
                f"{p}:{lineno}: malformed trace line {raw!r}; expected '<cycle>:<TAB><read|write><TAB><hex address>'"
            )
        c = int(m.group(1))
        if c < last:
            raise ConfigError(f"{p}:{lineno}: clock cycle {c} is earlier than the previous request's {last}")
        last = c
        a = int(m.group(3), 0)
        if a >= 1 << 62:
            raise ConfigError(f"{p}:{lineno}: address {m.group(3)} is beyond any device")
        cycles.append(c)
        writes.append(m.group(2) == "write")
        addrs.append(a)
        lines.append(lineno)
    if not cycles:
        raise ConfigError(f"{p}: trace holds no requests")
    return Trace(np.asarray(cycles, np.int64), np.asarray(writes, bool), np.asarray(addrs, np.int64), str(p),
                 np.asarray(lines, np.int64))


def parse_synthetic(spec: str) -> tuple[str, dict[str, float]]:
    """Split ``synthetic:<pattern>:k=v:...`` into the pattern and its parameters (validated)."""
    parts = spec.split(":")
    if len(parts) < 2 or parts[0] != "synthetic":
        raise UnknownWorkloadError(f"not a synthetic workload spec: {spec!r}")
    pattern = parts[1]
    if pattern not in PATTERNS:
        raise UnknownWorkloadError(
            f"synthetic pattern {pattern!r} unknown{did_you_mean(pattern, PATTERNS)}; allowed: {', '.join(PATTERNS)}"
        )
    params: dict[str, float] = {}
    for item in parts[2:]:
        if "=" not in item:
            raise UnknownWorkloadError(f"synthetic workload {spec!r}: {item!r} is not key=value")
        k, v = item.split("=", 1)
        if k not in _KEYS:
            raise UnknownWorkloadError(
                f"synthetic workload {spec!r}: unknown key {k!r}{did_you_mean(k, _KEYS)}; allowed: {', '.join(_KEYS)}"
            )
        try:
            params[k] = _KEYS[k](int(v, 0) if _KEYS[k] is int else v)
        except ValueError:
            raise UnknownWorkloadError(f"synthetic workload {spec!r}: {k}={v!r} is not a valid {_KEYS[k].__name__}") from None
    if not 1 <= params.get("n", 10000) <= 10_000_000:
        raise UnknownWorkloadError(f"synthetic workload {spec!r}: n must be in 1..10,000,000")
    if not 0.0 <= params.get("read", 1.0) <= 1.0:
        raise UnknownWorkloadError(f"synthetic workload {spec!r}: read must be a fraction in [0, 1]")
    for k in ("interval", "stride", "run", "footprint"):
        if k in params and params[k] < (0 if k == "interval" else 1):
            raise UnknownWorkloadError(f"synthetic workload {spec!r}: {k} must be positive")
    if params.get("base", 0) < 0:
        raise UnknownWorkloadError(f"synthetic workload {spec!r}: base must be >= 0")
    return pattern, params


def synthetic(spec: str, bytes_per_burst: int, capacity_bytes: int) -> Trace:
    """Generate a seeded synthetic trace (see the module docstring for the syntax).

    Args:
        spec: ``synthetic:<pattern>[:key=value]...``.
        bytes_per_burst: request size in bytes (addresses are aligned to it).
        capacity_bytes: device capacity in bytes (default footprint, and the address limit).
    """
    pattern, p = parse_synthetic(spec)
    n = int(p.get("n", 10000))
    rng = np.random.default_rng(int(p.get("seed", 0)))
    base = int(p.get("base", 0))
    footprint = int(p.get("footprint", capacity_bytes - base))
    if base + footprint > capacity_bytes or footprint < bytes_per_burst:
        raise UnknownWorkloadError(
            f"synthetic workload {spec!r}: base + footprint must lie within the device's {capacity_bytes} bytes"
        )
    slots = footprint // bytes_per_burst
    i = np.arange(n, dtype=np.int64)
    if pattern == "sequential":
        slot = i % slots
    elif pattern == "random":
        slot = rng.integers(0, slots, n, dtype=np.int64)
    elif pattern == "strided":
        stride = max(1, int(p.get("stride", 4096)) // bytes_per_burst)
        slot = (i * stride) % slots
    else:  # mixed
        run = int(p.get("run", 16))
        starts = rng.integers(0, slots, (n + run - 1) // run, dtype=np.int64)
        seq = rng.random(starts.shape[0]) < 0.5
        within = i % run
        start = starts[i // run]
        slot = np.where(seq[i // run], (start + within) % slots, rng.integers(0, slots, n, dtype=np.int64))
    address = base + slot * bytes_per_burst
    is_write = rng.random(n) >= float(p.get("read", 1.0))
    cycle = i * int(p.get("interval", 1))
    return Trace(cycle.astype(np.int64), is_write, address.astype(np.int64), spec, None)
