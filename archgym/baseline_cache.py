"""Baseline metrics kept on disk, for simulators whose baseline takes minutes (SCALE-Sim).

A simulator opts in with ``baseline_cache = True``. One JSON file per (simulator name,
version, :meth:`~archgym.simulator.Simulator.cache_tag`, baseline design, workload) under
``$ARCHGYM_CACHE_DIR/baselines/`` (default ``$XDG_CACHE_HOME/archgym`` or
``~/.cache/archgym``). Files are written whole and renamed into place, so a killed process or
two processes at once never leave a torn file; an unreadable or mismatching file is ignored
and recomputed. Delete the folder to start over.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from archgym.simulator import Simulator

__all__ = ["cache_dir", "cached_baseline"]

logger = logging.getLogger(__name__)


def cache_dir() -> Path:
    """The folder ArchGym keeps cached results in."""
    if os.environ.get("ARCHGYM_CACHE_DIR"):
        return Path(os.environ["ARCHGYM_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "archgym"


def _identity(sim: Simulator, workload: str) -> dict[str, Any]:
    return {
        "simulator": sim.name,
        "version": str(sim.version),
        "tag": sim.cache_tag(),
        "workload": workload,
        "design": {k: sim.default_design()[k] for k in sorted(sim.default_design())},
    }


def cached_baseline(sim: Simulator, workload: str) -> dict[str, float]:
    """The baseline design's metrics on ``workload``, read from disk or computed and stored."""
    ident = _identity(sim, workload)
    key = hashlib.sha256(json.dumps(ident, sort_keys=True, default=str).encode()).hexdigest()[:24]
    path = cache_dir() / "baselines" / f"{sim.name}-{key}.json"
    try:
        stored = json.loads(path.read_text())
        metrics = stored["metrics"]
        if stored["identity"] == json.loads(json.dumps(ident, default=str)) and set(sim.metric_names) <= set(metrics):
            logger.debug("baseline of %s on %s from %s", sim.name, workload, path)
            return {m: float(metrics[m]) for m in sim.metric_names}
        logger.warning("%s does not match simulator %r on %r; recomputing", path, sim.name, workload)
    except FileNotFoundError:
        pass
    except (OSError, ValueError, KeyError, TypeError) as exc:
        logger.warning("cannot read cached baseline %s (%s); recomputing", path, exc)
    metrics = sim.evaluate(sim.default_design(), workload)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, prefix=path.name, suffix=".tmp", delete=False) as f:
            json.dump({"identity": ident, "metrics": metrics}, f, indent=1, default=str)
        os.replace(f.name, path)
    except OSError as exc:  # a read-only home: the baseline still works, only uncached
        logger.warning("cannot cache baseline in %s: %s", path.parent, exc)
    return metrics
