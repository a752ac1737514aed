"""DRAM memory-controller simulator (``dram``, Gymnasium id ``archgym/DRAM-v0``).

Problem card
============

A trace-driven, cycle-level model of a DRAM memory controller and device in the manner of
DRAMSys 4 (controller structure, command timing) and DRAMPower (energy). One evaluation runs a
whole trace through one controller configuration.

Parameters (the mcconfig knobs, DRAMSys names and semantics; one canonical space containing
every range the earlier ArchGym agents used):

=======================  =============================================  ===========
parameter                values                                         unit
=======================  =============================================  ===========
PagePolicy               Open, OpenAdaptive, Closed, ClosedAdaptive     —
Scheduler                Fifo, FrFcfs, FrFcfsGrp                        —
SchedulerBuffer          Bankwise, ReadWrite, Shared                    —
RequestBufferSize        1 … 128                                        requests
RespQueue                Fifo, Reorder                                  —
RefreshPolicy            NoRefresh, AllBank (+ PerBank on LPDDR4)       —
RefreshMaxPostponed      1 … 8                                          refreshes
RefreshMaxPulledin       1 … 8                                          refreshes
Arbiter                  Simple, Fifo, Reorder                          —
MaxActiveTransactions    1 … 128 (used by the Fifo/Reorder arbiters)    requests
PowerDownPolicy          NoPowerDown, Staggered (extra knob)            —
=======================  =============================================  ===========

Metrics: ``total_time_ns`` (min; simulated time until the last response returns — ArchGym's
"latency"), ``avg_latency_ns`` and ``p99_latency_ns`` (min; per request, from its trace time
stamp to its response), ``bandwidth_gbps`` (max; GB/s = bytes/ns), ``row_hit_rate`` (max;
fraction of requests served without their own activate), ``energy_pj`` (min; DRAMPower-style
IDD model) and ``power_mw`` (min; energy / total time).

Baseline (default design, the ArchGym setup): Open, Fifo, Bankwise, 8, Fifo, AllBank, 8, 8,
Simple, 128, NoPowerDown on DDR3-1600 ``MICRON_1Gb_DDR3-1600_8bit_G`` with mapping
``am_ddr3_8x1Gbx8_dimm_p1KB_rbc`` and the trace player at 800 MHz. The default objective is
ArchGym's "both": a :class:`~archgym.objective.TargetSpec` on ``power_mw`` and
``total_time_ns`` with targets 20 % below the baseline on the chosen workload, in the bounded
form (issue 18; the baseline scores 0.8² = 0.64, a design meeting both targets ≥ 1). The id
stays ``archgym/DRAM-v0``: the observation, action space and metrics are unchanged, the former
reward is ``objective={"kind": "target", "metrics": ["power_mw", "total_time_ns"], "form":
"one_sided"}``, and no release carried the old default.

Workloads: ``stream``, ``random``, ``cloud-1``, ``cloud-2`` (10,000 reads each), any ``.stl``
path, and ``synthetic:<pattern>[:key=value]...`` (see :mod:`archgym.simulators.dram.trace`).

Reference: DRAMSys 4.0 (Steiner et al., 2020) and DRAMPower. Left out: multiple channels and
initiators, traffic generators, self-refresh, ECC, refresh management (RFM), non-zero
arbitration/PHY delays, I/O and termination energy, DDR5/HBM/GDDR devices, the
GrpFrFcfs schedulers and the Strict command multiplexer.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from archgym.errors import ConfigError, UnknownWorkloadError, did_you_mean
from archgym.objective import Objective, TargetSpec
from archgym.simulator import Metric, Simulator
from archgym.space import Categorical, Design, Integer, ParameterSpace

from . import engine as E
from .config import (
    DATA_DIR,
    MC_KNOBS,
    REFRESH_POLICIES,
    AddressMapping,
    MemSpec,
    load_address_mapping,
    load_memspec,
    load_simulation,
)
from .power import energy_components
from .trace import Trace, load_stl, synthetic

logger = logging.getLogger(__name__)

#: device presets: (memspec, address mapping, player clock in MHz or None for the device clock)
DEVICES: dict[str, tuple[str, str, float | None]] = {
    "ddr3": ("MICRON_1Gb_DDR3-1600_8bit_G.json", "am_ddr3_8x1Gbx8_dimm_p1KB_rbc.json", 800.0),
    "ddr4": ("JEDEC_4Gb_DDR4-2400_8bit_A.json", "am_ddr4_8x4Gbx8_dimm_p1KB_brc.json", None),
    "lpddr4": ("JEDEC_8Gb_LPDDR4-3200_16bit.json", "am_lpddr4_8Gbx16_brc.json", None),
}
TRACES = ("stream", "random", "cloud-1", "cloud-2")
_CHOICES = {
    "PagePolicy": ("Open", "OpenAdaptive", "Closed", "ClosedAdaptive"),
    "Scheduler": ("Fifo", "FrFcfs", "FrFcfsGrp"),
    "SchedulerBuffer": ("Bankwise", "ReadWrite", "Shared"),
    "RespQueue": ("Fifo", "Reorder"),
    "RefreshPolicy": ("NoRefresh", "AllBank", "PerBank"),
    "Arbiter": ("Simple", "Fifo", "Reorder"),
    "PowerDownPolicy": ("NoPowerDown", "Staggered"),
}
BASELINE: Design = {
    "PagePolicy": "Open", "Scheduler": "Fifo", "SchedulerBuffer": "Bankwise", "RequestBufferSize": 8,
    "RespQueue": "Fifo", "RefreshPolicy": "AllBank", "RefreshMaxPostponed": 8, "RefreshMaxPulledin": 8,
    "Arbiter": "Simple", "MaxActiveTransactions": 128, "PowerDownPolicy": "NoPowerDown",
}


def design_space_for(memory_type: str) -> ParameterSpace:
    """The canonical design space; RefreshPolicy offers what the standard has."""
    return ParameterSpace({
        "PagePolicy": Categorical(_CHOICES["PagePolicy"]),
        "Scheduler": Categorical(_CHOICES["Scheduler"]),
        "SchedulerBuffer": Categorical(_CHOICES["SchedulerBuffer"]),
        "RequestBufferSize": Integer(1, 128),
        "RespQueue": Categorical(_CHOICES["RespQueue"]),
        "RefreshPolicy": Categorical(REFRESH_POLICIES[memory_type]),
        "RefreshMaxPostponed": Integer(1, 8),
        "RefreshMaxPulledin": Integer(1, 8),
        "Arbiter": Categorical(_CHOICES["Arbiter"]),
        "MaxActiveTransactions": Integer(1, 128),
        "PowerDownPolicy": Categorical(_CHOICES["PowerDownPolicy"]),
    })


def timing_vector(spec: MemSpec) -> tuple[np.ndarray, dict[str, int]]:
    """The engine's timing/geometry vector ``P`` (cycles) and the normalised timing dict."""
    t = spec.timing
    kind = spec.memory_type
    burst = spec.burst_cycles
    if kind == "LPDDR4":
        n = {"RP": t["RPPB"], "RPAB": t["RPAB"], "RC": t.get("RCPB", t["RAS"] + t["RPPB"]), "RRD_S": t["RRD"],
             "RRD_L": t["RRD"], "CCD_S": t["CCD"], "CCD_L": t["CCD"], "WTR_S": t["WTR"], "WTR_L": t["WTR"],
             "RFC": t["RFCAB"], "RFCPB": t["RFCPB"], "REFIPB": t["REFIPB"],
             "RDWR_X": t.get("DQSCK", 0) + t.get("WPRE", 0) + t.get("RPST", 0), "WRX": 1, "PPD": t.get("PPD", 0),
             "LEN_ACT": 4, "LEN_CAS": 4, "LEN_PRE": 2, "LEN_REF": 2}
    else:
        ddr4 = kind == "DDR4"
        n = {"RP": t["RP"], "RPAB": t["RP"], "RC": t["RC"],
             "RRD_S": t["RRD_S"] if ddr4 else t["RRD"], "RRD_L": t["RRD_L"] if ddr4 else t["RRD"],
             "CCD_S": t["CCD_S"] if ddr4 else t["CCD"], "CCD_L": t["CCD_L"] if ddr4 else t["CCD"],
             "WTR_S": t["WTR_S"] if ddr4 else t["WTR"], "WTR_L": t["WTR_L"] if ddr4 else t["WTR"],
             "RFC": t["RFC"], "RFCPB": 0, "REFIPB": 0, "RDWR_X": 2, "WRX": 0, "PPD": 0,
             "LEN_ACT": 1, "LEN_CAS": 1, "LEN_PRE": 1, "LEN_REF": 1}
    al = t.get("AL", 0)
    n.update({"RCD": t["RCD"], "RAS": t["RAS"], "FAW": t["FAW"], "RL": t["RL"], "WL": t["WL"], "BURST": burst,
              "WR": t["WR"], "RTP": t["RTP"] + al, "REFI": t["REFI"], "RTRS": t.get("RTRS", 1),
              "XP": t.get("XP", 1), "CKE": t.get("CKE", 1), "ACTPDEN": t.get("ACTPDEN", 1),
              "PRPDEN": t.get("PRPDEN", 1), "REFPDEN": t.get("REFPDEN", 1), "NRANKS": spec.ranks,
              "NBPR": spec.banks, "NGPR": spec.bank_groups})
    P = np.array([n[k] for k in E.PARAM_NAMES], np.int64)
    return P, n


