"""``scalesim`` (``archgym/ScaleSim-v0``): the external SCALE-Sim simulator as a second backend.

Problem card
------------
SCALE-Sim 3.0 (PyPI ``scalesim``; Samajdar et al., ISPASS 2020) simulates a systolic array
cycle by cycle, with double-buffered ifmap/filter/ofmap SRAMs in front of DRAM.

| parameter | unit | values | baseline (SCALE-Sim's sample config) |
|---|---|---|---|
| ``array_rows`` | PEs | 8 … 256 (powers of two) | 32 |
| ``array_cols`` | PEs | 8 … 256 (powers of two) | 32 |
| ``dataflow`` | — | ``os``, ``ws``, ``is`` | ``ws`` |
| ``ifmap_sram_kib`` | KiB | 16 … 4096 (powers of two) | 64 |
| ``filter_sram_kib`` | KiB | 16 … 4096 | 64 |
| ``ofmap_sram_kib`` | KiB | 16 … 4096 | 64 |
| ``dram_words_per_cycle`` | words/cycle | 4 … 128 (powers of two); only with ``mode="USER"`` | 16 |

Metrics (summed over the layers): ``latency_cycles`` (min; SCALE-Sim's "Total Cycles", compute
plus memory stalls), ``stall_cycles`` (min), ``prefetch_cycles`` (min; the extra cycles before
the first layer's operands are on chip, "Total Cycles (incl. prefetch)" − "Total Cycles"),
``utilisation`` (max; MACs / (cycles · PEs)), ``dram_reads_mwords`` and ``dram_writes_mwords``
(min; millions of words, from ``DETAILED_ACCESS_REPORT.csv``).

Workloads: the networks of :data:`~archgym.simulators.networks.NETWORKS` at batch 1 (no batch in SCALE-Sim),
or a subset of one network's layers (``"alexnet:conv2"``, ``"resnet18:conv1+conv2_1a"``: seconds
a call where a whole network takes minutes).
Every distinct layer shape runs once and its figures are multiplied by the number of times it
occurs (groups, heads, repeated blocks), since SCALE-Sim is deterministic; a grouped or depthwise
convolution becomes ``groups`` ordinary ones. Convolutions are given with their padded input
(``(Y − 1)·stride + R`` rows), fully-connected and attention GEMMs as SCALE-Sim's own GEMM
lowering (an ``M × K`` "ifmap" with a ``1 × K`` filter).

Interface bandwidth: ``mode="CALC"`` (default) lets SCALE-Sim assume whatever DRAM bandwidth
avoids stalls (its estimate mode; the design space then has no bandwidth knob);
``mode="USER"`` adds ``dram_words_per_cycle`` to the design space and reports the stalls a
limited interface causes — much slower (SCALE-Sim then simulates every request; a narrow
interface can take many minutes per layer).

Each call writes its config, topology and (required, unused) layout CSV into its own temporary
directory, runs SCALE-Sim there with its console output captured, parses the CSV reports and
deletes the directory; the caller's working directory is never touched. SCALE-Sim calls
``exit()`` on a missing input; that ``SystemExit`` is caught and re-raised as an
:class:`~archgym.errors.ArchGymError`. SCALE-Sim is slow (a Python loop over cycles: one
ResNet-18 on 32 × 32 takes on the order of 100 s here), so ``fast = False``.

Agreement with the analytical model: the compute cycles of :mod:`archgym.simulators.systolic`
equal SCALE-Sim's demand-matrix lengths exactly for every ResNet-18 layer on every array shape
and dataflow tried; SCALE-Sim's "Total Cycles" is one less per layer (the index of the last
cycle) when nothing stalls (``tests/integration/test_scalesim_crosscheck.py``).
"""

from __future__ import annotations

import configparser
import csv
import logging
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from archgym.errors import ArchGymError, ConfigError
from archgym.simulator import Metric, Simulator
from archgym.simulators.networks import NETWORKS, Layer, resolve_workload
from archgym.space import Categorical, Design, ParameterSpace, PowerOfTwo

