"""The ArchGym dataset: Apache Parquet, one row per simulator call (schema: datasets/README.md).

>>> from archgym.datasets import load          # doctest: +SKIP
>>> df = load("out/dataset", simulator="dram")  # a pandas DataFrame
"""

from archgym.datasets.reader import ON_CORRUPT, info, load, load_table, part_files, read_part
from archgym.datasets.schema import OUTCOMES, SCHEMA_VERSION, arrow_schema, metric_column, param_column
from archgym.datasets.writer import DatasetWriter, new_run_id

__all__ = [
    "ON_CORRUPT",
    "OUTCOMES",
    "SCHEMA_VERSION",
    "DatasetWriter",
    "arrow_schema",
    "info",
    "load",
    "load_table",
    "metric_column",
    "new_run_id",
    "param_column",
    "part_files",
    "read_part",
]