def config_vector(design: Mapping[str, Any]) -> np.ndarray:
    """The engine's configuration vector ``C`` for a validated design."""
    C = np.zeros(E.N_CONFIG, np.int64)
    C[E.PAGE] = _CHOICES["PagePolicy"].index(design["PagePolicy"])
    C[E.SCHED] = _CHOICES["Scheduler"].index(design["Scheduler"])
    C[E.BUF] = _CHOICES["SchedulerBuffer"].index(design["SchedulerBuffer"])
    C[E.BUFSIZE] = design["RequestBufferSize"]
    C[E.RESPQ] = _CHOICES["RespQueue"].index(design["RespQueue"])
    C[E.REFPOL] = _CHOICES["RefreshPolicy"].index(design["RefreshPolicy"])
    C[E.MAXPOST] = design["RefreshMaxPostponed"]
    C[E.MAXPULL] = design["RefreshMaxPulledin"]
    C[E.ARB] = _CHOICES["Arbiter"].index(design["Arbiter"])
    C[E.MAXACT] = design["MaxActiveTransactions"]
    C[E.PDPOL] = _CHOICES["PowerDownPolicy"].index(design["PowerDownPolicy"])
    return C


class DramSimulator(Simulator):
    """Cycle-level DRAM controller model reading DRAMSys configs and traces.

    Args:
        device: ``"ddr3"`` (default, the ArchGym setup), ``"ddr4"`` or ``"lpddr4"``.
        memspec: path to a DRAMSys memspec JSON (overrides ``device``'s).
        addressmapping: path to a DRAMSys address-mapping JSON (overrides ``device``'s).
        player_clk_mhz: trace player clock in MHz (default: 800 for ddr3, else the device clock).
    """

    name = "dram"
    version = "2"  # 2: RDA/WRA without a tRAS lock-out, as DRAMSys 4.0 (small buffers within 0.3 %)
    fidelity = "cycle"
    metrics = (
        Metric("total_time_ns", "ns", "min", "simulated time until the last response returns"),
        Metric("avg_latency_ns", "ns", "min", "mean request latency, trace time stamp to response"),
        Metric("p99_latency_ns", "ns", "min", "99th-percentile request latency"),
        Metric("bandwidth_gbps", "GB/s", "max", "bytes moved / total time"),
        Metric("row_hit_rate", "1", "max", "fraction of requests served from a row opened for another request"),
        Metric("energy_pj", "pJ", "min", "DRAM energy (DRAMPower-style IDD model)"),
        Metric("power_mw", "mW", "min", "average DRAM power = energy / total time"),
    )
    workloads = TRACES

    def __init__(self, device: str = "ddr3", memspec: str | os.PathLike | None = None,
                 addressmapping: str | os.PathLike | None = None, player_clk_mhz: float | None = None):
        if device not in DEVICES:
            raise ConfigError(f"unknown device {device!r}{did_you_mean(device, DEVICES)}; allowed: {', '.join(DEVICES)}")
        ms, am, clk = DEVICES[device]
        spec = load_memspec(memspec if memspec is not None else DATA_DIR / "memspecs" / ms)
        mapping = load_address_mapping(addressmapping if addressmapping is not None else DATA_DIR / "amconfigs" / am)
        if player_clk_mhz is None:
            player_clk_mhz = clk if (memspec is None and clk is not None) else spec.clk_mhz
        self._configure(spec, mapping, float(player_clk_mhz))

    def _configure(self, spec: MemSpec, mapping: AddressMapping, player_clk_mhz: float) -> None:
        mapping.check(spec)
        if not (math.isfinite(player_clk_mhz) and player_clk_mhz > 0):
            raise ConfigError(f"player_clk_mhz must be positive, got {player_clk_mhz!r}")
        self.memspec, self.mapping, self.player_clk_mhz = spec, mapping, player_clk_mhz
        self.design_space = design_space_for(spec.memory_type)
        self._P, self.timing = timing_vector(spec)
        self._traces: dict[str, tuple[Trace, tuple[np.ndarray, ...]]] = {}

    # -- the card -------------------------------------------------------------------------
    def default_design(self) -> Design:
        return dict(BASELINE)

    def default_objective(self, workload: str | None = None) -> Objective:
        """ArchGym's "both" objective: power and latency (= total simulated time), targets 20 % below the baseline."""
        return TargetSpec.from_baseline(self, workload, improvement=0.2, metrics=["power_mw", "total_time_ns"])

    def check_workload(self, workload: str | None) -> str:
        if workload is None:
            return self.default_workload
        if workload in TRACES:
            return workload
        if workload.startswith("synthetic:"):
            from .trace import parse_synthetic

            parse_synthetic(workload)
            return workload
        if workload.endswith(".stl") and Path(workload).is_file():
            return workload
        raise UnknownWorkloadError(
            f"simulator 'dram' has no workload {workload!r}{did_you_mean(workload, TRACES)}; allowed: "
            f"{', '.join(TRACES)}, a path to an existing .stl trace, or 'synthetic:<pattern>[:key=value]...'"
        )

    # -- traces ---------------------------------------------------------------------------
    def trace(self, workload: str) -> Trace:
        """The request trace of a workload (parsed once and cached)."""
        return self._prepared(workload)[0]

    def _prepared(self, workload: str) -> tuple[Trace, tuple[np.ndarray, ...]]:
        if workload not in self._traces:
            capacity = 1 << self.mapping.address_bits
            if workload in TRACES:
                tr = load_stl(DATA_DIR / "traces" / f"{workload}.stl")
            elif workload.startswith("synthetic:"):
                tr = synthetic(workload, self.memspec.bytes_per_burst, capacity)
            else:
                tr = load_stl(workload)
            self._traces[workload] = (tr, self._arrays(tr))
        return self._traces[workload]

    def _arrays(self, tr: Trace) -> tuple[np.ndarray, ...]:
        """Decode a trace into the engine's per-request arrays (arrival in device cycles, bank, row …)."""
        spec = self.memspec
        tr.check_addresses(self.mapping.address_bits, f"address mapping {self.mapping.path}")
        d = self.mapping.decode(tr.address)
        issue_ns = tr.cycle * (1000.0 / self.player_clk_mhz)
        arr = np.ceil(issue_ns / spec.tck_ns - 1e-9).astype(np.int64)
        bank = d["rank"] * spec.banks + d["bankgroup"] * spec.banks_per_group + d["bank"]
        bg = d["rank"] * spec.bank_groups + d["bankgroup"]
        return (arr, tr.is_write.astype(np.int64), d["rank"], bank, bg, d["row"], tr.address, issue_ns)

    # -- evaluation -----------------------------------------------------------------------
    def run(self, design: Mapping[str, Any], workload: str | None = None, log: bool = False) -> dict[str, Any]:
        """Simulate and return metrics plus details (energy components, counts, responses, command log).

        Args:
            design: a design of :attr:`design_space` (validated here).
            workload: as for :meth:`evaluate`.
            log: keep the full command log (rows: cycle, command, rank, bank, row, request).
        """
        design = self.design_space.validate(design)
        workload = self.check_workload(workload)
        return self._run(design, workload, log)

    def run_trace(self, design: Mapping[str, Any], trace: Trace, log: bool = False) -> dict[str, Any]:
        """As :meth:`run`, on a :class:`~archgym.simulators.dram.trace.Trace` object (not cached)."""
        return self._simulate(self.design_space.validate(design), self._arrays(trace), trace.source, log)

    def _run(self, design: Design, workload: str, log: bool) -> dict[str, Any]:
        return self._simulate(design, self._prepared(workload)[1], workload, log)

    def _simulate(self, design: Design, arrays: tuple[np.ndarray, ...], workload: str, log: bool) -> dict[str, Any]:
        arr, is_wr, rank, bank, bg, row, addr, issue_ns = arrays
        n = arr.shape[0]
        cap = 8 * n + 1024 if log else 1
        player_cycles = 1000.0 / self.player_clk_mhz / self.memspec.tck_ns  # player clock period, controller cycles
        resp, K, _, _, cmd_log = E.simulate(arr, is_wr, rank, bank, bg, row, addr, self._P, config_vector(design), cap,
                                            player_cycles)
        if K[E.K_ERR]:
            raise RuntimeError(f"DRAM engine stalled (code {int(K[E.K_ERR])}) on {workload!r} with {design}")
        spec = self.memspec
        end = int(K[E.K_END])
        total_ns = end * spec.tck_ns
        counts = {"act": int(K[E.K_ACT]), "pre": int(K[E.K_PRE]), "rd": int(K[E.K_RD]), "wr": int(K[E.K_WR]),
                  "ref": int(K[E.K_REFA]), "refpb": int(K[E.K_REFPB]), "rda": int(K[E.K_RDA]), "wra": int(K[E.K_WRA]),
                  "prea": int(K[E.K_PREA]), "pde": int(K[E.K_PDE]), "row_hits": int(K[E.K_HIT]), "open_cycles": int(K[E.K_OPEN_CYC]),
                  "act_pd_cycles": int(K[E.K_ACTPD_CYC]), "pre_pd_cycles": int(K[E.K_PREPD_CYC])}
        comps = energy_components(spec, self.timing, counts, end)
        energy = float(sum(comps.values()))
        lat = resp * spec.tck_ns - issue_ns
        metrics = {
            "total_time_ns": total_ns,
            "avg_latency_ns": float(lat.mean()),
            "p99_latency_ns": float(np.percentile(lat, 99)),
            "bandwidth_gbps": n * spec.bytes_per_burst / total_ns if total_ns > 0 else 0.0,
            "row_hit_rate": counts["row_hits"] / n if n else 0.0,
            "energy_pj": energy,
            "power_mw": energy / total_ns if total_ns > 0 else 0.0,
        }
        return {"metrics": metrics, "energy_components": comps, "counts": counts, "end_cycle": end,
                "response_cycle": resp, "latency_ns": lat, "command_log": cmd_log if log else None}

    def _evaluate(self, design: Design, workload: str) -> dict[str, float]:
        return self._run(design, workload, False)["metrics"]

    def evaluate_batch(self, designs: Sequence[Mapping[str, Any]], workload: str | None = None) -> list[dict[str, float]]:
        """Score many designs on one trace; the compiled loop releases the GIL, so threads run in parallel."""
        workload = self.check_workload(workload)
        valid = [self.design_space.validate(d) for d in designs]
        self._prepared(workload)
        workers = max(1, min(len(valid), os.cpu_count() or 1))
        if workers == 1:
            return [self._check_metrics(self._evaluate(d, workload)) for d in valid]
        with ThreadPoolExecutor(workers) as pool:
            return list(pool.map(lambda d: self._check_metrics(self._evaluate(d, workload)), valid))

    # -- DRAMSys configs ------------------------------------------------------------------
    def design_from_config(self, path: str | os.PathLike) -> tuple[Design, str | None]:
        """Read a DRAMSys simulation JSON (or a bare mcconfig JSON).

        The simulation's memspec, address mapping and player clock replace this simulator's
        device (logged); mcconfig knobs it leaves out take the baseline's values.

        Returns:
            ``(design, workload)``: the workload is the trace's name when it is one of the
            shipped traces, else its path (``None`` when the file names no trace).
        """
        from .config import load_mcconfig, read_json

        data, _ = read_json(path)
        if "simulation" not in data:
            knobs = load_mcconfig(path)
            return self._complete(knobs, str(path)), None
        sim = load_simulation(path)
        if (sim.memspec, sim.mapping, sim.player_clk_mhz) != (self.memspec, self.mapping, self.player_clk_mhz):
            logger.info("dram: using device %s, mapping %s, player clock %s MHz from %s", sim.memspec.memory_id,
                        sim.mapping.path, sim.player_clk_mhz, path)
            self._configure(sim.memspec, sim.mapping, sim.player_clk_mhz)
        design = self._complete(sim.design, str(path))
        workload = None
        if sim.trace_path is not None:
            shipped = DATA_DIR / "traces" / sim.trace_path.name
            same = sim.trace_path.stem in TRACES and shipped.resolve() == sim.trace_path.resolve()
            workload = sim.trace_path.stem if same else str(sim.trace_path)
        return design, workload

    def _complete(self, knobs: Mapping[str, Any], source: str) -> Design:
        missing = [k for k in MC_KNOBS if k not in knobs]
        if missing:
            logger.info("dram: %s leaves out %s; using the baseline's values", source, ", ".join(missing))
        design = {**BASELINE, **knobs}
        allowed = self.design_space["RefreshPolicy"].values()
        if design["RefreshPolicy"] not in allowed:
            raise ConfigError(
                f"{source}: RefreshPolicy {design['RefreshPolicy']!r} is not available on {self.memspec.memory_type}; "
                f"allowed: {', '.join(allowed)}"
            )
        for k in ("RequestBufferSize", "MaxActiveTransactions", "RefreshMaxPostponed", "RefreshMaxPulledin"):
            p = self.design_space[k]
            if not p.contains(design[k]):
                raise ConfigError(f"{source}: {k} = {design[k]!r} is outside the modelled range ({p.describe()})")
        return self.design_space.validate(design)
