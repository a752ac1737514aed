"""Reading ArchGym datasets: a folder of Hive-partitioned Parquet parts (or one part file)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.parquet as pq

from archgym.datasets.schema import SCHEMA_VERSION, read_metadata
from archgym.errors import DatasetError

__all__ = ["info", "load", "part_files", "read_part"]


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


def read_part(path: Path, columns: list[str] | None = None) -> pa.Table:
    """Read and check one part file.

    Raises:
        DatasetError: the file is not Parquet, is truncated or corrupt, or has another schema.
    """
    try:
        pf = pq.ParquetFile(path)
        meta = read_metadata(pf.schema_arrow.metadata)
        if not meta:
            raise DatasetError(f"{path}: not an ArchGym part file (no archgym.schema_version metadata)")
        if meta["schema_version"] != SCHEMA_VERSION:
            raise DatasetError(
                f"{path}: dataset schema version {meta['schema_version']} is not supported "
                f"(this ArchGym reads version {SCHEMA_VERSION})"
            )
        cols = [c for c in columns if c in pf.schema_arrow.names] if columns else None
        return pf.read(columns=cols)
    except DatasetError:
        raise
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise DatasetError(f"{path}: corrupt or unreadable Parquet file ({exc})") from None


def load_table(
    root: str | os.PathLike[str],
    simulator: str | None = None,
    *,
    columns: list[str] | None = None,
    on_corrupt: Literal["raise", "skip"] = "raise",
) -> pa.Table:
    """Load a dataset as one Arrow table (see :func:`load`)."""
    tables, skipped = [], []
    for f in part_files(root, simulator):
        try:
            tables.append(read_part(f, columns))
        except DatasetError as exc:
            if on_corrupt == "raise":
                raise
            skipped.append(str(exc))
    if not tables:
        raise DatasetError(f"no readable part files in {root}: " + "; ".join(skipped))
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
        on_corrupt: ``"raise"`` a :class:`DatasetError` naming a corrupt file (default) or
            ``"skip"`` it (the other files still load).

    Returns:
        A pandas DataFrame (or Arrow table), one row per simulator call.
    """
    table = load_table(root, simulator, columns=columns, on_corrupt=on_corrupt)
    return table if as_arrow else table.to_pandas()


def info(root: str | os.PathLike[str]) -> dict[str, Any]:
    """Summary of a dataset: rows, files, simulators (with rows and schema), runs, columns."""
    files = part_files(root)
    sims: dict[str, dict[str, Any]] = {}
    rows = 0
    columns: dict[str, None] = {}
    runs: set[str] = set()
    for f in files:
        try:
            pf = pq.ParquetFile(f)
        except (pa.ArrowException, OSError) as exc:
            raise DatasetError(f"{f}: corrupt or unreadable Parquet file ({exc})") from None
        meta = read_metadata(pf.schema_arrow.metadata)
        if not meta:
            raise DatasetError(f"{f}: not an ArchGym part file (no archgym.schema_version metadata)")
        n = pf.metadata.num_rows
        rows += n
        name = meta.get("simulator", {}).get("name", "?")
        entry = sims.setdefault(name, {"rows": 0, "files": 0, "version": meta.get("simulator", {}).get("version")})
        entry["rows"] += n
        entry["files"] += 1
        columns.update(dict.fromkeys(pf.schema_arrow.names))
        if "run_id" in pf.schema_arrow.names and n:
            runs.update(pf.read(columns=["run_id"]).column(0).unique().to_pylist())
    return {
        "path": str(root),
        "schema_version": SCHEMA_VERSION,
        "rows": rows,
        "files": len(files),
        "simulators": sims,
        "runs": sorted(runs),
        "columns": list(columns),
    }
