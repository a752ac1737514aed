"""Several tasks on one workload share one reference search; a longer search supersedes a shorter."""

from __future__ import annotations

import json

import pytest

from archgym.bench.refs import compute_reference, compute_references, merge_records, supersede
from archgym.bench.suite import load_suite, read_refs
from archgym.errors import ConfigError, InvalidDesignError
from tests.unit.bench_tiny import SUITE, BenchTiny, register


@pytest.fixture
def tiny(tmp_path):
    register()
    p = tmp_path / "tiny.yaml"
    p.write_text(SUITE)
    return load_suite(p)


@pytest.fixture
def calls(monkeypatch):
    """Counts simulator calls of the tiny simulator (baselines included)."""
    n = {"calls": 0}
    orig = BenchTiny._evaluate

    def counting(self, design, workload):
        n["calls"] += 1
        return orig(self, design, workload)

    monkeypatch.setattr(BenchTiny, "_evaluate", counting)
    return n


def _core(rec):
    return {k: rec.get(k) for k in ("best", "baseline", "designs", "feasible_designs", "best_design", "front")}


def test_a_shared_search_simulates_each_design_once_and_scores_every_task(tiny, calls):
    tasks = [tiny.task(i) for i in ("tiny-cost", "tiny-cost-area", "tiny-mo")]
    shared = compute_references(tasks, "exhaustive")
    shared_calls = calls["calls"]
    alone = {t.id: compute_reference(t, "exhaustive") for t in tasks}
    # per task 3 baseline calls either way (the baseline environment's objective and design, the
    # search environment's objective); the 80 designs once shared, three times alone
    assert shared_calls == 80 + 3 * 3 and calls["calls"] - shared_calls == 3 * (80 + 3)
    for t in tasks:
        assert _core(shared[t.id]) == _core(alone[t.id])
    # by hand (tests/unit/bench_tiny.py): cost 1 at (6, b, 4) -> reward -1/42; under area <= 4
    # (x/2 + p <= 4): p=1 allows x<=6, so x=6, c=b, p=1: cost 0 + 0 + 2 + 1 = 3 -> -3/42 (p=2: x<=4,
    # cost 4 + 1 + 1 = 6; p=4: x=0, cost 37; p=8 never); feasible designs
    # of that limit: p=1: x<=6 (7), p=2: x<=4 (5), p=4: x=0 (1), times 2 choices of c = 26
    assert shared["tiny-cost"]["best"] == pytest.approx(-1 / 42)
    assert shared["tiny-cost-area"]["best"] == pytest.approx(-3 / 42)
    assert shared["tiny-cost-area"]["best_design"] == {"x": 6, "c": "b", "p": 1}
    assert shared["tiny-cost-area"]["feasible_designs"] == 26
    src = shared["tiny-mo"]["sources"][0]
    assert src["shared_with"] == ["tiny-cost", "tiny-cost-area"] and src["feasible_designs"] == 80


def test_a_shared_random_search_resumes_each_task_where_its_checkpoint_stopped(tiny, tmp_path):
    a, b = tiny.task("tiny-cost"), tiny.task("tiny-mo")
    fresh = compute_references([a, b], "random", designs=40, seed=3, chunk=5)
    assert fresh[a.id]["designs"] == fresh[b.id]["designs"] == 40
    # as after a kill between the two tasks' checkpoint writes: a has 3 chunks, b 2 (each in the
    # form, and file, of a search of that task alone)
    ck = {a.id: tmp_path / "a.json", b.id: tmp_path / "b.json"}
    compute_reference(a, "random", designs=15, seed=3, chunk=5, checkpoint=ck[a.id])
    compute_reference(b, "random", designs=10, seed=3, chunk=5, checkpoint=ck[b.id])
    ran = []
    both = compute_references([a, b], "random", designs=40, seed=3, chunk=5, checkpoints=ck,
                              on_history=lambda h: ran.append(sum(not r.cache_hit for r in h)))
    assert ran == [5] * 6  # chunks 2..7 ran once each; chunk 2 counted for b only
    for t in (a, b):
        assert _core(both[t.id]) == _core(fresh[t.id])
        assert json.loads(ck[t.id].read_text())["tally"]["units_done"] == 8


def test_only_tasks_of_one_workload_share_a_search_and_agents_take_one_task(tiny, tmp_path):
    p = tmp_path / "two.yaml"
    p.write_text(SUITE.replace("version: 7", "version: 8") + """\
  - id: tiny-heavier
    env: archgym/BenchTiny-v0
    workload: w
    objective: {kind: weighted, weights: {cost_ns: 1}}
    simulator_kwargs: {scale: 2}
    budget: 12
""")
    suite = load_suite(p, check=False)
    with pytest.raises(ConfigError, match="cannot share one search"):
        compute_references([suite.task("tiny-cost"), suite.task("tiny-heavier")], "random", designs=5)
    with pytest.raises(ConfigError, match="one task at a time"):
        compute_references([tiny.task("tiny-cost"), tiny.task("tiny-mo")], "agents", agents=["ga"])
    with pytest.raises(ConfigError, match="twice"):
        compute_references([tiny.task("tiny-cost")] * 2, "random", designs=5)


