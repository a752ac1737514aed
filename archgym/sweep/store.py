"""The on-disk state of a sweep, designed so a SIGKILL at any moment loses nothing and
duplicates nothing.

Layout of a sweep folder ``OUT``::

    OUT/sweep.json                  the sweep id, the normalised config and the trial list (written once)
    OUT/sweep.yaml                  the sweep file as given (for people)
    OUT/trials/<key>.json           completion record of each finished trial
    OUT/staging/<key>-<tune id>/    dataset parts of a trial in flight
    OUT/dataset/simulator=*/part-*  the dataset: rows of completed trials only
    OUT/ray/attempt-<n>/            Ray Tune's own experiment folders (never read back)

The protocol of one trial:

1. the trial logs its simulator calls into its own staging folder (parts are written
   atomically by :class:`~archgym.datasets.DatasetWriter`);
2. it *claims* completion by hard-linking a fully written record to ``trials/<key>.json``
   — ``link`` fails if the name exists, so exactly one attempt of a trial wins even when a
   stale worker of a killed sweep finishes the same trial; a losing attempt deletes its parts;
3. it moves its parts from staging into ``dataset/`` (``rename``, atomic per file).

A record is the only proof that a trial is complete. :func:`reconcile` (run when a sweep
starts, resumes and ends) finishes step 3 for records whose parts are still in staging,
deletes staging folders without a record, deletes dataset parts no record names, and drops
a record whose parts have vanished (so the trial runs again). Hence after a resumed sweep:
every completed trial's rows are in ``dataset/`` exactly once, and no row of an incomplete
trial is.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archgym.errors import ConfigError
from archgym.sweep.config import SweepConfig
from archgym.sweep.trials import TrialSpec

__all__ = ["SweepState", "check_sweep_out", "claim_completion", "load_state", "open_sweep", "read_records", "reconcile", "write_json_atomic"]

logger = logging.getLogger(__name__)

SWEEP_FILE = "sweep.json"


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON to ``path`` through a temporary file and an atomic rename."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    with open(tmp, "w") as fh:
        json.dump(data, fh, indent=1, default=str)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


@dataclass
class SweepState:
    """A sweep folder: its id, config, trials and completion records."""

    out: Path
    sweep_id: str
    name: str
    fingerprint: str
    config: dict[str, Any]
    trials: list[TrialSpec]
    created: str

    @property
    def dataset(self) -> Path:
        return self.out / "dataset"

    @property
    def trials_dir(self) -> Path:
        return self.out / "trials"

    @property
    def staging(self) -> Path:
        return self.out / "staging"

    @property
    def ray_dir(self) -> Path:
        return self.out / "ray"

    def records(self) -> dict[str, dict[str, Any]]:
        """Completion records by trial key."""
        return read_records(self.out)

    def pending(self) -> list[TrialSpec]:
        """Trials without a completion record."""
        done = set(self.records())
        return [t for t in self.trials if t.key not in done]


def read_records(out: Path) -> dict[str, dict[str, Any]]:
    """Completion records of the sweep in ``out`` by trial key (unreadable ones are skipped)."""
    recs: dict[str, dict[str, Any]] = {}
    folder = Path(out) / "trials"
    if not folder.is_dir():
        return recs
    for p in sorted(folder.glob("t*.json")):
        try:
            recs[p.stem] = json.loads(p.read_text())
        except (OSError, json.JSONDecodeError) as exc:  # a record is linked complete; this is disk damage
            logger.warning("ignoring unreadable trial record %s: %s", p, exc)
    return recs


def load_state(out: str | os.PathLike[str]) -> SweepState:
    """Read the sweep saved in ``out``.

    Raises:
        ConfigError: ``out`` holds no sweep.
    """
    out = Path(out).resolve()
    path = out / SWEEP_FILE
    if not path.is_file():
        raise ConfigError(f"{out} holds no sweep (no {SWEEP_FILE}); run `archgym sweep CONFIG --out {out}` first")
    data = json.loads(path.read_text())
    return SweepState(
        out=out,
        sweep_id=data["sweep_id"],
        name=data["name"],
        fingerprint=data["fingerprint"],
        config=data["config"],
        trials=[TrialSpec.from_json(t) for t in data["trials"]],
        created=data["created"],
    )


def check_sweep_out(out: Path, cfg: SweepConfig, resume: bool) -> SweepState | None:
    """Check that ``out`` can hold this sweep, creating nothing; returns the saved sweep to resume.

    Raises:
        ConfigError: ``out`` holds a sweep and ``resume`` is false, holds a different sweep,
            or is another non-empty folder.
    """
    if (out / SWEEP_FILE).is_file():
        if not resume:
            raise ConfigError(f"{out} already holds a sweep; pass --resume (resume=True) to finish it, or choose another --out")
        state = load_state(out)
        if state.fingerprint != cfg.fingerprint():
            raise ConfigError(
                f"{out} holds sweep {state.name!r} started from a different config; resume with the same file, "
                f"or start a new sweep in another folder"
            )
        return state
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out} is a file; choose a folder")
    if out.exists() and any(out.iterdir()) and not resume:
        raise ConfigError(f"--out {out} exists and is not empty; choose a new folder")
    return None


def open_sweep(out: Path, cfg: SweepConfig, resume: bool, trials: Sequence[TrialSpec] | None, source_text: str | None) -> SweepState:
    """Create the sweep folder, or reopen it for ``resume``.

    Args:
        out: the sweep folder (absolute).
        cfg: the validated config.
        resume: continue the sweep saved in ``out``; its config must match ``cfg``.
        trials: the expanded trials (used for a new sweep; a resumed sweep keeps its own).
        source_text: the sweep file's text, saved as ``sweep.yaml``.

    Raises:
        ConfigError: ``out`` holds a sweep and ``resume`` is false, or holds a different sweep.
    """
    from archgym.datasets.writer import new_run_id

    state = check_sweep_out(out, cfg, resume)
    if state is not None:
        return state
    if trials is None:
        raise ValueError("trials are needed to create a sweep")
    out.mkdir(parents=True, exist_ok=True)
    for sub in ("trials", "staging", "dataset"):
        (out / sub).mkdir(exist_ok=True)
    state = SweepState(
        out=out,
        sweep_id=new_run_id(),
        name=cfg.name,
        fingerprint=cfg.fingerprint(),
        config=cfg.model_dump(mode="json"),
        trials=list(trials),
        created=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    )
    if source_text is not None:
        (out / "sweep.yaml").write_text(source_text)
    write_json_atomic(
        out / SWEEP_FILE,
        {
            "sweep_id": state.sweep_id,
            "name": state.name,
            "fingerprint": state.fingerprint,
            "created": state.created,
            "config": state.config,
            "trials": [t.to_json() for t in state.trials],
        },
    )
    return state


def staging_name(key: str, tune_trial_id: str) -> str:
    return f"{key}-{tune_trial_id}"


def claim_completion(out: Path, key: str, record: dict[str, Any], staged: Path, files: Sequence[Path]) -> bool:
    """Claim trial ``key`` complete and publish its parts (steps 2 and 3 of the protocol).

    Args:
        out: the sweep folder.
        key: the trial's key.
        record: the completion record (``files`` and ``staging`` are filled in here).
        staged: this attempt's staging folder.
        files: the part files this attempt wrote (below ``staged``).

    Returns:
        True if this attempt won; False if the trial was already complete (this attempt's
        parts are then deleted).
    """
    rel = [str(Path(f).relative_to(staged)) for f in files]
    record = {**record, "files": rel, "staging": staged.name, "host": socket.gethostname(), "pid": os.getpid()}
    trials_dir = out / "trials"
    trials_dir.mkdir(parents=True, exist_ok=True)
    final = trials_dir / f"{key}.json"
    tmp = trials_dir / f".{key}.{uuid.uuid4().hex[:8]}.tmp"
    with open(tmp, "w") as fh:
        json.dump(record, fh, indent=1, default=str)
        fh.flush()
        os.fsync(fh.fileno())
    try:
        os.link(tmp, final)
        won = True
    except FileExistsError:
        won = False
    finally:
        tmp.unlink(missing_ok=True)
    if not won:
        logger.info("trial %s was completed by another attempt; discarding %s", key, staged)
        shutil.rmtree(staged, ignore_errors=True)
        return False
    _publish(out, staged, rel)
    return True


def _publish(out: Path, staged: Path, rel: Sequence[str]) -> list[str]:
    """Move parts from ``staged`` into the dataset; returns the names that are missing."""
    missing = []
    for r in rel:
        src, dst = staged / r, out / "dataset" / r
        if dst.exists():
            continue
        if src.exists():
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, dst)
        else:
            missing.append(r)
    shutil.rmtree(staged, ignore_errors=True)
    return missing


def reconcile(out: Path) -> dict[str, int]:
    """Bring the sweep folder to its invariant (see the module docstring).

    Only call it while no trial of this sweep is running in this sweep's Ray session.

    Returns:
        Counts: ``published`` parts moved from staging, ``dropped_records`` records whose
        parts were lost, ``removed_staging`` staging folders of incomplete attempts,
        ``removed_parts`` dataset parts no record names.
    """
    stats = {"published": 0, "dropped_records": 0, "removed_staging": 0, "removed_parts": 0}
    records = read_records(out)
    staging = out / "staging"
    for key, rec in list(records.items()):
        staged = staging / rec.get("staging", "")
        rel = rec.get("files", [])
        before = sum(1 for r in rel if (out / "dataset" / r).exists())
        missing = _publish(out, staged, rel) if staged.is_dir() else [r for r in rel if not (out / "dataset" / r).exists()]
        stats["published"] += len(rel) - len(missing) - before
        if missing:
            logger.error("trial %s: parts %s are lost; the trial will run again", key, missing)
            for r in rel:
                (out / "dataset" / r).unlink(missing_ok=True)
            (out / "trials" / f"{key}.json").unlink(missing_ok=True)
            del records[key]
            stats["dropped_records"] += 1
    if staging.is_dir():
        for d in staging.iterdir():
            shutil.rmtree(d, ignore_errors=True) if d.is_dir() else d.unlink(missing_ok=True)
            stats["removed_staging"] += 1
    named = {r for rec in records.values() for r in rec.get("files", [])}
    dataset = out / "dataset"
    if dataset.is_dir():
        for p in dataset.glob("simulator=*/*"):
            rel = str(p.relative_to(dataset))
            if p.name.startswith(".") or (p.name.startswith("part-") and rel not in named):
                p.unlink(missing_ok=True)
                stats["removed_parts"] += 1
    for tmp in (out / "trials").glob(".*.tmp") if (out / "trials").is_dir() else ():
        tmp.unlink(missing_ok=True)
    return stats
