"""The dataset schema (version 2): one row per simulator call, documented in datasets/README.md.

Version 2 added ``fidelity`` (which fidelity tier of the simulator produced the row) and
``outcome`` (``ok`` / ``infeasible`` / ``constraint`` / ``error``), and no longer stores the
``simulator`` column inside the part files: as in every Hive layout, the partition folder
``simulator=<name>`` carries it (a stored copy made pandas and pyarrow refuse the folder, the
folder's key being inferred as a dictionary and the stored column being a string). The name is
also in each part's metadata; ArchGym's reader puts the column back. Version 1 files are still
read (see :func:`archgym.datasets.reader.read_part`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pyarrow as pa

if TYPE_CHECKING:
    from archgym.simulator import Simulator
    from archgym.space import ParameterSpace

SCHEMA_VERSION = 2
#: Every schema version this ArchGym reads (older ones are upgraded on read).
READABLE_VERSIONS = (1, 2)

#: What happened to one call: the simulator produced metrics and every limit held (``ok``);
#: the simulator said the design cannot be realised (``infeasible``); a constraint of the
#: design space or a limit of the objective was violated (``constraint``); the simulator
#: raised an unexpected exception (``error``, not a property of the design).
OUTCOMES = ("ok", "infeasible", "constraint", "error")

#: The Hive partition key: a folder level (``simulator=<name>``), not a stored column.
PARTITION_COLUMN = "simulator"

#: Parquet key-value metadata keys.
META_VERSION = b"archgym.schema_version"
META_SIMULATOR = b"archgym.simulator"
META_SPACE = b"archgym.design_space"
META_METRICS = b"archgym.metrics"

#: The leading columns of a loaded dataset, in order, before the ``p_`` and ``m_`` columns.
LEADING: tuple[tuple[str, pa.DataType], ...] = (
    ("run_id", pa.string()),
    ("trial_id", pa.string()),
    ("agent", pa.string()),
    ("agent_params", pa.string()),
    ("seed", pa.int64()),
    ("step", pa.int64()),
    ("simulator", pa.string()),
    ("simulator_version", pa.string()),
    ("env_id", pa.string()),
    ("workload", pa.string()),
    ("fidelity", pa.string()),
)

#: The leading columns stored in a part file (all but the partition key).
STORED_LEADING = tuple((n, t) for n, t in LEADING if n != PARTITION_COLUMN)

#: Columns after the ``p_``/``m_`` columns.
TRAILING: tuple[tuple[str, pa.DataType], ...] = (
    ("reward", pa.float64()),
    ("feasible", pa.bool_()),
    ("outcome", pa.string()),
    ("cache_hit", pa.bool_()),
    ("error", pa.string()),
    ("sim_wall_s", pa.float64()),
    ("timestamp", pa.timestamp("us", tz="UTC")),
)

_PARAM_TYPES = {"str": pa.string(), "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_()}


def param_column(name: str) -> str:
    return f"p_{name}"


def metric_column(name: str) -> str:
    return f"m_{name}"


def arrow_schema(space: ParameterSpace, metric_names: tuple[str, ...]) -> pa.Schema:
    """The Arrow schema of one simulator's part files (the partition key is not stored)."""
    fields = [pa.field(n, t) for n, t in STORED_LEADING]
    fields += [pa.field(param_column(n), _PARAM_TYPES[p.dtype]) for n, p in space.parameters.items()]
    fields += [pa.field(metric_column(m), pa.float64()) for m in metric_names]
    fields += [pa.field(n, t) for n, t in TRAILING]
    return pa.schema(fields)


def file_metadata(simulator: Simulator) -> dict[bytes, bytes]:
    """Key-value metadata stored in every part file."""
    return {
        META_VERSION: str(SCHEMA_VERSION).encode(),
        META_SIMULATOR: json.dumps({"name": simulator.name, "version": simulator.version}).encode(),
        META_SPACE: json.dumps(simulator.design_space.to_json()).encode(),
        META_METRICS: json.dumps(
            [{"name": m.name, "unit": m.unit, "direction": m.direction} for m in simulator.metrics]
        ).encode(),
    }


def read_metadata(meta: dict[bytes, bytes] | None) -> dict[str, Any]:
    """Decode :func:`file_metadata` (``{}`` when absent)."""
    if not meta or META_VERSION not in meta:
        return {}
    out: dict[str, Any] = {"schema_version": int(meta[META_VERSION])}
    for key, name in ((META_SIMULATOR, "simulator"), (META_SPACE, "design_space"), (META_METRICS, "metrics")):
        if key in meta:
            out[name] = json.loads(meta[key])
    return out
