"""Training rows for a proxy, read through the one dataset reader.

:func:`load_rows` reads one simulator's rows from an ArchGym dataset, checks that every part
file agrees on the simulator version, design space and metrics (from the Parquet file
metadata), drops cache hits, de-duplicates (design, workload) pairs and encodes the features.

Labels come from the ``outcome`` column. ``error`` rows (the simulator raised) are left out
entirely: they say nothing about the design, so they are neither training rows nor
infeasibility labels. A row is *feasible for the proxy* when the simulator produced every
metric (``ok``, or ``constraint`` from an objective's limit: the proxy predicts the metrics and
the objective applies its limits to the prediction); ``infeasible`` rows and design-space
``constraint`` rows are the infeasible labels. Schema v1 rows whose outcome is unknown (a
failed call without metrics: v1 did not tell an error from an infeasible design) are kept as
infeasible labels, as v1 did, with a warning.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from archgym.datasets import part_files, read_part
from archgym.datasets.schema import read_metadata
from archgym.errors import ConfigError, DatasetError
from archgym.proxy.features import FeatureEncoder
from archgym.proxy.model import design_keys
from archgym.space import ParameterSpace

__all__ = ["Rows", "dataset_schema", "load_rows"]

logger = logging.getLogger(__name__)


@dataclass
class Rows:
    """One simulator's de-duplicated rows, encoded.

    Attributes:
        simulator, version: whose rows these are.
        space: the design space from the file metadata.
        metrics: metric cards (``name``, ``unit``, ``direction``) from the file metadata.
        frame: the de-duplicated rows (pandas DataFrame, cache hits and ``error`` rows dropped).
        x: features, shape ``(n, n_features)``; ``encoder`` made them.
        y: ``{metric: values}`` (NaN where infeasible), shape ``(n,)`` each.
        feasible: shape ``(n,)`` bool: the simulator produced every metric (see the module docstring).
        workload: shape ``(n,)`` object.
        keys: :func:`~archgym.proxy.model.design_keys`, shape ``(n,)`` uint64.
        design_ids: the same keys without the workload: equal for one design on every workload.
        raw_rows: rows read before de-duplication (cache hits included).
        sim_wall_s: ``{"median", "mean", "calls"}`` of the simulator's own time per call.
    """

    simulator: str
    version: str
    space: ParameterSpace
    metrics: list[dict[str, str]]
    frame: Any
    encoder: FeatureEncoder
    x: np.ndarray
    y: dict[str, np.ndarray]
    feasible: np.ndarray
    workload: np.ndarray
    keys: np.ndarray
    design_ids: np.ndarray
    raw_rows: int
    sim_wall_s: dict[str, float]

    def __len__(self) -> int:
        return len(self.x)

    @property
    def workloads(self) -> tuple[str, ...]:
        return self.encoder.workloads


def dataset_schema(dataset: str | os.PathLike[str], simulator: str) -> dict[str, dict[str, Any]]:
    """``{version: {"design_space", "metrics", "files"}}`` of ``simulator``'s part files.

    Raises:
        DatasetError: parts of one version disagree on the design space or metrics.
    """
    out: dict[str, dict[str, Any]] = {}
    import pyarrow.parquet as pq

    for f in part_files(dataset, simulator):
        try:
            meta = read_metadata(pq.ParquetFile(f).schema_arrow.metadata)
        except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for a bad file
            raise DatasetError(f"{f}: corrupt or unreadable Parquet file ({exc})") from None
        if not meta or "simulator" not in meta:
            raise DatasetError(f"{f}: not an ArchGym part file (no archgym metadata)")
        if meta["simulator"]["name"] != simulator:
            continue
        version = str(meta["simulator"]["version"])
        entry = out.setdefault(version, {"design_space": meta["design_space"], "metrics": meta["metrics"], "files": []})
        if entry["design_space"] != meta["design_space"] or entry["metrics"] != meta["metrics"]:
            raise DatasetError(
                f"{f}: simulator {simulator!r} v{version} has a different design space or metrics than "
                f"{entry['files'][0]}; a proxy is trained on one space"
            )
        entry["files"].append(str(f))
    if not out:
        raise DatasetError(f"dataset {dataset} has no rows for simulator {simulator!r}")
    return out


def load_rows(
    dataset: str | os.PathLike[str],
    simulator: str,
    version: str | None = None,
    workload_feature: bool = True,
    encoder: FeatureEncoder | None = None,
) -> Rows:
    """Read, check, de-duplicate and encode one simulator's rows.

    Args:
        dataset: dataset folder (or one part file).
        simulator: the simulator name whose rows to read.
        version: the simulator version to use; required when the dataset holds several.
        workload_feature: one-hot the workload (else the proxy keeps a model per workload).
        encoder: reuse a trained proxy's encoder (evaluation); its space must match the data's.

    Raises:
        DatasetError: no rows, corrupt files, or parts that disagree.
        ConfigError: several versions and none chosen, or the data's space differs from ``encoder``'s.
    """
    import pandas as pd

    schemas = dataset_schema(dataset, simulator)
    if version is None:
        if len(schemas) > 1:
            raise ConfigError(
                f"dataset {dataset} holds simulator {simulator!r} in versions {', '.join(sorted(schemas))}; choose one"
            )
        version = next(iter(schemas))
    if version not in schemas:
        raise ConfigError(f"dataset {dataset} has no rows of {simulator!r} v{version}; it has: {', '.join(sorted(schemas))}")
    schema = schemas[version]
    space = ParameterSpace.from_json(schema["design_space"])
    metrics = [dict(m) for m in schema["metrics"]]
    frames = [read_part(f).to_pandas() for f in schema["files"]]
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    frame = frame[(frame["simulator"] == simulator) & (frame["simulator_version"] == version)]
    raw_rows = len(frame)
    errors = (frame["outcome"] == "error").to_numpy(dtype=bool)
    if errors.any():
        logger.info("left out %d rows where the simulator raised an error (outcome=error)", int(errors.sum()))
        frame = frame[~errors]
    unknown = int(frame["outcome"].isna().sum())
    if unknown:
        logger.warning(
            "%d schema-v1 rows of %r are failed calls that v1 cannot tell apart (simulator error or "
            "infeasible design); they are used as infeasible labels",
            unknown, simulator,
        )
    calls = frame[~frame["cache_hit"].astype(bool) & (frame["sim_wall_s"] > 0)]["sim_wall_s"].to_numpy(dtype=np.float64)
    wall = {
        "median": float(np.median(calls)) if len(calls) else float("nan"),
        "mean": float(np.mean(calls)) if len(calls) else float("nan"),
        "calls": int(len(calls)),
    }
    frame = frame[~frame["cache_hit"].astype(bool)].reset_index(drop=True)
    if len(frame) == 0:
        raise DatasetError(f"dataset {dataset} has no simulator calls (only cache hits) for {simulator!r}")
    if encoder is None:
        workloads = tuple(sorted(frame["workload"].unique().tolist()))
        encoder = FeatureEncoder(space, workloads, workload_feature)
    elif encoder.space.fingerprint() != space.fingerprint():
        raise ConfigError(
            f"the dataset's design space for {simulator!r} (fingerprint {space.fingerprint()}) differs from the "
            f"proxy's ({encoder.space.fingerprint()}); evaluate a proxy on data from the space it was trained on"
        )
    else:
        unknown = sorted(set(frame["workload"].unique().tolist()) - set(encoder.workloads))
        if unknown:
            logger.warning("dropping rows of workloads the proxy was not trained on: %s", unknown)
            frame = frame[frame["workload"].isin(encoder.workloads)].reset_index(drop=True)
    x = encoder.transform_frame(frame)
    workload = frame["workload"].to_numpy(dtype=object)
    keys = design_keys(x, workload, encoder.n_design)
    _, first = np.unique(keys, return_index=True)
    first.sort()
    if len(first) < len(frame):
        logger.info("dropped %d duplicate (design, workload) rows", len(frame) - len(first))
    frame = frame.iloc[first].reset_index(drop=True)
    x, workload, keys = x[first], workload[first], keys[first]
    y = {m["name"]: frame[f"m_{m['name']}"].to_numpy(dtype=np.float64, na_value=np.nan) for m in metrics}
    feasible = np.ones(len(frame), dtype=bool)  # the simulator produced every metric
    for v in y.values():
        feasible &= np.isfinite(v)
    design_ids = design_keys(x, [""] * len(x), encoder.n_design)
    return Rows(simulator, version, space, metrics, frame, encoder, x, y, feasible, workload, keys, design_ids, raw_rows, wall)