logger = logging.getLogger(__name__)

__all__ = ["ScaleSimSimulator", "SCALESIM_BASELINE", "topology_rows", "parse_compute_report"]

_PARAMS = {
    "array_rows": PowerOfTwo(8, 256),
    "array_cols": PowerOfTwo(8, 256),
    "dataflow": Categorical(["os", "ws", "is"]),
    "ifmap_sram_kib": PowerOfTwo(16, 4096),
    "filter_sram_kib": PowerOfTwo(16, 4096),
    "ofmap_sram_kib": PowerOfTwo(16, 4096),
}
#: The design space in ``CALC`` mode (SCALE-Sim picks the DRAM bandwidth).
SCALESIM_SPACE = ParameterSpace(_PARAMS)
#: The design space in ``USER`` mode (the DRAM interface width is a knob).
SCALESIM_SPACE_USER = ParameterSpace({**_PARAMS, "dram_words_per_cycle": PowerOfTwo(4, 128)})

SCALESIM_BASELINE: dict[str, Any] = {
    "array_rows": 32,
    "array_cols": 32,
    "dataflow": "ws",
    "ifmap_sram_kib": 64,
    "filter_sram_kib": 64,
    "ofmap_sram_kib": 64,
    "dram_words_per_cycle": 16,
}

SCALESIM_METRICS = (
    Metric("latency_cycles", "cycles", "min", "SCALE-Sim total cycles (compute + stalls), summed over layers"),
    Metric("stall_cycles", "cycles", "min", "cycles the array waited for memory"),
    Metric("prefetch_cycles", "cycles", "min", "cycles spent filling the SRAMs before compute starts"),
    Metric("utilisation", "1", "max", "MACs / (cycles x PEs)"),
    Metric("dram_reads_mwords", "Mwords", "min", "words read from DRAM / 1e6"),
    Metric("dram_writes_mwords", "Mwords", "min", "words written to DRAM / 1e6"),
)

_WORKER = Path(__file__).with_name("scalesim_worker.py")

_TOPOLOGY_HEADER = "Layer name,IFMAP Height,IFMAP Width,Filter Height,Filter Width,Channels,Num Filter,Strides,"


