"""Reading ArchGym datasets: a folder of Hive-partitioned Parquet parts (or one part file).

Every part is checked as it is read: its footer, its ArchGym metadata, its page checksums and
its row count against the footer. Version 1 parts are upgraded on read to the version 2 columns
(see datasets/README.md for how ``outcome`` is filled for them).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.parquet as pq

from archgym.datasets.schema import READABLE_VERSIONS, SCHEMA_VERSION, read_metadata
from archgym.errors import ConfigError, DatasetError

__all__ = ["ON_CORRUPT", "info", "load", "load_table", "part_files", "read_part"]

logger = logging.getLogger(__name__)

#: What :func:`load` does with a damaged part file.
ON_CORRUPT = ("raise", "skip")


def part_files(root: str | os.PathLike[str], simulator: str | None = None) -> list[Path]:
    """Every complete part file below ``root`` (temporaries of unfinished writes are skipped).

    Raises:
        DatasetError: ``root`` does not exist or holds no ArchGym part files.
    """
    root = Path(root)
    if root.is_file():
        if root.suffix != ".parquet":
            raise DatasetError(f"{root} is not a dataset: expected a folder of part-*.parquet files or one .parquet file")
        return [root]
    if not root.is_dir():
        raise DatasetError(f"dataset path {root} does not exist")
    pattern = f"simulator={simulator}/part-*.parquet" if simulator else "simulator=*/part-*.parquet"
    files = sorted(root.glob(pattern))
    if not files:
        # allow pointing at one simulator's partition folder directly
        files = sorted(root.glob("part-*.parquet"))
    if not files:
        sims = sorted(p.name.split("=", 1)[1] for p in root.glob("simulator=*") if p.is_dir())
        if simulator and sims:
            raise DatasetError(f"dataset {root} has no rows for simulator {simulator!r}; it has: {', '.join(sims)}")
        raise DatasetError(
            f"{root} is not an ArchGym dataset: no simulator=<name>/part-*.parquet files below it"
        )
    return files


def _open(path: Path) -> tuple[pq.ParquetFile, dict[str, Any]]:
    """Open a part (footer and ArchGym metadata), or raise :class:`DatasetError` naming it."""
    try:
        pf = pq.ParquetFile(path, page_checksum_verification=True)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise DatasetError(f"{path}: corrupt or unreadable Parquet file ({exc})") from None
    meta = read_metadata(pf.schema_arrow.metadata)
    if not meta:
        raise DatasetError(f"{path}: not an ArchGym part file (no archgym.schema_version metadata)")
    if meta["schema_version"] not in READABLE_VERSIONS:
        raise DatasetError(
            f"{path}: dataset schema version {meta['schema_version']} is not supported "
            f"(this ArchGym reads versions {', '.join(map(str, READABLE_VERSIONS))})"
        )
    return pf, meta


def _upgrade_v1(table: pa.Table, meta: dict[str, Any]) -> pa.Table:
    """Add the version 2 columns to a version 1 table.

    ``fidelity`` is null (v1 did not record it). ``outcome``: ``ok`` where ``feasible``;
    ``constraint`` where infeasible but every metric is present (v1 logged metrics only when the
    objective's limits were violated); null otherwise, because v1 recorded a simulator error,
    an infeasible design and a design-space constraint the same way (``feasible=False``, no
    metrics) and cannot tell them apart.
    """
    import pyarrow.compute as pc

    names = table.column_names
    if "workload" in names and "fidelity" not in names:
        table = table.add_column(names.index("workload") + 1, "fidelity", pa.nulls(table.num_rows, pa.string()))
    names = table.column_names
    if "feasible" in names and "outcome" not in names:
        metric_cols = [f"m_{m['name']}" for m in meta.get("metrics", [])]
        has_metrics = pa.array([bool(metric_cols)] * table.num_rows, pa.bool_())
        for c in metric_cols:
            if c in names:
                has_metrics = pc.and_(has_metrics, pc.is_valid(table[c]))
        failed = pc.if_else(has_metrics, pa.scalar("constraint"), pa.scalar(None, pa.string()))
        outcome = pc.if_else(pc.fill_null(table["feasible"], False), pa.scalar("ok"), failed)
        table = table.add_column(names.index("feasible") + 1, "outcome", outcome)
    return table


def read_part(path: Path, columns: list[str] | None = None) -> pa.Table:
    """Read and check one part file, as version 2 columns (``simulator`` as a plain string).

    Raises:
        DatasetError: the file is not Parquet, is truncated or damaged (footer, page checksum or
            row count), or has a schema version this ArchGym does not read.
    """
    pf, meta = _open(path)
    names = pf.schema_arrow.names
    wanted = [c for c in columns if c in names or c in ("simulator", "outcome", "fidelity")] if columns else None
    read = None
    if wanted is not None:
        read = [c for c in wanted if c in names]
        if meta["schema_version"] == 1 and "outcome" in wanted:  # filled from feasible and the metrics
            read += [c for c in names if (c == "feasible" or c.startswith("m_")) and c not in read]
    try:
        table = pf.read(columns=read)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise DatasetError(f"{path}: corrupt or unreadable Parquet file ({exc})") from None
    if table.num_rows != pf.metadata.num_rows:
        raise DatasetError(f"{path}: damaged part: read {table.num_rows} rows, its footer says {pf.metadata.num_rows}")
    if meta["schema_version"] == 1:
        table = _upgrade_v1(table, meta)
    if "simulator" not in table.column_names and (wanted is None or "simulator" in wanted):
        # version 2 keeps the partition key in the folder name and the metadata, not in the file
        at = table.column_names.index("step") + 1 if "step" in table.column_names else 0
        name = meta.get("simulator", {}).get("name", "")
        table = table.add_column(at, "simulator", pa.array([name] * table.num_rows, pa.string()))
    if wanted is not None:
        table = table.select([c for c in wanted if c in table.column_names])
    return table


def _footer_rows(path: Path) -> int | None:
    try:
        return pq.ParquetFile(path).metadata.num_rows
    except Exception:  # noqa: BLE001 - the footer itself is damaged
        return None


def load_table(
    root: str | os.PathLike[str],
    simulator: str | None = None,
    *,
    columns: list[str] | None = None,
    on_corrupt: Literal["raise", "skip"] = "raise",
) -> pa.Table:
    """Load a dataset as one Arrow table (see :func:`load`)."""
    if on_corrupt not in ON_CORRUPT:
        raise ConfigError(f"on_corrupt must be one of {', '.join(map(repr, ON_CORRUPT))}; got {on_corrupt!r}")
    tables, skipped = [], []
    for f in part_files(root, simulator):
        try:
            tables.append(read_part(f, columns))
        except DatasetError as exc:
            if on_corrupt == "raise":
                raise
            skipped.append((f, str(exc)))
    if skipped:
        counts = [_footer_rows(f) for f, _ in skipped]
        known = sum(c for c in counts if c is not None)
        unknown = sum(c is None for c in counts)
        rows = f"{known} rows" + (f" plus the rows of {unknown} part(s) whose footer is unreadable" if unknown else "")
        logger.warning(
            "skipped %d damaged part file(s) of %s (%s): %s",
            len(skipped), root, rows, "; ".join(msg for _, msg in skipped),
        )
    if not tables:
        raise DatasetError(f"no readable part files in {root}: " + "; ".join(msg for _, msg in skipped))
    table = pa.concat_tables(tables, promote_options="permissive") if len(tables) > 1 else tables[0]
    if simulator is not None and "simulator" in table.column_names:
        import pyarrow.compute as pc

        table = table.filter(pc.equal(table["simulator"], simulator))
    return table


def load(
    root: str | os.PathLike[str],
    simulator: str | None = None,
    *,
    columns: list[str] | None = None,
    as_arrow: bool = False,
    on_corrupt: Literal["raise", "skip"] = "raise",
) -> Any:
    """Load a dataset (a folder written by :class:`DatasetWriter`, or one part file).

    Args:
        root: the dataset folder (``<root>/simulator=<name>/part-*.parquet``) or one part.
        simulator: keep only this simulator's rows.
        columns: read only these columns.
        as_arrow: return a ``pyarrow.Table`` instead of a pandas DataFrame.
        on_corrupt: ``"raise"`` a :class:`DatasetError` naming a damaged file (default) or
            ``"skip"`` it: the other files still load, and a warning says how many parts and
            rows were skipped. Damaged parts are left in place.

    Returns:
        A pandas DataFrame (or Arrow table), one row per simulator call, in the version 2
        columns whatever the version of the files (``simulator`` as a plain string).

    Raises:
        ConfigError: ``on_corrupt`` is not one of :data:`ON_CORRUPT`.
        DatasetError: not a dataset, or a damaged part with ``on_corrupt="raise"``.
    """
    table = load_table(root, simulator, columns=columns, on_corrupt=on_corrupt)
    return table if as_arrow else table.to_pandas()


def info(root: str | os.PathLike[str]) -> dict[str, Any]:
    """Summary of a dataset after checking every part file in full.

    Returns:
        ``{"path", "schema_version", "schema_versions", "rows", "files", "simulators",
        "runs", "columns", "damaged"}``: rows, files, simulators (rows, files, version) and
        runs count the healthy parts; ``damaged`` lists ``{"file", "error"}`` for every part
        whose footer, page checksums or row count is wrong.
    """
    files = part_files(root)
    sims: dict[str, dict[str, Any]] = {}
    rows = 0
    columns: dict[str, None] = {}
    runs: set[str] = set()
    versions: set[int] = set()
    damaged: list[dict[str, str]] = []
    for f in files:
        try:
            _, meta = _open(f)
            table = read_part(f)
        except DatasetError as exc:
            damaged.append({"file": str(f), "error": str(exc)})
            continue
        n = table.num_rows
        rows += n
        versions.add(meta["schema_version"])
        name = meta.get("simulator", {}).get("name", "?")
        entry = sims.setdefault(name, {"rows": 0, "files": 0, "version": meta.get("simulator", {}).get("version")})
        entry["rows"] += n
        entry["files"] += 1
        columns.update(dict.fromkeys(table.column_names))
        if "run_id" in table.column_names and n:
            runs.update(table["run_id"].unique().to_pylist())
    return {
        "path": str(root),
        "schema_version": SCHEMA_VERSION,
        "schema_versions": sorted(versions),
        "rows": rows,
        "files": len(files),
        "simulators": sims,
        "runs": sorted(runs),
        "columns": list(columns),
        "damaged": damaged,
    }