def test_a_longer_search_supersedes_the_shorter_one_and_keeps_agent_runs(tiny):
    task = tiny.task("tiny-cost")
    short = compute_reference(task, "random", designs=10, seed=0, chunk=10)
    ag = compute_reference(task, "agents", agents=["ga"], budget=12, seeds=1)
    old = merge_records(short, ag)
    long = compute_reference(task, "random", designs=40, seed=0, chunk=10)
    new = supersede(old, long)
    # the 10 designs of the short search are the first 10 of the long one: counted once
    assert [s["method"] for s in new["sources"]] == ["random", "agents"]
    assert new["designs"] == 40 + ag["designs"] and new["method"] == "random+agents"
    assert new["best"] == max(long["best"], ag["best"])
    assert new["feasible_designs"] == long["feasible_designs"] + ag["feasible_designs"]
    # a search of another seed is not repeated by the new one: kept
    other = compute_reference(task, "random", designs=10, seed=9, chunk=10)
    kept = supersede(other, long)
    assert kept["designs"] == 50 and [s["seed"] for s in kept["sources"]] == [0, 9]
    # the record says when it last grew (the new search), not when the old one ran
    assert supersede(dict(other, computed="2000-01-01T00:00:00Z"), long)["computed"] == long["computed"]
    # a record of another simulator version is dropped whole
    assert supersede(dict(old, simulator_version="0"), long) == long


def test_cli_refs_tasks_share_a_search_and_write_every_record(tiny, tmp_path, capsys, calls):
    from archgym.cli import main

    out = tmp_path / "refs.yaml"
    rc = main(["bench", "refs", "--suite", str(tiny.path), "--tasks", "tiny-cost,tiny-mo", "--method", "exhaustive",
               "--write", str(out), "--no-progress", "--checkpoint", "none"])
    assert rc == 0 and calls["calls"] == 80 + 2 * 3
    stored = read_refs(out)["tasks"]
    assert set(stored) == {"tiny-cost", "tiny-mo"} and stored["tiny-cost"]["best"] == pytest.approx(-1 / 42)
    calls["calls"] = 0
    assert main(["bench", "refs", "--suite", str(tiny.path), "--all", "--designs", "8", "--method", "random",
                 "--no-progress", "--checkpoint", "none"]) == 0
    assert calls["calls"] == 8 + 3 * 3  # three tasks of one workload: one search
    with pytest.raises(SystemExit):
        main(["bench", "refs", "--suite", str(tiny.path), "--tasks", "tiny-cost,tiny-mo", "--checkpoint", str(tmp_path / "c")])


def test_listed_designs_add_to_a_record_and_a_bad_one_is_refused_before_any_call(tiny, tmp_path, calls):
    from archgym.cli import main

    task = tiny.task("tiny-cost")
    small = compute_reference(task, "random", designs=3, seed=0)
    # the optimum by hand (bench_tiny.py): x=6, c=b, p=4, cost 1 -> -1/42; plus a worse design
    got = compute_references([task], "designs", design_list=[{"x": 6, "c": "b", "p": 4}, {"x": 0, "c": "b", "p": 4}],
                             note="the optimum by hand")[task.id]
    assert got["best"] == pytest.approx(-1 / 42) and got["designs"] == 2 and got["provisional"]
    assert got["sources"][0]["note"] == "the optimum by hand"
    merged = merge_records(small, got)
    assert merged["best"] == pytest.approx(-1 / 42) and merged["method"] == "random+designs" and merged["provisional"]
    calls["calls"] = 0
    with pytest.raises(InvalidDesignError, match="'x': 60"):
        compute_references([task], "designs", design_list=[{"x": 60, "c": "b", "p": 4}])
    assert calls["calls"] == 0
    f = tmp_path / "d.json"
    f.write_text(json.dumps([{"x": 6, "c": "b", "p": 4}]))
    out = tmp_path / "refs.yaml"
    assert main(["bench", "refs", "--suite", str(tiny.path), "--task", "tiny-cost", "--method", "designs",
                 "--designs-file", str(f), "--note", "by hand", "--write", str(out), "--no-progress", "--checkpoint", "none"]) == 0
    assert read_refs(out)["tasks"]["tiny-cost"]["best"] == pytest.approx(-1 / 42)
    with pytest.raises(SystemExit):
        main(["bench", "refs", "--suite", str(tiny.path), "--task", "tiny-cost", "--method", "designs", "--checkpoint", "none"])


def test_cli_writing_a_group_to_another_file_merges_each_task_with_the_suites_record(tiny, tmp_path):
    from archgym.bench.refs import write_reference
    from archgym.cli import main

    for t in ("tiny-cost", "tiny-mo"):
        write_reference(tiny.refs_path, tiny.version, t, compute_reference(tiny.task(t), "random", designs=5, seed=0))
    out = tmp_path / "new.yaml"
    assert main(["bench", "refs", "--suite", str(tiny.path), "--tasks", "tiny-cost,tiny-mo", "--method", "random",
                 "--designs", "6", "--seed", "1", "--write", str(out), "--no-progress", "--checkpoint", "none"]) == 0
    for rec in read_refs(out)["tasks"].values():  # both tasks, not only the first written
        assert [s["seed"] for s in rec["sources"]] == [1, 0] and rec["designs"] == 11
