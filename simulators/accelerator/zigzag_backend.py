"""``zigzag`` (``archgym/ZigZag-v0``): the ZigZag DSE tool as a second real backend of ``dnn_accel``.

Problem card
------------
ZigZag (PyPI ``zigzag-dse``, MIT, KU Leuven; Mei et al., IEEE TC 2021; Symons et al. 2022)
costs one layer on an accelerator description with an analytical model of every memory level
and searches the temporal mapping (loop order and blocking) with its LOMA engine.

**Parameters**: the design space of ``dnn_accel`` (:data:`.simulator.DESIGN_SPACE`), translated
into ZigZag's accelerator and mapping files by :mod:`.zigzag_translate` — the same designs,
so the two backends are compared design by design.

**Metrics** (summed over the layers, each layer × its ``groups``):

| metric | unit | direction | meaning |
|---|---|---|---|
| ``latency_cycles`` | cycles | min | ZigZag's ``latency_total2`` (ideal cycles + stalls + on/off-loading + systolic drain) |
| ``energy_uj`` | µJ | min | ZigZag's ``energy_total`` (MACs + every memory access) |
| ``utilisation`` | 1 | max | MACs / (cycles · PEs) |
| ``mac_energy_uj``, ``rf_energy_uj``, ``glb_energy_uj``, ``dram_energy_uj`` | µJ | min | the energy by component |

**Workloads**: the networks of :data:`archgym.simulators.networks.NETWORKS` and any layer
subset of one, ``"resnet18:conv1"`` or ``"resnet18:conv1+conv2_1a"`` (tests and benchmarks
use small subsets: ZigZag takes seconds per layer).

**Running it**: each distinct (layer shape, design) is run once, in a worker process in its own
temporary folder (ZigZag writes output folders and reconfigures the root logger; its log and
console output are captured and only reported when it fails), with ``lpf_limit`` ≤ 6 (above,
the temporal-mapping search explodes). Results are cached on disk as JSON under
``cache_dir`` (default ``$ARCHGYM_ZIGZAG_CACHE`` or ``~/.cache/archgym/zigzag``), keyed by the
hash of the translated inputs, ZigZag's version, ``lpf_limit`` and the optimisation target;
distinct layers run in parallel on ``jobs`` processes. ``fast = False``.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import sys
import tempfile
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from importlib import metadata
from pathlib import Path
from typing import Any

from archgym.errors import ArchGymError, ConfigError, InfeasibleDesign, UnknownWorkloadError
from archgym.simulator import Metric, Simulator
from archgym.simulators.accelerator.simulator import BASELINE, DESIGN_SPACE
from archgym.simulators.accelerator.zigzag_translate import zigzag_inputs
from archgym.simulators.networks import NETWORKS, Layer, resolve_workload
from archgym.space import Design

logger = logging.getLogger(__name__)

__all__ = ["ZigZagSimulator", "ZIGZAG_METRICS", "run_zigzag", "zigzag_version"]

ZIGZAG_METRICS = (
    Metric("latency_cycles", "cycles", "min", "ZigZag latency_total2 summed over the layers"),
    Metric("energy_uj", "uJ", "min", "ZigZag energy_total summed over the layers"),
    Metric("utilisation", "1", "max", "MACs / (cycles x PEs)"),
    Metric("mac_energy_uj", "uJ", "min", "energy of the MAC operations"),
    Metric("rf_energy_uj", "uJ", "min", "register-file access energy"),
    Metric("glb_energy_uj", "uJ", "min", "global-buffer access energy"),
    Metric("dram_energy_uj", "uJ", "min", "DRAM access energy"),
)
MAX_LPF = 6


def zigzag_version() -> str:
    """The installed ``zigzag-dse`` version (raises a clear error when it is not installed)."""
    try:
        return metadata.version("zigzag-dse")
    except metadata.PackageNotFoundError as exc:
        raise ArchGymError('the zigzag backend needs ZigZag: pip install -e ".[zigzag]"') from exc


def run_zigzag(job: tuple[Any, Any, Any, int, str]) -> dict[str, Any]:
    """Run ZigZag on one (accelerator, mapping, workload, lpf_limit, opt) in a fresh temporary folder.

    The first three are dicts/lists (written as YAML) or paths to ZigZag's own files; the
    workload may also be an ONNX ``ModelProto``.

    Runs in a worker process (it changes the working directory and the root logger there).

    Returns:
        ``{"energy_pj", "latency_cycles", "mac_energy_pj", "<memory>_energy_pj", ...}``, or
        ``{"error": text}`` when ZigZag fails (with the tail of its captured log).
    """
    import yaml

    accelerator, mapping, workload, lpf_limit, opt = job
    console = io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:], root.level, os.getcwd()
    bin_dir = str(Path(sys.executable).parent)  # CACTI (auto_cost_extraction) is found on PATH
    os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    with tempfile.TemporaryDirectory(prefix="archgym-zigzag-") as tmp:
        paths: dict[str, Any] = {}
        for key, data in (("accelerator", accelerator), ("mapping", mapping), ("workload", workload)):
            if not isinstance(data, (list, dict)):  # a file path (or, for the workload, an ONNX model)
                paths[key] = data
                continue
            paths[key] = os.path.join(tmp, f"{key}.yaml")
            with open(paths[key], "w", encoding="utf-8") as f:
                yaml.safe_dump(data, f, sort_keys=False)
        root.handlers = [logging.StreamHandler(console)]
        root.setLevel(logging.WARNING)
        os.chdir(tmp)
        try:
            with contextlib.redirect_stdout(console), contextlib.redirect_stderr(console):
                from zigzag.api import get_hardware_performance_zigzag

                energy, latency, cmes = get_hardware_performance_zigzag(
                    paths["workload"], paths["accelerator"], paths["mapping"], opt=opt,
                    dump_folder=os.path.join(tmp, "out"), lpf_limit=lpf_limit, loma_show_progress_bar=False,
                )
            cme = cmes[0][1][0][0]
            out = {"energy_pj": float(energy), "latency_cycles": float(latency), "mac_energy_pj": float(cme.mac_energy)}
            out["ideal_cycles"] = float(cme.ideal_cycle)
            for layer_op, per_level in cme.mem_energy_breakdown.items():
                mem_op = cme.memory_operand_links.layer_to_mem_op(layer_op)
                levels = cme.accelerator.memory_hierarchy.get_memory_levels(mem_op=mem_op)
                for level, e in zip(levels, per_level):
                    key = f"{level.name}_energy_pj"
                    out[key] = out.get(key, 0.0) + float(e)
            return out
        except Exception as exc:  # noqa: BLE001 - ZigZag raises anything; report it as data
            return {"error": f"{type(exc).__name__}: {exc}; log: {console.getvalue().strip()[-800:]}"}
        finally:
            os.chdir(saved[2])
            root.handlers, _ = saved[0], root.setLevel(saved[1])


class ZigZagSimulator(Simulator):
    """ZigZag over the ``dnn_accel`` design space (see the module card)."""

    name = "zigzag"
    version = "1"
    fidelity = "zigzag"
    design_space = DESIGN_SPACE
    metrics = ZIGZAG_METRICS
    workloads = ("resnet18",) + tuple(n for n in NETWORKS if n != "resnet18")
    fast = False

    def __init__(self, cache_dir: str | os.PathLike | None = None, jobs: int = 2, lpf_limit: int = 6,
                 opt: str = "latency", clock_ghz: float = 1.0):
        if not isinstance(lpf_limit, int) or not 1 <= lpf_limit <= MAX_LPF:
            raise ConfigError(f"lpf_limit must be an integer in 1..{MAX_LPF} (above 6 ZigZag's mapping search explodes), got {lpf_limit!r}")
        if opt not in ("latency", "energy", "EDP"):
            raise ConfigError(f"opt must be 'latency', 'energy' or 'EDP', got {opt!r}")
        if not isinstance(jobs, int) or jobs < 1:
            raise ConfigError(f"jobs must be a positive integer, got {jobs!r}")
        default = os.environ.get("ARCHGYM_ZIGZAG_CACHE") or Path.home() / ".cache" / "archgym" / "zigzag"
        self.cache_dir = Path(cache_dir if cache_dir is not None else default)
        self.jobs, self.lpf_limit, self.opt, self.clock_ghz = jobs, lpf_limit, opt, float(clock_ghz)

    def default_design(self) -> Design:
        return dict(BASELINE)

    def check_workload(self, workload: str | None) -> str:
        if workload is None:
            return self.default_workload
        if workload not in self.workloads:
            if not isinstance(workload, str) or ":" not in workload:
                raise UnknownWorkloadError(
                    f"simulator 'zigzag' has no workload {workload!r}; allowed: {', '.join(self.workloads)} "
                    "or a layer subset such as 'resnet18:conv1+conv2_1a'"
                )
            resolve_workload(workload)  # raises naming the unknown layer
        return workload

    # -- per-layer runs with a disk cache ---------------------------------------------------
    def _key(self, job: tuple) -> str:
        accelerator, mapping, workload = job[:3]
        shape = [{k: v for k, v in layer.items() if k != "name"} for layer in workload]
        blob = json.dumps([zigzag_version(), accelerator, mapping, shape, self.lpf_limit, self.opt], sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()

    def cached_result(self, design: Mapping[str, Any], layer: Layer) -> dict[str, Any] | None:
        """The cached figures (or ``{"error": ...}``) of one group of ``layer`` on ``design``, or ``None`` if not run yet."""
        acc, mapping, wl = zigzag_inputs(design, layer, self.clock_ghz)
        path = self.cache_dir / f"{self._key((acc, mapping, wl, self.lpf_limit, self.opt))}.json"
        return json.loads(path.read_text()) if path.exists() else None

    def layer_results(self, designs: Sequence[Mapping[str, Any]], layers: Sequence[Layer]) -> list[list[dict[str, float]]]:
        """ZigZag's figures for one group of every layer on every design, ``[design][layer]``.

        Distinct (layer shape, design) pairs not in the cache run in parallel on ``jobs`` processes.
        """
        keys, todo = [], {}
        for design in designs:
            row = []
            for layer in layers:
                acc, mapping, wl = zigzag_inputs(design, layer, self.clock_ghz)
                job = (acc, mapping, wl, self.lpf_limit, self.opt)
                key = self._key(job)
                row.append(key)
                if key not in todo and not (self.cache_dir / f"{key}.json").exists():
                    todo[key] = job
            keys.append(row)
        if todo:
            logger.info("running ZigZag on %d distinct (layer, design) pairs with %d jobs", len(todo), self.jobs)
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            import multiprocessing

            import zigzag.api  # noqa: F401 - imported once here, inherited by the forked workers

            with ProcessPoolExecutor(max_workers=min(self.jobs, len(todo)), mp_context=multiprocessing.get_context("fork")) as pool:
                for key, result in zip(todo, pool.map(run_zigzag, todo.values())):
                    # failures are cached too: ZigZag is deterministic, and the key changes with the inputs
                    tmp = self.cache_dir / f".{key}.{os.getpid()}.tmp"
                    tmp.write_text(json.dumps(result))
                    tmp.replace(self.cache_dir / f"{key}.json")
        out = []
        for row in keys:
            res = [json.loads((self.cache_dir / f"{key}.json").read_text()) for key in row]
            for r in res:
                if "error" in r:
                    raise InfeasibleDesign("ZigZag cannot run this design: " + " ".join(r["error"].split())[:600])
            out.append(res)
        return out

    def network_metrics(self, design: Mapping[str, Any], layers: Sequence[Layer], per_layer: list[dict[str, float]]) -> dict[str, float]:
        """Sum per-group figures over the layers (each × its repeats) into the card's metrics."""
        tot: dict[str, float] = {}
        for layer, res in zip(layers, per_layer):
            for k, v in res.items():
                tot[k] = tot.get(k, 0.0) + layer.repeats() * v
        macs = sum(layer.macs() for layer in layers)
        cycles = tot["latency_cycles"]
        return {
            "latency_cycles": cycles,
            "energy_uj": tot["energy_pj"] * 1e-6,
            "utilisation": macs / (cycles * design["pe_rows"] * design["pe_cols"]),
            "mac_energy_uj": tot["mac_energy_pj"] * 1e-6,
            "rf_energy_uj": tot.get("rf_energy_pj", 0.0) * 1e-6,
            "glb_energy_uj": tot.get("glb_energy_pj", 0.0) * 1e-6,
            "dram_energy_uj": tot.get("dram_energy_pj", 0.0) * 1e-6,
        }

    def _evaluate(self, design: Design, workload: str) -> dict[str, float]:
        layers = resolve_workload(workload)
        return self.network_metrics(design, layers, self.layer_results([design], layers)[0])

    def evaluate_batch(self, designs: Sequence[Mapping[str, Any]], workload: str | None = None) -> list[dict[str, float]]:
        """Score many designs, every distinct layer of every design in one parallel pool."""
        workload = self.check_workload(workload)
        valid = [self.design_space.validate(d) for d in designs]
        layers = resolve_workload(workload)
        results = self.layer_results(valid, layers)
        return [self._check_metrics(self.network_metrics(d, layers, r)) for d, r in zip(valid, results)]
