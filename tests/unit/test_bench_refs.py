"""Reference bests: resumable chunked random search, best of agent runs, merging records."""

from __future__ import annotations

import json

import numpy as np
import pytest

from archgym.bench.refs import compute_reference, merge_records
from archgym.bench.suite import latest_suite, list_suites, load_suite
from archgym.errors import ConfigError
from tests.unit.bench_tiny import SUITE, register


@pytest.fixture
def tiny(tmp_path):
    register()
    p = tmp_path / "tiny.yaml"
    p.write_text(SUITE)
    return load_suite(p)


def test_chunked_random_reference_resumes_after_a_kill(tiny, tmp_path, monkeypatch):
    task = tiny.task("tiny-cost")
    whole = compute_reference(task, "random", designs=40, seed=3, chunk=10)
    assert whole["designs"] == 40 and whole["provisional"]  # one env cache: no design counted twice
    ckpt = tmp_path / "ck.json"
    calls = {"n": 0}

    # kill (KeyboardInterrupt) during the third chunk: two chunks are in the checkpoint
    from archgym.agents import RandomWalk

    orig = RandomWalk.search

    def dying(self, env, budget, seed=0, callback=None):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return orig(self, env, budget, seed=seed, callback=callback)

    monkeypatch.setattr(RandomWalk, "search", dying)
    with pytest.raises(KeyboardInterrupt):
        compute_reference(task, "random", designs=40, seed=3, chunk=10, checkpoint=ckpt)
    assert json.loads(ckpt.read_text())["tally"]["units_done"] == 2
    monkeypatch.setattr(RandomWalk, "search", orig)
    seen = []
    resumed = compute_reference(task, "random", designs=40, seed=3, chunk=10, checkpoint=ckpt,
                                on_history=lambda h: seen.append(sum(not r.cache_hit for r in h)))
    assert seen == [10, 10]  # only the two missing chunks ran
    # a resumed process has a fresh cache, so a later chunk may repeat an earlier design: the
    # count stays 40 and the best can only be as good as or better than a subset's
    assert resumed["designs"] == 40 and resumed["best"] >= resumed["baseline"]
    with pytest.raises(ConfigError, match="belongs to another computation"):
        compute_reference(task, "random", designs=30, seed=3, chunk=10, checkpoint=ckpt)


def test_agents_reference_and_merge_with_exhaustive(tiny):
    task = tiny.task("tiny-cost")
    ex = compute_reference(task)  # optimum -1/42 at (6, b, 4), by hand in test_bench_suite
    ag = compute_reference(task, "agents", agents=["ga", "random"], budget=12, seeds=2)
    assert ag["method"] == "agents" and ag["designs"] == 4 * 12
    assert set(ag["sources"][0]["best_by_agent"]) == {"ga", "random"}
    assert ex["best"] >= ag["best"] >= ag["baseline"]
    merged = merge_records(ex, ag)
    assert merged["method"] == "exhaustive+agents" and merged["designs"] == 80 + 48
    assert merged["best"] == pytest.approx(-1 / 42) and merged["best_design"] == {"x": 6, "c": "b", "p": 4}
    assert not merged["provisional"] and [s["method"] for s in merged["sources"]] == ["exhaustive", "agents"]
    # agents that found better than a small random search raise the reference
    rnd = compute_reference(task, "random", designs=3, seed=0)
    up = merge_records(rnd, ag)
    assert up["best"] == max(rnd["best"], ag["best"]) and up["provisional"]
    with pytest.raises(ConfigError, match="different baselines"):
        merge_records(ex, dict(ag, baseline=-2.0))
    with pytest.raises(ConfigError, match="at least one agent"):
        compute_reference(task, "agents")


def test_merged_hypervolume_is_that_of_the_union_of_fronts(tiny):
    from archgym.objective import hypervolume

    task = tiny.task("tiny-mo")
    a = compute_reference(task, "random", designs=6, seed=0)
    b = compute_reference(task, "random", designs=6, seed=1)
    m = merge_records(a, b)
    union = np.asarray(a["front"] + b["front"])
    assert m["best"] == pytest.approx(hypervolume(union, np.asarray(a["ref_point"])))
    assert m["best"] >= max(a["best"], b["best"]) - 1e-12
    ex = compute_reference(task)
    assert m["best"] <= ex["best"] + 1e-12
    old = {k: v for k, v in a.items() if k != "front"}
    with pytest.raises(ConfigError, match="front"):
        merge_records(old, b)


def test_newest_suite_is_the_default():
    names = list_suites()
    assert names[0] == "v1" and all(not n.endswith(".refs") for n in names)
    assert latest_suite() == names[-1] and load_suite(check=False).version == int(names[-1][1:])


def test_a_random_reference_can_be_extended_from_its_checkpoint(tiny, tmp_path):
    task = tiny.task("tiny-cost")
    ckpt = tmp_path / "ck.json"
    first = compute_reference(task, "random", designs=20, seed=5, chunk=10, checkpoint=ckpt)
    ran = []
    more = compute_reference(task, "random", designs=40, seed=5, chunk=10, checkpoint=ckpt,
                             on_history=lambda h: ran.append(len(h)))
    assert len(ran) == 2 and more["designs"] == 40 and more["best"] >= first["best"]
    with pytest.raises(ConfigError, match="another computation"):  # a different seed is another search
        compute_reference(task, "random", designs=40, seed=6, chunk=10, checkpoint=ckpt)


def test_the_same_agent_runs_are_not_merged_twice(tiny):
    task = tiny.task("tiny-cost")
    ex = compute_reference(task)
    ag = compute_reference(task, "agents", agents=["ga"], budget=12, seeds=1)
    merged = merge_records(ex, ag)
    with pytest.raises(ConfigError, match="already part of the record"):
        merge_records(merged, ag)
    other = compute_reference(task, "agents", agents=["ga"], budget=12, seeds=1, seed=5)
    assert len(merge_records(merged, other)["sources"]) == 3
