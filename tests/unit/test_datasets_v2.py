"""Schema v2: ``outcome`` and ``fidelity``, v1 files still read, every reader reads a folder
with no options, and damaged parts are reported instead of passing for healthy ones."""

from __future__ import annotations

import json
import logging

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from archgym.cli import main
from archgym.datasets import OUTCOMES, SCHEMA_VERSION, DatasetWriter, info, load, part_files
from archgym.errors import ConfigError, DatasetError
from archgym.simulator import Metric, Simulator, make_simulator
from archgym.space import Integer, ParameterSpace


class Tiered(Simulator):
    """A second simulator (own partition) whose fidelity depends on the workload."""

    name = "tiered"
    version = "2"
    fidelity = "fast"
    design_space = ParameterSpace({"x": Integer(0, 9)})
    metrics = (Metric("y", "1", "min"),)
    workloads = ("quick", "exact")

    def default_design(self):
        return {"x": 0}

    def fidelity_of(self, workload):
        return "slow" if workload == "exact" else self.fidelity

    def _evaluate(self, design, workload):
        return {"y": float(design["x"])}


def _two_simulators(root, roofline):
    """4 roofline rows (one of each outcome) and 3 tiered rows; rows_per_part=2 -> 4 + 2 parts."""
    rng = np.random.default_rng(7)
    designs = roofline.design_space.sample(rng, 4, feasible_only=True)
    with DatasetWriter(root, roofline, run_id="r1", rows_per_part=2) as w:
        for i, (d, outcome) in enumerate(zip(designs, OUTCOMES)):
            m = roofline.evaluate(d, "axpy") if outcome in ("ok", "constraint") else None
            w.append(step=i, workload="axpy", design=d, metrics=m, reward=float(i), feasible=outcome == "ok",
                     outcome=outcome, error=None if outcome == "ok" else f"because {outcome}")
    t = Tiered()
    with DatasetWriter(root, t, run_id="r2", rows_per_part=2) as w:
        for i, wl in enumerate(("quick", "exact", "quick")):
            w.append(step=i, workload=wl, design={"x": i}, metrics=t.evaluate({"x": i}, wl), reward=0.0, feasible=True)
    return designs


# -- columns ------------------------------------------------------------------------------
def test_outcome_and_fidelity_columns(tmp_path, roofline):
    _two_simulators(tmp_path, roofline)
    df = load(tmp_path)
    assert SCHEMA_VERSION == 2
    rf = df[df["simulator"] == "roofline"]
    assert rf["outcome"].tolist() == ["ok", "infeasible", "constraint", "error"]
    assert rf["m_runtime_ns"].notna().tolist() == [True, False, True, False]
    assert set(rf["fidelity"]) == {"default"}  # a plugin that declares nothing
    tf = df[df["simulator"] == "tiered"]
    assert tf["fidelity"].tolist() == ["fast", "slow", "fast"]  # per workload, via fidelity_of
    assert set(tf["outcome"]) == {"ok"}  # derived from feasible when not given
    cols = list(df.columns)
    assert cols.index("fidelity") == cols.index("workload") + 1
    assert cols.index("outcome") == cols.index("feasible") + 1
    assert cols[6] == "simulator" and df["simulator"].dtype == df["workload"].dtype  # a plain string column


def test_outcome_validated(tmp_path, roofline):
    w = DatasetWriter(tmp_path, roofline)
    with pytest.raises(ValueError, match="outcome must be one of ok, infeasible, constraint, error; got 'crashed'"):
        w.append(step=0, workload="axpy", design=roofline.default_design(), metrics=None, reward=0.0,
                 feasible=False, outcome="crashed")
    assert len(w) == 0


def test_builtin_fidelity_tiers():
    assert make_simulator("dram").fidelity_of("stream") == "cycle"
    for name in ("dnn_accel", "dnn_mapping", "sparse_sat"):
        sim = make_simulator(name)
        assert sim.fidelity_of(sim.default_workload) == "analytical", name
    q = make_simulator("qnet")
    assert q.fidelity_of("symmetric-f0.6-load50") == "deterministic"
    assert q.fidelity_of("symmetric-f0.6-load50-stoch") == "stochastic"
    from archgym.proxy.simulator import ProxySimulator
    from archgym.simulators.accelerator.scalesim_backend import ScaleSimSimulator

    assert ProxySimulator.fidelity == "proxy" and ScaleSimSimulator.fidelity == "scalesim"


