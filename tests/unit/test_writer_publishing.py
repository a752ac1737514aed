"""The writer publishes parts as it goes (every N rows or T seconds), compacts them on close,
and never drops buffered rows when a write is interrupted."""

from __future__ import annotations

import json
import shutil

import pyarrow.parquet as pq
import pytest

import archgym.datasets.writer as writer_module
from archgym.datasets import DatasetWriter, load, part_files
from archgym.datasets.writer import META_COMPACTED_FROM, finish_compaction


class Clock:
    """A hand-driven clock for the publishing period (no test waits on wall time)."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock(monkeypatch):
    c = Clock()
    monkeypatch.setattr(writer_module, "_now", c)
    return c


def _append(w, sim, step):
    d = sim.default_design()
    w.append(step=step, workload="axpy", design=d, metrics=None, reward=float(step), feasible=False, error="x")


def test_time_triggered_parts_are_published_then_compacted(tmp_path, roofline, clock):
    w = DatasetWriter(tmp_path, roofline, run_id="r", publish_every_s=2.0)
    for i in range(3):
        _append(w, roofline, i)
    assert not (tmp_path / "simulator=roofline").exists()  # within the period: nothing yet
    clock.t += 2.0
    _append(w, roofline, 3)  # the first append after the period publishes the buffer
    assert sorted(load(tmp_path)["step"]) == [0, 1, 2, 3]
    for step in range(4, 9):
        clock.t += 2.5
        _append(w, roofline, step)
    assert len(part_files(tmp_path)) == 6 and len(load(tmp_path)) == 9
    w.close()
    files = part_files(tmp_path)
    assert len(files) == 1 and w.files == files  # 6 small parts -> 1
    assert sorted(load(tmp_path)["step"]) == list(range(9))
    replaced = json.loads(pq.read_schema(files[0]).metadata[META_COMPACTED_FROM])
    assert len(replaced) == 6 and files[0].name not in replaced


def test_compaction_respects_rows_per_part(tmp_path, roofline, clock):
    w = DatasetWriter(tmp_path, roofline, run_id="r", rows_per_part=5, publish_every_s=1.0)
    for step in range(12):  # a part every 2 rows, by time
        if step % 2 == 0:
            clock.t += 1.0
        _append(w, roofline, step)
    w.close()
    sizes = sorted(pq.ParquetFile(f).metadata.num_rows for f in part_files(tmp_path))
    assert sum(sizes) == 12 and max(sizes) <= 5 and len(sizes) <= 4
    assert sorted(load(tmp_path)["step"]) == list(range(12))


def test_no_period_means_no_time_triggered_parts(tmp_path, roofline, clock):
    w = DatasetWriter(tmp_path, roofline, run_id="r", publish_every_s=None)
    for step in range(4):
        clock.t += 100.0
        _append(w, roofline, step)
    assert not (tmp_path / "simulator=roofline").exists()
    w.close()
    assert len(part_files(tmp_path)) == 1


def test_interrupted_write_keeps_the_rows_for_the_next_flush(tmp_path, roofline, monkeypatch):
    w = DatasetWriter(tmp_path, roofline, run_id="r")
    for step in range(5):
        _append(w, roofline, step)
    real = pq.write_table
    calls = []

    def interrupted_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(writer_module.pq, "write_table", interrupted_once)
    with pytest.raises(KeyboardInterrupt):
        w.flush()
    assert len(w) == 5 and w.rows_written == 0
    w.close()
    assert sorted(load(tmp_path)["step"]) == list(range(5))


def test_kill_mid_compaction_is_finished_by_finish_compaction(tmp_path, roofline, clock):
    root = tmp_path / "ds"
    w = DatasetWriter(root, roofline, run_id="r", publish_every_s=1.0)
    for step in range(6):
        clock.t += 1.0
        _append(w, roofline, step)
    small = part_files(root)
    assert len(small) == 6  # each append came after a period
    saved = tmp_path / "saved"
    saved.mkdir()
    for f in small:
        shutil.copy2(f, saved / f.name)
    w.close()
    # as if killed after the merged part was renamed into place but before the old ones went
    for f in saved.iterdir():
        shutil.copy2(f, root / "simulator=roofline" / f.name)
    assert len(load(root)) == 6 + 6
    assert finish_compaction(root) == 6
    assert sorted(load(root)["step"]) == list(range(6))
    assert finish_compaction(root) == 0


@pytest.mark.parametrize("kwargs, match", [
    ({"rows_per_part": 0}, "rows_per_part must be >= 1"),
    ({"publish_every_s": 0}, "publish_every_s must be > 0 seconds or None"),
])
def test_bad_settings(tmp_path, roofline, kwargs, match):
    with pytest.raises(ValueError, match=match):
        DatasetWriter(tmp_path, roofline, **kwargs)
