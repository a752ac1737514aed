"""Readers for DRAMSys's input formats: memspec, address mapping, mcconfig and simulation JSON.

Every reader takes the file unchanged (a user's own DRAMSys setup loads as is) and raises
:class:`~archgym.errors.ConfigError` naming the file and, where it can, the line of the
offending field. Units are carried explicitly: memspec timings are integers in clock cycles of
the device clock (``clkMhz``), currents in mA, voltages in V.

Only the fields the model uses are interpreted; fields DRAMSys knows but the model does not
use (e.g. ``XSDLL``, ``ErrorChipSeed``) are accepted and ignored; a field nobody knows is an
error, so that a typo never silently changes a result.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archgym.errors import ConfigError, did_you_mean

DATA_DIR = Path(__file__).parent / "data"

# -- known fields ----------------------------------------------------------------------------
_ARCH_FIELDS = {
    "burstLength", "dataRate", "nbrOfBankGroups", "nbrOfBanks", "nbrOfColumns", "nbrOfRanks",
    "nbrOfRows", "width", "nbrOfDevicesOnDIMM", "nbrOfDevices", "nbrOfChannels", "maxBurstLength",
    "nbrOfPseudoChannels", "per2BankOffset", "RefMode", "cmdMode",
}
_TIMING_FIELDS = {
    "AL", "CCD", "CCD_L", "CCD_S", "CKE", "CKESR", "CL", "DQSCK", "FAW", "RAS", "RC", "RCD", "REFI",
    "REFIPB", "RFC", "RFC2", "RFC4", "RFCAB", "RFCPB", "RL", "RP", "RPAB", "RPPB", "RCAB", "RCPB",
    "RRD", "RRD_L", "RRD_S", "RTP", "WL", "WR", "WTR", "WTR_L", "WTR_S", "XP", "XPDLL", "XS", "XSDLL",
    "XSR", "ACTPDEN", "PRPDEN", "REFPDEN", "RTRS", "REFM", "RPRE", "WPRE", "RPST", "PPD", "CMDCKE",
    "DQS2DQ", "DQSS", "ESCKE", "SR", "clkMhz",
}
_POWER_FIELDS = {
    "idd0", "idd02", "idd0ql", "idd2n", "idd2n2", "idd2nQ", "idd2ns", "idd2ns2", "idd2nsq", "idd2p",
    "idd2p0", "idd2p1", "idd2p2", "idd2pQ", "idd2ps", "idd2ps2", "idd2psq", "idd3n", "idd3n2",
    "idd3nQ", "idd3ns", "idd3ns2", "idd3nsq", "idd3p", "idd3p0", "idd3p1", "idd3p2", "idd3pQ",
    "idd3ps", "idd3ps2", "idd3psq", "idd4r", "idd4r2", "idd4rq", "idd4w", "idd4w2", "idd4wq", "idd5",
    "idd52", "idd5ab", "idd5ab2", "idd5abq", "idd5b", "idd5b2", "idd5bq", "idd5q", "idd6", "idd62",
    "idd6q", "vdd", "vdd2", "vddq",
}
_MEMSPEC_TOP = {"memarchitecturespec", "memoryId", "memoryType", "mempowerspec", "memtimingspec"}
_REQUIRED_TIMING = {
    "DDR3": ("RCD", "RP", "RAS", "RC", "RRD", "FAW", "CCD", "RL", "WL", "WR", "WTR", "RTP", "RFC", "REFI", "clkMhz"),
    "DDR4": ("RCD", "RP", "RAS", "RC", "RRD_S", "RRD_L", "FAW", "CCD_S", "CCD_L", "RL", "WL", "WR", "WTR_S",
             "WTR_L", "RTP", "RFC", "REFI", "clkMhz"),
    "LPDDR4": ("RCD", "RPPB", "RPAB", "RAS", "RRD", "FAW", "CCD", "RL", "WL", "WR", "WTR", "RTP", "RFCAB",
               "RFCPB", "REFI", "REFIPB", "clkMhz"),
}
SUPPORTED_TYPES = tuple(_REQUIRED_TIMING)
#: Refresh policies each standard has (DRAMSys semantics). SameBank is a DDR5 feature.
REFRESH_POLICIES = {"DDR3": ("NoRefresh", "AllBank"), "DDR4": ("NoRefresh", "AllBank"),
                    "LPDDR4": ("NoRefresh", "AllBank", "PerBank")}

_MC_CHOICES: dict[str, tuple[str, ...]] = {
    "PagePolicy": ("Open", "OpenAdaptive", "Closed", "ClosedAdaptive"),
    "Scheduler": ("Fifo", "FrFcfs", "FrFcfsGrp"),
    "SchedulerBuffer": ("Bankwise", "ReadWrite", "Shared"),
    "RespQueue": ("Fifo", "Reorder"),
    "RefreshPolicy": ("NoRefresh", "AllBank", "PerBank", "SameBank"),
    "Arbiter": ("Simple", "Fifo", "Reorder"),
    "PowerDownPolicy": ("NoPowerDown", "Staggered"),
    "CmdMux": ("Oldest",),
}
_MC_INTS = ("RequestBufferSize", "RefreshMaxPostponed", "RefreshMaxPulledin", "MaxActiveTransactions")
#: mcconfig fields DRAMSys knows that the model accepts and ignores (delays default to zero).
_MC_IGNORED = {"RefreshManagement", "ArbitrationDelayFw", "ArbitrationDelayBw", "ThinkDelayFw", "ThinkDelayBw",
               "PhyDelayFw", "PhyDelayBw", "BlockingReadDelay", "BlockingWriteDelay", "PowerDownTimeout",
               "HighWatermark", "LowWatermark", "ECCControllerMode"}
MC_KNOBS = tuple(k for k in _MC_CHOICES if k != "CmdMux") + _MC_INTS


def _line_of(text: str, key: str) -> int:
    """1-based line of the first occurrence of ``"key"`` in ``text`` (0 when absent)."""
    pos = text.find(f'"{key}"')
    return text.count("\n", 0, pos) + 1 if pos >= 0 else 0


def _where(path: str, text: str, key: str) -> str:
    line = _line_of(text, key)
    return f"{path}:{line}" if line else path


def _open_section(
    source: str | Path | Mapping[str, Any], key: str, path: str, text: str
) -> tuple[dict[str, Any], str, str]:
    """Read a DRAMSys JSON (a file path or a parsed object) and return its ``key`` section.

    A file may hold the section under ``key`` (as DRAMSys writes it) or be the section itself.
    Returns the section, the path and the text used to point errors at a line.
    """
    if isinstance(source, (str, Path)):
        data, text = read_json(source)
        path = str(source)
    else:
        data = dict(source)
    section = _section(data, key, path, text) if key in data else data
    return section, path, text


def read_json(path: str | Path) -> tuple[dict[str, Any], str]:
    """Parse a JSON file; a syntax error names the file, line and column."""
    p = Path(path)
    try:
        text = p.read_text()
    except OSError as exc:
        raise ConfigError(f"cannot read {p}: {exc.strerror or exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{p}:{exc.lineno}:{exc.colno}: malformed JSON: {exc.msg}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{p}:1: expected a JSON object at the top level")
    return data, text


def _section(data: Mapping[str, Any], key: str, path: str, text: str) -> dict[str, Any]:
    if key not in data or not isinstance(data[key], dict):
        raise ConfigError(f"{path}: missing object {key!r} (found keys: {', '.join(map(str, data)) or 'none'})")
    return data[key]


def _check_known(obj: Mapping[str, Any], known: set[str], what: str, path: str, text: str) -> None:
    for k in obj:
        if k not in known:
            raise ConfigError(
                f"{_where(path, text, k)}: unknown {what} field {k!r}{did_you_mean(k, known)}"
            )


# -- memspec ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class MemSpec:
    """A DRAM device as described by a DRAMSys memspec.

    Attributes:
        memory_id: ``memoryId``.
        memory_type: ``"DDR3"``, ``"DDR4"`` or ``"LPDDR4"``.
        ranks, bank_groups, banks, rows, columns: per channel/rank geometry (``banks`` per rank).
        width: device data width in bits; ``devices``: devices per rank (``nbrOfDevicesOnDIMM``).
        burst_length, data_rate: beats per burst and beats per clock.
        clk_mhz: device clock in MHz.
        timing: timings in clock cycles, keyed by memspec name.
        power: currents in mA (``idd*``) and voltages in V (``vdd*``).
        path: where it came from.
    """

    memory_id: str
    memory_type: str
    ranks: int
    bank_groups: int
    banks: int
    rows: int
    columns: int
    width: int
    devices: int
    burst_length: int
    data_rate: int
    clk_mhz: float
    timing: dict[str, int] = field(compare=False)
    power: dict[str, float] = field(compare=False)
    path: str = ""

    @property
    def tck_ns(self) -> float:
        """Clock period in ns."""
        return 1000.0 / self.clk_mhz

    @property
    def burst_cycles(self) -> int:
        """Clock cycles one burst occupies the data bus (BL / data rate)."""
        return self.burst_length // self.data_rate

    @property
    def bytes_per_burst(self) -> int:
        """Bytes one burst moves over the whole rank (all devices)."""
        return self.width * self.devices * self.burst_length // 8

    @property
    def banks_per_group(self) -> int:
        return self.banks // self.bank_groups


def load_memspec(source: str | Path | Mapping[str, Any], path: str = "<inline memspec>", text: str = "") -> MemSpec:
    """Read a DRAMSys memspec from a file path or an already parsed object."""
    spec, path, text = _open_section(source, "memspec", path, text)
    _check_known(spec, _MEMSPEC_TOP, "memspec", path, text)
    arch = _section(spec, "memarchitecturespec", path, text)
    timing = _section(spec, "memtimingspec", path, text)
    power = _section(spec, "mempowerspec", path, text)
    _check_known(arch, _ARCH_FIELDS, "memarchitecturespec", path, text)
    _check_known(timing, _TIMING_FIELDS, "memtimingspec", path, text)
    _check_known(power, _POWER_FIELDS, "mempowerspec", path, text)
    mtype = str(spec.get("memoryType", ""))
    if mtype not in _REQUIRED_TIMING:
        raise ConfigError(
            f"{_where(path, text, 'memoryType')}: memoryType {mtype!r} is not modelled; supported: {', '.join(SUPPORTED_TYPES)}"
        )
    for k in _REQUIRED_TIMING[mtype]:
        if k not in timing:
            raise ConfigError(f"{_where(path, text, 'memtimingspec')}: {mtype} memtimingspec misses {k!r}")
    for k in ("burstLength", "dataRate", "nbrOfBanks", "nbrOfColumns", "nbrOfRanks", "nbrOfRows", "width"):
        if k not in arch:
            raise ConfigError(f"{_where(path, text, 'memarchitecturespec')}: memarchitecturespec misses {k!r}")
    for k in ("idd0", "idd2n", "idd3n", "idd4r", "idd4w", "idd5", "vdd"):
        if k not in power:
            raise ConfigError(f"{_where(path, text, 'mempowerspec')}: mempowerspec misses {k!r}")
    ints: dict[str, int] = {}
    for k, v in timing.items():
        if k == "clkMhz":
            continue
        if not isinstance(v, (int, float)) or v < 0 or float(v) != int(v):
            raise ConfigError(f"{_where(path, text, k)}: timing {k!r} must be a non-negative whole number of cycles, got {v!r}")
        ints[k] = int(v)
    clk = timing["clkMhz"]
    if not isinstance(clk, (int, float)) or clk <= 0:
        raise ConfigError(f"{_where(path, text, 'clkMhz')}: clkMhz must be a positive number, got {clk!r}")
    for k, v in power.items():
        if not isinstance(v, (int, float)) or v < 0:
            raise ConfigError(f"{_where(path, text, k)}: {k!r} must be a non-negative number, got {v!r}")
    for k, v in arch.items():
        if k in ("RefMode", "cmdMode"):
            continue
        if not isinstance(v, int) or v <= 0:
            raise ConfigError(f"{_where(path, text, k)}: {k!r} must be a positive integer, got {v!r}")
    groups = int(arch.get("nbrOfBankGroups", 1))
    banks = int(arch["nbrOfBanks"])
    if banks % groups:
        raise ConfigError(f"{_where(path, text, 'nbrOfBankGroups')}: nbrOfBanks {banks} is not a multiple of nbrOfBankGroups {groups}")
    if int(arch.get("nbrOfChannels", 1)) != 1:
        raise ConfigError(f"{_where(path, text, 'nbrOfChannels')}: only single-channel memspecs are modelled")
    return MemSpec(
        memory_id=str(spec.get("memoryId", "")),
        memory_type=mtype,
        ranks=int(arch["nbrOfRanks"]),
        bank_groups=groups,
        banks=banks,
        rows=int(arch["nbrOfRows"]),
        columns=int(arch["nbrOfColumns"]),
        width=int(arch["width"]),
        devices=int(arch.get("nbrOfDevicesOnDIMM", arch.get("nbrOfDevices", 1))),
        burst_length=int(arch["burstLength"]),
        data_rate=int(arch["dataRate"]),
        clk_mhz=float(clk),
        timing=ints,
        power={k: float(v) for k, v in power.items()},
        path=path,
    )


# -- address mapping -------------------------------------------------------------------------
_AM_FIELDS = {"BYTE_BIT", "COLUMN_BIT", "BANK_BIT", "BANKGROUP_BIT", "RANK_BIT", "ROW_BIT", "CHANNEL_BIT", "XOR"}


@dataclass(frozen=True)
class AddressMapping:
    """A DRAMSys ``CONGEN`` address mapping: which address bits form each coordinate.

    Bit lists are least-significant first, as in DRAMSys. ``xor`` holds ``(first, second)``
    pairs: bit ``first`` is XORed with bit ``second`` before decoding.
    """

    byte_bits: tuple[int, ...]
    column_bits: tuple[int, ...]
    bank_bits: tuple[int, ...]
    bankgroup_bits: tuple[int, ...]
    rank_bits: tuple[int, ...]
    row_bits: tuple[int, ...]
    xor: tuple[tuple[int, int], ...] = ()
    path: str = ""

    @property
    def address_bits(self) -> int:
        """Number of address bits the mapping covers (addresses must be below ``2**address_bits``)."""
        used = self.byte_bits + self.column_bits + self.bank_bits + self.bankgroup_bits + self.rank_bits + self.row_bits
        return max(used) + 1

    def check(self, spec: MemSpec) -> None:
        """Raise :class:`ConfigError` when the mapping does not fit the device."""
        def need(name: str, bits: tuple[int, ...], count: int) -> None:
            if 2 ** len(bits) != count:
                raise ConfigError(
                    f"address mapping {self.path}: {name} has {len(bits)} bit(s) (= {2 ** len(bits)}) but memspec "
                    f"{spec.path} needs {count}"
                )
        need("BANK_BIT", self.bank_bits, spec.banks_per_group)
        need("BANKGROUP_BIT", self.bankgroup_bits, spec.bank_groups)
        need("RANK_BIT", self.rank_bits, spec.ranks)
        need("ROW_BIT", self.row_bits, spec.rows)
        need("COLUMN_BIT", self.column_bits, spec.columns)
        need("BYTE_BIT", self.byte_bits, spec.width * spec.devices // 8)

    def decode(self, addr: Any) -> dict[str, Any]:
        """Decode a NumPy array of byte addresses into ``rank, bankgroup, bank, row, column`` arrays."""
        import numpy as np

        a = np.asarray(addr, dtype=np.int64)
        if self.xor:
            a = a.copy()
            for first, second in self.xor:
                a ^= ((a >> second) & 1) << first

        def field_of(bits: tuple[int, ...]) -> np.ndarray:
            out = np.zeros_like(a)
            for i, b in enumerate(bits):
                out |= ((a >> b) & 1) << i
            return out

        return {
            "rank": field_of(self.rank_bits),
            "bankgroup": field_of(self.bankgroup_bits),
            "bank": field_of(self.bank_bits),
            "row": field_of(self.row_bits),
            "column": field_of(self.column_bits),
        }


def load_address_mapping(source: str | Path | Mapping[str, Any], path: str = "<inline addressmapping>", text: str = "") -> AddressMapping:
    """Read a DRAMSys address mapping (``{"CONGEN": {...}}``)."""
    cg, path, text = _open_section(source, "CONGEN", path, text)
    _check_known(cg, _AM_FIELDS, "address-mapping", path, text)

    def bits(name: str) -> tuple[int, ...]:
        v = cg.get(name, [])
        if not isinstance(v, list) or not all(isinstance(b, int) and 0 <= b < 63 for b in v):
            raise ConfigError(f"{_where(path, text, name)}: {name} must be a list of bit positions 0..62")
        return tuple(v)

    xor = []
    for item in cg.get("XOR", []):
        if not isinstance(item, dict) or set(item) != {"FIRST", "SECOND"}:
            raise ConfigError(f"{_where(path, text, 'XOR')}: XOR entries must be objects with FIRST and SECOND")
        if not all(isinstance(item[k], int) and not isinstance(item[k], bool) and 0 <= item[k] < 63 for k in ("FIRST", "SECOND")):
            raise ConfigError(f"{_where(path, text, 'XOR')}: XOR FIRST and SECOND must be bit positions 0..62, got {item!r}")
        xor.append((item["FIRST"], item["SECOND"]))
    am = AddressMapping(bits("BYTE_BIT"), bits("COLUMN_BIT"), bits("BANK_BIT"), bits("BANKGROUP_BIT"),
                        bits("RANK_BIT"), bits("ROW_BIT"), tuple(xor), path)
    if bits("CHANNEL_BIT"):
        raise ConfigError(f"{_where(path, text, 'CHANNEL_BIT')}: multi-channel mappings are not modelled")
    every = am.byte_bits + am.column_bits + am.bank_bits + am.bankgroup_bits + am.rank_bits + am.row_bits
    if len(set(every)) != len(every):
        dup = sorted({b for b in every if every.count(b) > 1})
        raise ConfigError(f"{path}: address bit(s) {dup} are used by more than one field")
    if not am.row_bits or not am.bank_bits or not am.column_bits:
        raise ConfigError(f"{path}: an address mapping needs ROW_BIT, BANK_BIT and COLUMN_BIT")
    return am


# -- mcconfig --------------------------------------------------------------------------------
def load_mcconfig(source: str | Path | Mapping[str, Any], path: str = "<inline mcconfig>", text: str = "") -> dict[str, Any]:
    """Read a DRAMSys mcconfig into a design dict ``{knob: value}`` (only the knobs present).

    Raises:
        ConfigError: unknown field or a value DRAMSys would not accept.
    """
    mc, path, text = _open_section(source, "mcconfig", path, text)
    known = set(_MC_CHOICES) | set(_MC_INTS) | _MC_IGNORED
    _check_known(mc, known, "mcconfig", path, text)
    design: dict[str, Any] = {}
    for k, v in mc.items():
        if k in _MC_CHOICES:
            if v not in _MC_CHOICES[k]:
                raise ConfigError(
                    f"{_where(path, text, k)}: {k} {v!r} is not modelled; allowed: {', '.join(_MC_CHOICES[k])}"
                    f"{did_you_mean(str(v), _MC_CHOICES[k])}"
                )
            if k != "CmdMux":
                design[k] = v
        elif k in _MC_INTS:
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise ConfigError(f"{_where(path, text, k)}: {k} must be a positive integer, got {v!r}")
            design[k] = v
        elif k.endswith("Delay") or "Delay" in k:
            if v not in (0, 0.0):
                raise ConfigError(f"{_where(path, text, k)}: {k} = {v!r}: only zero delays are modelled")
    return design


# -- simulation JSON -------------------------------------------------------------------------
_SIM_FIELDS = {"addressmapping", "mcconfig", "memspec", "simconfig", "simulationid", "thermalconfig", "tracesetup"}
_FOLDERS = {"memspec": "memspecs", "addressmapping": "amconfigs", "mcconfig": "mcconfigs",
            "simconfig": "simulator", "trace": "traces"}


@dataclass(frozen=True)
class Simulation:
    """A resolved DRAMSys simulation: device, mapping, controller design and trace."""

    memspec: MemSpec
    mapping: AddressMapping
    design: dict[str, Any]
    trace_path: Path | None
    player_clk_mhz: float
    simulation_id: str
    path: str


def resolve(name: str, kind: str, base: Path, path: str, text: str) -> Path:
    """Find a file referenced by a simulation JSON as DRAMSys does, then in the shipped data.

    Search order: as given (absolute or relative to the JSON's folder), the DRAMSys resource
    layout (``<json dir>/../<kind folder>/``, ``<json dir>/../../<kind folder>/``), then the
    files shipped with this package.
    """
    folder = _FOLDERS[kind]
    candidates = [Path(name), base / name, base.parent / folder / name, base.parent.parent / folder / name,
                  DATA_DIR / folder / Path(name).name]
    for c in candidates:
        if c.is_file():
            return c
    raise ConfigError(
        f"{_where(path, text, name)}: {kind} file {name!r} not found (looked in {base}, {base.parent / folder}, "
        f"and the shipped {DATA_DIR / folder})"
    )


def load_simulation(path: str | Path) -> Simulation:
    """Read a DRAMSys simulation JSON and everything it references."""
    data, text = read_json(path)
    p = Path(path)
    base = p.resolve().parent
    sim = _section(data, "simulation", str(p), text)
    _check_known(sim, _SIM_FIELDS, "simulation", str(p), text)

    def part(kind: str, loader: Any) -> Any:
        if kind not in sim:
            raise ConfigError(f"{p}: simulation misses {kind!r}")
        ref = sim[kind]
        if isinstance(ref, dict):
            return loader(ref, path=f"{p} ({kind})", text=text)
        if not isinstance(ref, str):
            raise ConfigError(f"{_where(str(p), text, kind)}: {kind} must be a file name or an object")
        return loader(resolve(ref, kind, base, str(p), text))

    spec = part("memspec", load_memspec)
    mapping = part("addressmapping", load_address_mapping)
    mapping.check(spec)
    design = part("mcconfig", load_mcconfig)
    setups = sim.get("tracesetup", [])
    if not isinstance(setups, list) or len(setups) > 1:
        raise ConfigError(f"{_where(str(p), text, 'tracesetup')}: exactly one trace player is modelled, got {len(setups) if isinstance(setups, list) else setups!r}")
    trace_path, clk = None, spec.clk_mhz
    if setups:
        s = setups[0]
        if not isinstance(s, dict) or "name" not in s:
            raise ConfigError(f"{_where(str(p), text, 'tracesetup')}: a tracesetup entry needs a 'name'")
        extra = set(s) - {"name", "clkMhz", "type", "maxPendingReadRequests", "maxPendingWriteRequests", "addLengthConverter"}
        if extra:
            k = sorted(extra)[0]
            raise ConfigError(f"{_where(str(p), text, k)}: tracesetup field {k!r} is not modelled (traffic generators are not)")
        clk = s.get("clkMhz", spec.clk_mhz)
        if isinstance(clk, bool) or not isinstance(clk, (int, float)) or not math.isfinite(clk) or clk <= 0:
            raise ConfigError(f"{_where(str(p), text, 'clkMhz')}: tracesetup clkMhz must be a positive number of MHz, got {clk!r}")
        clk = float(clk)
        for k in ("maxPendingReadRequests", "maxPendingWriteRequests"):
            v = s.get(k, 0)
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ConfigError(f"{_where(str(p), text, k)}: tracesetup {k} must be a whole number >= 0 (0: no limit), got {v!r}")
        trace_path = resolve(str(s["name"]), "trace", base, str(p), text)
    return Simulation(spec, mapping, design, trace_path, clk, str(sim.get("simulationid", p.stem)), str(p))