def _write_v1(path, roofline):
    """A schema-v1 part as the v1 writer made it: ``simulator`` stored, no outcome/fidelity."""
    design = roofline.default_design()
    m = roofline.evaluate(design, "axpy")
    rows = [  # (feasible, metrics present, error)
        (True, True, None),
        (False, True, "runtime_ns <= 1 violated"),  # an objective limit: v1 kept the metrics
        (False, False, "x = 3 does not fit"),  # infeasible design ...
        (False, False, "RuntimeError: crashed"),  # ... or a simulator error: v1 cannot tell
    ]
    n = len(rows)
    cols = {
        "run_id": ["old"] * n, "trial_id": ["0"] * n, "agent": ["random"] * n, "agent_params": ["{}"] * n,
        "seed": pa.array([0] * n, pa.int64()), "step": pa.array(range(n), pa.int64()),
        "simulator": ["roofline"] * n, "simulator_version": ["1.0"] * n, "env_id": [""] * n, "workload": ["axpy"] * n,
    }
    for k, v in design.items():
        cols[f"p_{k}"] = [v] * n
    for k, v in m.items():
        cols[f"m_{k}"] = pa.array([v if r[1] else None for r in rows], pa.float64())
    cols.update({
        "reward": [1.0, 0.5, 0.0, 0.0], "feasible": [r[0] for r in rows], "cache_hit": [False] * n,
        "error": [r[2] for r in rows], "sim_wall_s": [1e-3] * n,
        "timestamp": pa.array([0] * n, pa.timestamp("us", tz="UTC")),
    })
    meta = {
        b"archgym.schema_version": b"1",
        b"archgym.simulator": json.dumps({"name": "roofline", "version": "1.0"}).encode(),
        b"archgym.design_space": json.dumps(roofline.design_space.to_json()).encode(),
        b"archgym.metrics": json.dumps([{"name": x.name, "unit": x.unit, "direction": x.direction}
                                        for x in roofline.metrics]).encode(),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(cols).replace_schema_metadata(meta), path)


def test_v1_files_still_load_with_an_honest_outcome(tmp_path, roofline):
    _write_v1(tmp_path / "simulator=roofline" / "part-old-0-a-00000.parquet", roofline)
    df = load(tmp_path)
    # by hand: feasible -> ok; infeasible with metrics -> constraint (only an objective limit
    # kept metrics in v1); a failure without metrics is unknown (error or infeasible?) -> null
    assert df["outcome"].fillna("?").tolist() == ["ok", "constraint", "?", "?"]
    assert df["fidelity"].isna().all()
    assert df["simulator"].tolist() == ["roofline"] * 4
    # mixed with v2 parts in one folder, and column selection that needs the upgrade
    with DatasetWriter(tmp_path, roofline, run_id="new") as w:
        w.append(step=0, workload="axpy", design=roofline.default_design(), metrics=None, reward=0.0,
                 feasible=False, outcome="error", error="RuntimeError: boom")
    both = load(tmp_path, columns=["run_id", "outcome", "fidelity"])
    assert list(both.columns) == ["run_id", "outcome", "fidelity"]
    assert sorted(zip(both["run_id"], both["outcome"].fillna("?"))) == [
        ("new", "error"), ("old", "?"), ("old", "?"), ("old", "constraint"), ("old", "ok")]
    assert info(tmp_path)["schema_versions"] == [1, 2]


# -- every reader, no options ---------------------------------------------------------------
def _one_run(root, roofline):
    """What ``archgym run`` leaves: one simulator's partition, several parts."""
    rng = np.random.default_rng(3)
    with DatasetWriter(root, roofline, run_id="r1", rows_per_part=4) as w:
        for i, d in enumerate(roofline.design_space.sample(rng, 10, feasible_only=True)):
            w.append(step=i, workload="dot", design=d, metrics=roofline.evaluate(d, "dot"), reward=float(i), feasible=True)
    return load(root)


def _same_rows(other, ours):
    """``other`` (any reader's frame) holds exactly ArchGym's rows and columns."""
    other = other.sort_values("step").reset_index(drop=True)
    assert sorted(other.columns) == sorted(ours.columns)
    assert other["simulator"].astype(str).tolist() == ours["simulator"].tolist()
    for c in ("step", "p_lanes", "m_runtime_ns", "outcome", "fidelity"):
        assert other[c].tolist() == ours[c].tolist(), c


