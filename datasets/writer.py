"""The one logging path: :class:`DatasetWriter` appends simulator calls and writes Parquet parts.

Rows are buffered in memory and *published* as a part file every ``rows_per_part`` rows, at the
first append ``publish_every_s`` seconds after the last publication, and on
:meth:`DatasetWriter.close`. A part is written under a hidden temporary name and renamed into
place only when complete (``os.replace`` is atomic on POSIX), so a process killed at any moment
(``kill -9`` included) leaves only complete parts behind and loses at most the rows of the last
``publish_every_s`` seconds; :func:`archgym.datasets.load` ignores the temporaries. Each writer
names its parts ``part-<run>-<trial>-<writer>-<n>.parquet``, so concurrent writers (Ray workers)
never collide. Parts carry page checksums, so a part damaged after it was written
is detected on read instead of returning garbled values.

Time-triggered parts are small; :meth:`~DatasetWriter.close` *compacts* them into as few parts as
``rows_per_part`` allows. The compacted part is renamed into place first and names the parts it
replaces in its metadata (``archgym.compacted_from``), then those are deleted; a process killed
between the two steps leaves both, and :func:`finish_compaction` (run by ``archgym run --resume``)
deletes the replaced ones.
"""

from __future__ import annotations

import contextlib
import json
import logging
import operator
import os
import signal
import time
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from archgym.datasets.schema import OUTCOMES, STORED_LEADING, arrow_schema, file_metadata

if TYPE_CHECKING:
    from archgym.simulator import Simulator

__all__ = ["DatasetWriter", "finish_compaction", "new_run_id"]

logger = logging.getLogger(__name__)

#: metadata key of a compacted part: the JSON list of the part names it replaces
META_COMPACTED_FROM = b"archgym.compacted_from"


def new_run_id() -> str:
    """A short, sortable, unique run id: ``YYYYmmdd-HHMMSS-<6 hex>``."""
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + "-" + uuid.uuid4().hex[:6]


#: the clock of the publishing period (a module attribute, so tests can drive it)
_now = time.monotonic

_NUMPY_TYPES = {pa.int64(): np.int64, pa.float64(): np.float64}