def topology_rows(layers: Iterable[Layer]) -> list[tuple[tuple[int, ...], int, int, str]]:
    """Distinct SCALE-Sim conv-topology rows of ``layers`` (batch 1).

    Returns:
        ``(row, count, macs_per_run, first layer name)`` per distinct row, where ``row`` is
        ``(ifmap_h, ifmap_w, filter_h, filter_w, channels, filters, stride)``.
    """
    out: dict[tuple[int, ...], list] = {}
    for layer in layers:
        if layer.batch != 1:
            raise ConfigError(f"SCALE-Sim has no batch dimension; layer {layer.name!r} has batch {layer.batch}")
        if layer.kind == "conv":
            h, w = layer.input_hw
            row = (h, w, layer.R, layer.S, layer.C // layer.groups, layer.K // layer.groups, layer.stride)
        else:  # SCALE-Sim's own GEMM lowering: ifmap M × K, filter 1 × K, N filters
            m, n, k = layer.gemm()
            row = (m, k, 1, k, 1, n, 1)
        m, n, k = layer.gemm()
        entry = out.setdefault(row, [row, 0, m * n * k, layer.name])
        entry[1] += layer.repeats()
    return [tuple(v) for v in out.values()]


def _pump(stream: Any, lines: queue.Queue) -> None:
    """Copy the worker's protocol lines into ``lines``; ``None`` at end of stream."""
    for line in stream:
        lines.put(line.strip())
    lines.put(None)


def _read_csv(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        raise ArchGymError(f"SCALE-Sim wrote no {path.name} (looked in {path.parent})")
    with path.open(newline="") as f:
        rows = list(csv.reader(f))
    if not rows:
        raise ArchGymError(f"{path}: empty report")
    header = [h.strip() for h in rows[0]]
    out = []
    for lineno, row in enumerate(rows[1:], start=2):
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        if len(cells) < len([h for h in header if h]):
            raise ArchGymError(f"{path}:{lineno}: expected {len(header)} columns, got {len(cells)}")
        out.append(dict(zip(header, cells)))
    return out


def parse_compute_report(path: Path) -> list[dict[str, float]]:
    """Per-layer rows of ``COMPUTE_REPORT.csv`` as floats (total, total incl. prefetch, stalls, util %)."""
    rows = []
    for i, r in enumerate(_read_csv(path), start=2):
        try:
            rows.append(
                {
                    "total_cycles": float(r["Total Cycles"]),
                    "total_with_prefetch": float(r["Total Cycles (incl. prefetch)"]),
                    "stall_cycles": float(r["Stall Cycles"]),
                    "overall_util_pct": float(r["Overall Util %"]),
                }
            )
        except (KeyError, ValueError) as exc:
            raise ArchGymError(f"{path}:{i}: cannot parse SCALE-Sim compute report row: {exc}") from exc
    return rows


def _dram_words(path: Path) -> list[tuple[float, float]]:
    """(DRAM reads, DRAM writes) per layer from ``DETAILED_ACCESS_REPORT.csv``."""
    out = []
    for i, r in enumerate(_read_csv(path), start=2):
        try:
            reads = float(r["DRAM IFMAP Reads"]) + float(r["DRAM Filter Reads"])
            writes = float(r["DRAM OFMAP Writes"])
        except (KeyError, ValueError) as exc:
            raise ArchGymError(f"{path}:{i}: cannot parse SCALE-Sim access report row: {exc}") from exc
        out.append((reads, writes))
    return out


class ScaleSimSimulator(Simulator):
    """SCALE-Sim 3.0 systolic-array simulator run in a private temporary directory (see the module card)."""

    name = "scalesim"
    version = "1"
    fidelity = "scalesim"
    design_space = SCALESIM_SPACE
    metrics = SCALESIM_METRICS
    workloads = ("resnet18",) + tuple(n for n in NETWORKS if n != "resnet18")
    fast = False

    #: the baseline's metrics are kept on disk across processes (see Simulator.baseline_metrics)
    baseline_cache = True

    def __init__(self, mode: str = "CALC", timeout_s: float | None = None, progress: bool | None = None):
        """Args:
            mode: ``"CALC"`` (SCALE-Sim estimates the DRAM bandwidth) or ``"USER"`` (a knob).
            timeout_s: end one call that runs longer than this many seconds with an
                :class:`~archgym.errors.ArchGymError` (``None``: no limit).
            progress: show ``SCALE-Sim <workload>: layer i of n`` on stderr (``None``: when
                stderr is a terminal).
        """
        if mode not in ("USER", "CALC"):
            raise ConfigError(f"mode must be 'CALC' or 'USER', got {mode!r}")
        if timeout_s is not None and not (isinstance(timeout_s, (int, float)) and timeout_s > 0):
            raise ConfigError(f"timeout_s must be a positive number of seconds or None, got {timeout_s!r}")
        self.mode = mode
        self.timeout_s = None if timeout_s is None else float(timeout_s)
        self.progress = progress
        self.design_space = SCALESIM_SPACE_USER if mode == "USER" else SCALESIM_SPACE

    def default_design(self) -> Design:
        return {k: v for k, v in SCALESIM_BASELINE.items() if k in self.design_space.names}

    def cache_tag(self) -> str:
        """What besides the design and workload decides a result: the mode and SCALE-Sim's version."""
        from importlib import metadata

        try:
            tool = metadata.version("scalesim")
        except metadata.PackageNotFoundError:
            tool = "not-installed"
        return f"mode={self.mode} scalesim={tool}"

    def write_inputs(self, design: Design, rows: list, folder: Path) -> tuple[Path, Path, Path]:
        """Write SCALE-Sim's config, topology and layout files into ``folder``."""
        cfg = configparser.ConfigParser()
        cfg.optionxform = str  # SCALE-Sim reads keys case-insensitively, keep them readable
        bw = str(design.get("dram_words_per_cycle", 10))  # CALC mode: SCALE-Sim's sample value, unused
        cfg["general"] = {"run_name": "run"}
        cfg["architecture_presets"] = {
            "ArrayHeight": str(design["array_rows"]),
            "ArrayWidth": str(design["array_cols"]),
            "IfmapSramSzkB": str(design["ifmap_sram_kib"]),
            "FilterSramSzkB": str(design["filter_sram_kib"]),
            "OfmapSramSzkB": str(design["ofmap_sram_kib"]),
            "IfmapOffset": "0",
            "FilterOffset": "10000000",
            "OfmapOffset": "20000000",
            "Dataflow": design["dataflow"],
            "Bandwidth": bw,
            "MemoryBanks": "1",
            "ReadRequestBuffer": "32",
            "WriteRequestBuffer": "32",
        }
        cfg["layout"] = {
            "IfmapCustomLayout": "False",
            "IfmapSRAMBankBandwidth": bw,
            "IfmapSRAMBankNum": "1",
            "IfmapSRAMBankPort": "1",
            "FilterCustomLayout": "False",
            "FilterSRAMBankBandwidth": bw,
            "FilterSRAMBankNum": "1",
            "FilterSRAMBankPort": "1",
        }
        cfg["sparsity"] = {
            "SparsitySupport": "false",
            "SparseRep": "ellpack_block",
            "OptimizedMapping": "false",
            "BlockSize": "8",
            "RandomNumberGeneratorSeed": "40",
        }
        cfg["run_presets"] = {"InterfaceBandwidth": self.mode, "UseRamulatorTrace": "False"}
        config = folder / "scale.cfg"
        with config.open("w") as f:
            cfg.write(f)
        topology = folder / "topology.csv"
        layout = folder / "layout.csv"
        topo_lines = [_TOPOLOGY_HEADER]
        layout_lines = ["Layer," + ",".join(f"c{i}" for i in range(1, 22)) + ","]
        for i, (row, _count, _macs, _name) in enumerate(rows):
            topo_lines.append(f"L{i}," + ",".join(str(v) for v in row) + ",")
            layout_lines.append(f"L{i}," + ",".join(["1"] * 21) + ",")
        topology.write_text("\n".join(topo_lines) + "\n")
        layout.write_text("\n".join(layout_lines) + "\n")
        return config, topology, layout

    def run_layers(self, design: Design, rows: list, label: str = "") -> list[dict[str, float]]:
        """Run SCALE-Sim on distinct topology rows; per-row report figures (one run each).

        SCALE-Sim runs in a child process (:mod:`.scalesim_worker`), one layer at a time, so a
        progress line ``layer i of n`` can be shown and a call past :attr:`timeout_s` is ended
        by killing that process alone; its temporary folder is removed either way.

        Raises:
            ArchGymError: SCALE-Sim exited, crashed or ran past ``timeout_s``.
        """
        with tempfile.TemporaryDirectory(prefix="archgym-scalesim-") as tmp:
            folders = []
            for i, row in enumerate(rows):
                folder = Path(tmp) / f"L{i}"
                folder.mkdir()
                self.write_inputs(design, [row], folder)
                folders.append(folder)
            self._run_worker(folders, rows, label, Path(tmp))
            compute, dram = [], []
            for folder in folders:
                compute += parse_compute_report(folder / "run" / "COMPUTE_REPORT.csv")
                dram += _dram_words(folder / "run" / "DETAILED_ACCESS_REPORT.csv")
        if len(compute) != len(rows) or len(dram) != len(rows):
            raise ArchGymError(f"SCALE-Sim reported {len(compute)} layers, expected {len(rows)}")
        for c, (r, w) in zip(compute, dram):
            c["dram_reads"], c["dram_writes"] = r, w
        return compute

    def _run_worker(self, folders: list[Path], rows: list, label: str, tmp: Path) -> None:
        from tqdm.auto import tqdm

        n = len(folders)
        show = self.progress if self.progress is not None else sys.stderr.isatty()
        bar = tqdm(total=n, desc=f"SCALE-Sim {label}".strip(), bar_format="{desc} [{elapsed}]", disable=not show, leave=False)
        lines: queue.Queue[str | None] = queue.Queue()
        with (tmp / "stderr.txt").open("w+") as err:
            proc = subprocess.Popen(
                [sys.executable, str(_WORKER), *map(str, folders)], stdout=subprocess.PIPE, stderr=err, text=True
            )
            reader = threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True)
            reader.start()
            start = time.monotonic()
            layer, exit_code = 0, None
            try:
                while True:
                    left = None if self.timeout_s is None else self.timeout_s - (time.monotonic() - start)
                    if left is not None and left <= 0:
                        raise queue.Empty
                    line = lines.get(timeout=left)
                    if line is None:
                        break
                    word, _, rest = line.partition(" ")
                    if word == "start":
                        layer = int(rest) + 1
                        bar.set_description_str(f"SCALE-Sim {label + ': ' if label else ''}layer {layer} of {n} ({rows[layer - 1][3]})")
                    elif word == "done":
                        bar.update(1)
                    elif word == "exit":
                        exit_code = rest.split(" ", 1)[1]
            except queue.Empty:
                proc.kill()
                proc.wait()
                raise ArchGymError(
                    f"SCALE-Sim timed out after {self.timeout_s:g} s at layer {max(layer, 1)} of {n} "
                    f"({rows[max(layer, 1) - 1][3]}); allowed: a larger timeout (timeout_s=, --timeout) or none"
                ) from None
            except BaseException:  # Ctrl-C or SIGTERM: end the child too, then let it propagate
                proc.kill()
                proc.wait()
                raise
            finally:
                bar.close()
            status = proc.wait()
            err.seek(0)
            stderr = err.read().strip()
        if exit_code is not None:
            console = (folders[layer - 1] / "console.txt").read_text().strip()
            raise ArchGymError(f"SCALE-Sim exited ({exit_code}) at layer {layer} of {n}: {console[-500:]}")
        if status != 0:
            raise ArchGymError(f"SCALE-Sim worker failed (status {status}) at layer {layer} of {n}: {stderr[-500:]}")
        logger.debug("SCALE-Sim ran %d layers in %.1f s", n, time.monotonic() - start)

    def check_workload(self, workload: str | None) -> str:
        """A network of :attr:`workloads`, or a layer subset of one (``"alexnet:conv2"``, ``"resnet18:conv1+fc"``)."""
        if isinstance(workload, str) and ":" in workload:
            resolve_workload(workload)  # raises naming the unknown network or layer
            return workload
        return super().check_workload(workload)

    def _evaluate(self, design: Design, workload: str) -> dict[str, float]:
        rows = topology_rows(resolve_workload(workload))
        per_row = self.run_layers(design, rows, label=workload)
        total = stall = dram_r = dram_w = macs = 0.0
        prefetch = per_row[0]["total_with_prefetch"] - per_row[0]["total_cycles"]
        for (_row, count, row_macs, _name), rep in zip(rows, per_row):
            total += count * rep["total_cycles"]
            stall += count * rep["stall_cycles"]
            dram_r += count * rep["dram_reads"]
            dram_w += count * rep["dram_writes"]
            macs += count * row_macs
        pes = design["array_rows"] * design["array_cols"]
        return {
            "latency_cycles": total,
            "stall_cycles": stall,
            "prefetch_cycles": prefetch,
            "utilisation": macs / (total * pes),
            "dram_reads_mwords": dram_r * 1e-6,
            "dram_writes_mwords": dram_w * 1e-6,
        }
