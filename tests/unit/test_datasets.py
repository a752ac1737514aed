"""The Parquet dataset: schema, round trip, bad files, and a SIGKILL mid-write."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from archgym.datasets import SCHEMA_VERSION, DatasetWriter, info, load, part_files
from archgym.errors import DatasetError


def _write(tmp_path, sim, n=10, rows_per_part=4, **ctx):
    rng = np.random.default_rng(0)
    w = DatasetWriter(tmp_path, sim, rows_per_part=rows_per_part, publish_every_s=None, **ctx)  # parts by rows only
    designs = sim.design_space.sample(rng, n)
    for i, d in enumerate(designs):
        m = sim.evaluate(d, "axpy") if i % 3 else None
        w.append(step=i, workload="axpy", design=d, metrics=m, reward=float(i), feasible=m is not None,
                 error=None if m else "boom", sim_wall_s=1e-5)
    w.close()
    return designs


def test_round_trip_types_and_columns(tmp_path, roofline):
    designs = _write(tmp_path, roofline, agent="ga", agent_params={"population": 8}, seed=5, trial_id="t1")
    df = load(tmp_path)
    assert len(df) == 10
    assert list(df.columns[:10]) == ["run_id", "trial_id", "agent", "agent_params", "seed", "step", "simulator",
                                      "simulator_version", "env_id", "workload"]
    assert df["p_lanes"].tolist() == [d["lanes"] for d in designs]
    assert str(df["p_lanes"].dtype) == "int64" and str(df["p_clock_ghz"].dtype) == "float64"
    assert df["m_runtime_ns"].isna().tolist() == [i % 3 == 0 for i in range(10)]
    assert df["agent_params"].iloc[0] == '{"population": 8}'
    assert set(df["trial_id"]) == {"t1"} and set(df["seed"]) == {5}
    assert str(df["timestamp"].dtype).startswith("datetime64") and str(df["timestamp"].dt.tz) == "UTC"
    assert len(part_files(tmp_path)) == 3  # 4 + 4 + 2 rows
    meta = pq.ParquetFile(part_files(tmp_path)[0]).schema_arrow.metadata
    assert int(meta[b"archgym.schema_version"]) == SCHEMA_VERSION


def test_partitioned_by_simulator_and_filter(tmp_path, roofline):
    _write(tmp_path, roofline)
    assert [p.parent.name for p in part_files(tmp_path)] == ["simulator=roofline"] * 3
    assert len(load(tmp_path, simulator="roofline")) == 10
    with pytest.raises(DatasetError, match="no rows for simulator 'dram'; it has: roofline"):
        load(tmp_path, simulator="dram")
    # pyarrow reads the whole root directly too (hive partitioning)
    import pyarrow.dataset as ds

    assert ds.dataset(tmp_path, format="parquet", partitioning="hive").count_rows() == 10


def test_info(tmp_path, roofline):
    _write(tmp_path, roofline, run_id="r1")
    i = info(tmp_path)
    assert i["rows"] == 10 and i["files"] == 3 and i["runs"] == ["r1"]
    assert i["simulators"]["roofline"]["rows"] == 10


def test_not_a_dataset(tmp_path):
    with pytest.raises(DatasetError, match="does not exist"):
        load(tmp_path / "nope")
    (tmp_path / "x.txt").write_text("hello")
    with pytest.raises(DatasetError, match="not an ArchGym dataset"):
        load(tmp_path)
    with pytest.raises(DatasetError, match="expected a folder"):
        load(tmp_path / "x.txt")


def test_corrupt_file_named_and_nothing_lost(tmp_path, roofline):
    _write(tmp_path, roofline)
    files = part_files(tmp_path)
    files[1].write_bytes(files[1].read_bytes()[:50])  # truncate one part
    with pytest.raises(DatasetError, match=files[1].name):
        load(tmp_path)
    assert len(load(tmp_path, on_corrupt="skip")) == 6  # the other parts still load
    assert files[0].exists() and files[2].exists()


def test_foreign_parquet_refused(tmp_path):
    d = tmp_path / "simulator=x"
    d.mkdir()
    pq.write_table(pa.table({"a": [1]}), d / "part-foo.parquet")
    with pytest.raises(DatasetError, match="not an ArchGym part file"):
        load(tmp_path)


def test_other_schema_version_refused(tmp_path, roofline):
    _write(tmp_path, roofline, n=2)
    f = part_files(tmp_path)[0]
    t = pq.read_table(f)
    meta = dict(t.schema.metadata)
    meta[b"archgym.schema_version"] = b"99"
    pq.write_table(t.replace_schema_metadata(meta), f)
    with pytest.raises(DatasetError, match="schema version 99 is not supported"):
        load(tmp_path)


def test_concurrent_writers_do_not_collide(tmp_path, roofline):
    a = DatasetWriter(tmp_path, roofline, run_id="r", trial_id="0")
    b = DatasetWriter(tmp_path, roofline, run_id="r", trial_id="0")
    d = roofline.default_design()
    for w in (a, b):
        w.append(step=0, workload="axpy", design=d, metrics=None, reward=0.0, feasible=False)
        w.close()
    assert len(part_files(tmp_path)) == 2 and len(load(tmp_path)) == 2


KILL_SCRIPT = textwrap.dedent(
    """
    import sys, numpy as np
    sys.argv = sys.argv
    from archgym.datasets import DatasetWriter
    from archgym.simulator import Metric, Simulator
    from archgym.space import Integer, ParameterSpace

    class S(Simulator):
        name = "killme"
        design_space = ParameterSpace({"x": Integer(0, 10**6)})
        metrics = (Metric("y", "1", "min"),)
        workloads = ("w",)
        def default_design(self): return {"x": 0}
        def _evaluate(self, d, w): return {"y": float(d["x"])}

    w = DatasetWriter(sys.argv[1], S(), rows_per_part=500, publish_every_s=None)  # parts by row count only
    i = 0
    while True:
        w.append(step=i, workload="w", design={"x": i}, metrics={"y": float(i)}, reward=-i, feasible=True)
        if i == 2000:
            print("ready", flush=True)
        i += 1
    """
)


def test_sigkill_mid_write_leaves_only_complete_parts(tmp_path):
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(0.3)  # let it write (and be caught writing) more parts
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    files = part_files(tmp_path)
    assert len(files) >= 4
    df = load(tmp_path)  # no torn file breaks load()
    assert len(df) == 500 * len(files)
    # every completed part reads back whole and in order: steps 0..n-1 with no gap
    assert sorted(df["step"].tolist()) == list(range(len(df)))
    leftovers = [p.name for p in (tmp_path / "simulator=killme").iterdir() if p.name.endswith(".tmp")]
    assert all(name.startswith(".") for name in leftovers)  # temporaries are hidden, ignored