def _column(values: tuple, typ: pa.DataType) -> pa.Array:
    """An Arrow array from a tuple of Python values (NumPy fast path for numbers without nulls)."""
    np_type = _NUMPY_TYPES.get(typ)
    if np_type is not None and None not in values:  # (NumPy would turn None into NaN, not null)
        try:
            return pa.array(np.fromiter(values, np_type, len(values)))
        except TypeError:
            pass
    return pa.array(values, typ)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM (delivered after the block) so a Ctrl-C cannot split the block."""
    held = {signal.SIGINT, signal.SIGTERM}
    try:
        old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    except (AttributeError, OSError, ValueError):  # no POSIX signal masks here
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in str(text))


class DatasetWriter:
    """Appends one row per simulator call and writes them as Parquet parts under ``root``.

    Args:
        root: dataset root folder (created if missing).
        simulator: the simulator whose calls are logged (name, version, space and metrics
            fix the columns).
        run_id: the run (``archgym run`` or one sweep); a fresh one by default.
        trial_id: the Ray Tune trial, ``"0"`` for a single run.
        agent: who proposes the designs.
        agent_params: the agent's hyper-parameters (stored as JSON).
        seed: the trial's seed.
        env_id: the Gymnasium id the calls came through (``""`` when called directly).
        rows_per_part: buffer size before a part is written.
        publish_every_s: publish the buffered rows at the first append this many seconds after
            the last publication (``None``: only every ``rows_per_part`` rows and on close).
        compact: on close, merge this writer's time-triggered parts into as few parts as
            ``rows_per_part`` allows.
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        simulator: Simulator,
        *,
        run_id: str | None = None,
        trial_id: str = "0",
        agent: str = "",
        agent_params: Mapping[str, Any] | None = None,
        seed: int = 0,
        env_id: str = "",
        rows_per_part: int = 100_000,
        publish_every_s: float | None = 2.0,
        compact: bool = True,
    ):
        self.root = Path(root)
        self.simulator = simulator
        self.run_id = run_id or new_run_id()
        self.trial_id = str(trial_id)
        self.agent = agent
        self.agent_params = json.dumps(dict(agent_params or {}), sort_keys=True, default=str)
        self.seed = int(seed)
        self.env_id = env_id
        self.rows_per_part = int(rows_per_part)
        if self.rows_per_part < 1:
            raise ValueError(f"rows_per_part must be >= 1, got {rows_per_part!r}")
        if publish_every_s is not None and not publish_every_s > 0:
            raise ValueError(f"publish_every_s must be > 0 seconds or None, got {publish_every_s!r}")
        self.publish_every_s = None if publish_every_s is None else float(publish_every_s)
        self.compact = bool(compact)
        self._space = simulator.design_space
        self._param_names = self._space.names
        self._metric_names = simulator.metric_names
        self._get_params = operator.itemgetter(*self._param_names)
        self._get_metrics = operator.itemgetter(*self._metric_names)
        self._no_metrics = (None,) * len(self._metric_names)
        self._single_param = len(self._param_names) == 1
        self._single_metric = len(self._metric_names) == 1
        self._schema = arrow_schema(self._space, self._metric_names).with_metadata(file_metadata(simulator))
        self._dir = self.root / f"simulator={_safe(simulator.name)}"
        self._writer_id = uuid.uuid4().hex[:8]
        self._rows: list[tuple] = []
        self._parts = 0
        self.rows_written = 0
        self.files: list[Path] = []
        self._small: list[Path] = []  # time-triggered parts, compacted on close
        self._closed = False
        self._fidelity: dict[str, str] = {}
        self._publish_at = self._next_publication()

    def _next_publication(self) -> float:
        return float("inf") if self.publish_every_s is None else _now() + self.publish_every_s

    def set_context(self, **fields: Any) -> None:
        """Change the run context (``run_id``, ``trial_id``, ``agent``, ``agent_params``, ``seed``).

        Rows already buffered are written first under the old context.
        """
        allowed = ("run_id", "trial_id", "agent", "agent_params", "seed")
        for k in fields:
            if k not in allowed:
                raise TypeError(f"set_context() got {k!r}; allowed: {', '.join(allowed)}")
        self.flush()
        for k, v in fields.items():
            if k == "agent_params":
                v = json.dumps(dict(v or {}), sort_keys=True, default=str)
            elif k == "seed":
                v = int(v)
            elif k == "trial_id":
                v = str(v)
            setattr(self, k, v)

    # -- appending --------------------------------------------------------------------
    def append(
        self,
        *,
        step: int,
        workload: str,
        design: Mapping[str, Any],
        metrics: Mapping[str, float] | None,
        reward: float,
        feasible: bool,
        cache_hit: bool = False,
        error: str | None = None,
        sim_wall_s: float = 0.0,
        timestamp: float | None = None,
        outcome: str | None = None,
    ) -> None:
        """Buffer one row (metrics ``None`` -> null ``m_`` columns).

        ``outcome`` is one of ``ok``, ``infeasible``, ``constraint``, ``error`` (see
        datasets/README.md). When omitted it is ``ok`` for a feasible row, ``constraint`` for
        an infeasible row with metrics (a limit was violated) and ``infeasible`` otherwise; a
        caller that knows the simulator failed passes ``outcome="error"``.
        """
        if self._closed:
            raise RuntimeError("DatasetWriter is closed")
        if outcome is None:
            outcome = "ok" if feasible else ("infeasible" if metrics is None else "constraint")
        elif outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}; got {outcome!r}")
        params = self._get_params(design)
        if metrics is None:
            mets: tuple = self._no_metrics
        else:
            mets = self._get_metrics(metrics)
            if self._single_metric:
                mets = (mets,)
        if self._single_param:
            params = (params,)
        self._rows.append(
            (step, workload, params, mets, reward, feasible, outcome, cache_hit, error, sim_wall_s,
             time.time() if timestamp is None else timestamp)
        )
        if len(self._rows) >= self.rows_per_part:
            self.flush()
        elif _now() >= self._publish_at:
            self._small.append(self.flush())  # type: ignore[arg-type]

    def __len__(self) -> int:
        return self.rows_written + len(self._rows)

    # -- writing ----------------------------------------------------------------------
    def flush(self) -> Path | None:
        """Write the buffered rows as one complete part file; returns its path.

        The rows leave the buffer only once their part is in place, so an exception (or a
        ``KeyboardInterrupt``) while writing keeps them for the next flush.
        """
        self._publish_at = self._next_publication()
        if not self._rows:
            return None
        rows = self._rows
        n = len(rows)
        steps, workloads, params, mets, rewards, feas, outcomes, hits, errors, walls, stamps = zip(*rows)
        cols: list[pa.Array] = []
        const = (self.run_id, self.trial_id, self.agent, self.agent_params)
        for value in const:
            cols.append(pa.array([value] * n, pa.string()))
        cols.append(pa.array(np.full(n, self.seed, dtype=np.int64)))
        cols.append(pa.array(np.asarray(steps, dtype=np.int64)))
        for value in (self.simulator.version, self.env_id):  # the simulator's name is the partition folder
            cols.append(pa.array([value] * n, pa.string()))
        cols.append(pa.array(workloads, pa.string()))
        cols.append(pa.array([self._fidelity_of(w) for w in workloads], pa.string()))
        schema = self._schema
        base = len(STORED_LEADING)
        for j, column in enumerate(zip(*params)):
            cols.append(_column(column, schema.field(base + j).type))
        for column in zip(*mets):
            cols.append(_column(column, pa.float64()))
        cols.append(pa.array(np.asarray(rewards, dtype=np.float64)))
        cols.append(pa.array(feas, pa.bool_()))
        cols.append(pa.array(outcomes, pa.string()))
        cols.append(pa.array(hits, pa.bool_()))
        cols.append(pa.array(errors, pa.string()))
        cols.append(pa.array(np.asarray(walls, dtype=np.float64)))
        micros = (np.asarray(stamps, dtype=np.float64) * 1e6).astype("int64")
        cols.append(pa.array(micros, pa.timestamp("us", tz="UTC")))
        table = pa.Table.from_arrays(cols, schema=schema)
        with _signals_held():  # the part in place and the rows out of the buffer, or neither
            final = self._publish(table)
            del self._rows[:n]
            self.rows_written += n
            self.files.append(final)
        return final

    def _publish(self, table: pa.Table) -> Path:
        """Write ``table`` as this writer's next part: temporary name, then atomic rename."""
        self._dir.mkdir(parents=True, exist_ok=True)
        name = f"part-{_safe(self.run_id)}-{_safe(self.trial_id)}-{self._writer_id}-{self._parts:05d}.parquet"
        final = self._dir / name
        tmp = self._dir / f".{name}.tmp"
        pq.write_table(table, tmp, compression="zstd", write_page_checksum=True)
        os.replace(tmp, final)
        self._parts += 1
        return final

    def _fidelity_of(self, workload: str) -> str:
        tier = self._fidelity.get(workload)
        if tier is None:
            tier = self._fidelity[workload] = str(self.simulator.fidelity_of(workload))
        return tier

    def _compact(self) -> None:
        """Merge the time-triggered parts (and the buffer) into parts of up to ``rows_per_part`` rows."""
        self.flush()
        small = [p for p in self._small if p is not None]
        self._small = []
        if len(small) < 2:
            return
        groups: list[list[tuple[Path, int]]] = [[]]
        total = 0
        for p in small:
            n = pq.ParquetFile(p).metadata.num_rows
            if groups[-1] and total + n > self.rows_per_part:
                groups.append([])
                total = 0
            groups[-1].append((p, n))
            total += n
        for group in groups:
            if len(group) < 2:
                continue
            names = [p.name for p, _ in group]
            table = pa.concat_tables([pq.read_table(p, schema=self._schema) for p, _ in group])
            meta = dict(self._schema.metadata or {})
            meta[META_COMPACTED_FROM] = json.dumps(names).encode()
            with _signals_held():
                merged = self._publish(table.replace_schema_metadata(meta))
                for p, _ in group:  # the merged part is in place: the small ones can go
                    p.unlink(missing_ok=True)
            gone = set(names)
            self.files = [f for f in self.files if f.name not in gone]
            self.files.append(merged)
        logger.debug("compacted %d parts into %d", len(small), len(groups))

    def close(self) -> None:
        """Publish the remaining rows (compacting the small parts); further appends raise."""
        if not self._closed:
            if self.compact:
                self._compact()
            else:
                self.flush()
            self._closed = True

    def __enter__(self) -> DatasetWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:  # best effort: never lose buffered rows on garbage collection
        try:
            if not self._closed and self._rows:
                self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass


def finish_compaction(root: str | os.PathLike[str]) -> int:
    """Delete parts that a compacted part below ``root`` replaces (left by a kill mid-compaction).

    Returns:
        how many replaced parts were deleted.
    """
    removed = 0
    for path in sorted(Path(root).glob("simulator=*/part-*.parquet")):
        try:
            meta = pq.read_schema(path).metadata or {}
        except (pa.ArrowException, OSError):
            continue  # a damaged part is the reader's to report
        if META_COMPACTED_FROM not in meta:
            continue
        for name in json.loads(meta[META_COMPACTED_FROM]):
            old = path.parent / name
            if old.exists():
                old.unlink()
                removed += 1
    if removed:
        logger.info("removed %d parts already merged into compacted parts", removed)
    return removed