def test_pandas_and_pyarrow_read_the_folder_with_no_options(tmp_path, roofline):
    import pandas as pd
    import pyarrow.dataset as ds

    ours = _one_run(tmp_path, roofline)
    _same_rows(pd.read_parquet(tmp_path), ours)
    _same_rows(pq.read_table(tmp_path).to_pandas(), ours)
    assert ds.dataset(tmp_path).count_rows() == 10
    _same_rows(ds.dataset(tmp_path, partitioning="hive").to_table().to_pandas(), ours)


def test_partition_filters_across_simulators(tmp_path, roofline):
    import pandas as pd
    import pyarrow.dataset as ds

    _two_simulators(tmp_path, roofline)
    t = ds.dataset(tmp_path, partitioning="hive").to_table(filter=ds.field("simulator") == "tiered")
    assert t.num_rows == 3
    assert len(pd.read_parquet(tmp_path, filters=[("simulator", "==", "roofline")])) == 4
    assert len(load(tmp_path, simulator="tiered")) == 3  # ArchGym's own filter
    assert load(tmp_path, simulator="tiered")["p_x"].tolist() == [0, 1, 2]


def test_polars_reads_the_folder(tmp_path, roofline):
    pl = pytest.importorskip("polars")
    ours = _one_run(tmp_path, roofline)
    _same_rows(pl.read_parquet(tmp_path).to_pandas(), ours)


def test_duckdb_reads_the_folder(tmp_path, roofline):
    duckdb = pytest.importorskip("duckdb")
    ours = _one_run(tmp_path, roofline)
    _same_rows(duckdb.sql(f"select * from '{tmp_path}/*/*.parquet'").df(), ours)
    _two_simulators(tmp_path / "two", roofline)
    rows = duckdb.sql(
        f"select simulator, count(*) from read_parquet('{tmp_path}/two/*/*.parquet', union_by_name=true) "
        "group by simulator order by simulator"
    ).fetchall()
    assert rows == [("roofline", 4), ("tiered", 3)]


# -- damage -------------------------------------------------------------------------------
def _garble_column(path, column):
    """Flip the last 8 bytes of ``column``'s data in ``path`` (footer intact)."""
    md = pq.ParquetFile(path).metadata.row_group(0)
    j = [md.column(i).path_in_schema for i in range(md.num_columns)].index(column)
    end = md.column(j).data_page_offset + md.column(j).total_compressed_size
    data = bytearray(path.read_bytes())
    for i in range(end - 8, end):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def test_info_checks_every_part_and_reports_the_damaged_one(tmp_path, roofline, capsys):
    _two_simulators(tmp_path, roofline)
    bad = part_files(tmp_path)[1]
    _garble_column(bad, "reward")  # footer, metadata and run_id column still read fine
    i = info(tmp_path)
    assert [d["file"] for d in i["damaged"]] == [str(bad)]
    assert i["rows"] == 5 and i["files"] == 4
    assert main(["dataset", "info", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "1 of 4 part files are damaged" in err and bad.name in err
    with pytest.raises(DatasetError, match=bad.name):
        load(tmp_path)


def test_info_healthy_exits_zero(tmp_path, roofline, capsys):
    _two_simulators(tmp_path, roofline)
    assert main(["dataset", "info", str(tmp_path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["damaged"] == [] and out["rows"] == 7 and out["schema_versions"] == [2]


def test_skip_warns_how_many_parts_and_rows(tmp_path, roofline, caplog):
    _two_simulators(tmp_path, roofline)
    files = part_files(tmp_path)
    _garble_column(files[0], "reward")  # footer readable: its 2 rows are counted
    files[3].write_bytes(files[3].read_bytes()[:40])  # truncated: its rows are unknown
    with caplog.at_level(logging.WARNING, logger="archgym.datasets.reader"):
        df = load(tmp_path, on_corrupt="skip")
    assert len(df) == 7 - 2 - 1
    msg = " ".join(r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    assert "skipped 2 damaged part file(s)" in msg and "2 rows plus the rows of 1 part(s)" in msg
    assert files[0].name in msg and files[3].name in msg
    assert files[0].exists() and files[3].exists()  # left in place


def test_unknown_on_corrupt_mode_is_one_clear_error(tmp_path, roofline):
    _two_simulators(tmp_path, roofline)
    with pytest.raises(ConfigError, match=r"^on_corrupt must be one of 'raise', 'skip'; got 'ignore'$"):
        load(tmp_path, on_corrupt="ignore")
