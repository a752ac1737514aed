"""The task suite (v1 and bad suites) and reference bests by exhaustive enumeration."""

from __future__ import annotations

import json

import numpy as np
import pytest

from archgym.bench.refs import compute_reference, write_reference
from archgym.bench.suite import list_suites, load_suite
from archgym.errors import ConfigError
from tests.unit.bench_tiny import SUITE, BenchTiny, register


@pytest.fixture
def tiny_suite(tmp_path):
    register()
    p = tmp_path / "tiny.yaml"
    p.write_text(SUITE)
    return load_suite(p)


def test_v1_covers_every_family_with_continuous_objectives():
    suite = load_suite("v1", check=False)
    assert "v1" in list_suites() and suite.version == 1 and len(suite.tasks) >= 14
    envs = {t.env for t in suite.tasks}
    assert envs == {"archgym/DRAM-v0", "archgym/DNNAccel-v0", "archgym/DNNMapping-v0", "archgym/SparseSAT-v0",
                    "archgym/QNetSched-v0", "archgym/ScaleSim-v0"}
    assert {t.workload for t in suite.tasks if t.env == "archgym/DRAM-v0"} == {"stream", "random", "cloud-1", "cloud-2"}
    assert len({t.workload for t in suite.tasks if t.env == "archgym/DNNMapping-v0" and not t.multi_objective}) == 3
    for env in envs - {"archgym/ScaleSim-v0"}:
        assert any(t.multi_objective for t in suite.tasks if t.env == env), env
    assert any(t.objective["kind"] == "constrained" and "area_mm2" in t.objective["limits"] for t in suite.tasks)
    assert all(t.objective["kind"] in ("weighted", "constrained", "multi") for t in suite.tasks)


@pytest.mark.parametrize(
    "edit, match",
    [
        (lambda s: s.replace("budget: 12\n    ref_method: exhaustive\n  - id: tiny-cost-area", "budgte: 12\n  - id: tiny-cost-area"),
         "unknown key 'budgte'.*did you mean 'budget'"),
        (lambda s: s.replace("archgym/BenchTiny-v0", "archgym/BenchTiny-v9", 1), "unknown env 'archgym/BenchTiny-v9'"),
        (lambda s: s.replace("{kind: weighted, weights: {cost_ns: 1}}", "{kind: target}", 1), "continuous"),
        (lambda s: s.replace("id: tiny-mo", "id: tiny-cost"), "appears twice"),
        (lambda s: s.replace("cost_ns: 1}}\n    budget", "cst_ns: 1}}\n    budget", 1), "task 'tiny-cost'.*cst_ns"),
        (lambda s: s.replace("budget: 12", "budget: 0", 1), "budget must be an integer >= 1"),
        (lambda s: s.replace("workload: w", "workload: nope", 1), "task 'tiny-cost'"),
    ],
)
def test_bad_suites_are_clear_errors(tmp_path, edit, match):
    register()
    p = tmp_path / "bad.yaml"
    p.write_text(edit(SUITE))
    with pytest.raises(ConfigError, match=match):
        load_suite(p)


def test_unknown_task_and_suite_list_what_is_allowed(tiny_suite):
    with pytest.raises(ConfigError, match="no task 'tiny-cots'.*did you mean 'tiny-cost'"):
        tiny_suite.task("tiny-cots")
    with pytest.raises(ConfigError, match="unknown suite 'v99'; allowed: v1"):
        load_suite("v99")


def test_exhaustive_reference_by_hand(tiny_suite):
    # cost minimum 1 at (6, b, 4); the baseline costs 42 -> rewards -1/42 and -1
    rec = compute_reference(tiny_suite.task("tiny-cost"))
    assert rec["method"] == "exhaustive" and rec["designs"] == 80 and not rec["provisional"]
    assert rec["best"] == pytest.approx(-1 / 42) and rec["baseline"] == pytest.approx(-1.0)
    assert rec["best_design"] == {"x": 6, "c": "b", "p": 4}
    # under area <= 4 (x/2 + p): x=6 forces p=1 -> cost 0 + 0 + 2 + 1 = 3 (x=5,p=1: 4; x=4,p=2: 6)
    rec = compute_reference(tiny_suite.task("tiny-cost-area"))
    assert rec["best"] == pytest.approx(-3 / 42) and rec["best_design"] == {"x": 6, "c": "b", "p": 1}


def test_exhaustive_hypervolume_equals_brute_force(tiny_suite):
    from archgym.objective import MultiObjective, hypervolume, pareto_front

    rec = compute_reference(tiny_suite.task("tiny-mo"))
    sim = BenchTiny()
    obj = MultiObjective.from_baseline(sim, "w")
    vecs = np.array([obj.vector(sim.evaluate(d, "w")) for d in (sim.design_space.decode(np.array(np.unravel_index(i, (10, 2, 4)))) for i in range(80))])
    assert rec["best"] == pytest.approx(hypervolume(vecs[pareto_front(vecs)], obj.ref_vector()))
    assert rec["baseline"] == pytest.approx(hypervolume(np.array([obj.vector(sim.baseline_metrics("w"))]), obj.ref_vector()))


def test_random_reference_is_provisional_and_write_merges(tiny_suite, tmp_path):
    rec = compute_reference(tiny_suite.task("tiny-cost"), method="random", designs=10, seed=1)
    assert rec["designs"] == 10 and rec["provisional"] and rec["best"] >= rec["baseline"]
    path = tmp_path / "refs.json"
    write_reference(path, 7, "a", rec)
    write_reference(path, 7, "b", rec)
    assert set(json.loads(path.read_text())["tasks"]) == {"a", "b"}
    with pytest.raises(ConfigError, match="suite v7, not v8"):
        write_reference(path, 8, "a", rec)


def test_infeasible_baseline_is_refused(tmp_path):
    register()
    p = tmp_path / "s.yaml"
    p.write_text(SUITE.replace('["<=", 4.0]', '["<=", 0.5]'))
    with pytest.raises(ConfigError, match="baseline design is infeasible"):
        compute_reference(load_suite(p).task("tiny-cost-area"))


def test_v2_keeps_v1s_coverage_and_replaces_the_solved_dnnmapping_tasks():
    v1, v2 = load_suite("v1", check=False), load_suite("v2", check=False)
    assert v2.version == 2 and len(v2.tasks) == len(v1.tasks)
    assert {t.env for t in v2.tasks} == {t.env for t in v1.tasks}
    assert {t.workload for t in v2.tasks if t.env == "archgym/DRAM-v0"} == {"stream", "random", "cloud-1", "cloud-2"}
    assert len({t.workload for t in v2.tasks if t.env == "archgym/DNNMapping-v0" and not t.multi_objective}) == 3
    for env in {t.env for t in v2.tasks} - {"archgym/ScaleSim-v0"}:
        assert any(t.multi_objective for t in v2.tasks if t.env == env), env
    ids = {t.id for t in v2.tasks}
    assert not ids & {"dnnmap-resnet18-conv2-latency", "dnnmap-bert-ffn1-latency", "dnnmap-resnet50-conv3-mo"}
    assert {"dnnmap-resnet18-conv2-energy", "dnnmap-bert-ffn1-energy", "dnnmap-vgg16-conv3-mo"} <= ids
    # a kept task is unchanged (but for its note), so its v1 reference stays valid
    def problem(t):
        return {k: v for k, v in t.to_json().items() if k != "note"}

    for t in v2.tasks:
        if t.id in {u.id for u in v1.tasks}:
            assert problem(t) == problem(v1.task(t.id)), t.id


def test_v3_is_v2_with_its_scalesim_task_on_one_layer():
    v2, v3 = load_suite("v2", check=False), load_suite("v3", check=False)
    assert v3.version == 3 and len(v3.tasks) == len(v2.tasks)
    old = {t.id: t.to_json() for t in v2.tasks}
    new = {t.id: t.to_json() for t in v3.tasks}
    assert set(old) - set(new) == {"scalesim-alexnet-latency"}
    assert set(new) - set(old) == {"scalesim-bert-scores-latency"}
    assert all(new[k] == old[k] for k in new if k in old)  # so v2's references carry over
    task = v3.task("scalesim-bert-scores-latency")
    assert (task.env, task.workload, task.budget) == ("archgym/ScaleSim-v0", "bert_base:enc1_scores", 30)


def test_v4_is_v3_with_the_tasks_random_search_solves_replaced():
    v3, v4 = load_suite("v3", check=False), load_suite("v4", check=False)
    assert v4.version == 4 and len(v4.tasks) == len(v3.tasks)
    def problem(t):  # what a reference belongs to (not how it is found, nor the note)
        return {k: v for k, v in t.to_json().items() if k not in ("note", "ref_method")}

    old = {t.id: problem(t) for t in v3.tasks}
    new = {t.id: problem(t) for t in v4.tasks}
    assert "dram-random-time" not in new and new["dram-random-mo"]["workload"] == "random"
    assert "qnet-symmetric-throughput" not in new and "qnet-symmetric-throughput-baselatency" in new
    assert "qnet-surfnet-latency" not in new and new["qnet-h-latency-basethroughput"]["workload"] == "h-f0.6-load50"
    assert len({t.workload for t in v4.tasks if t.env == "archgym/QNetSched-v0"}) == 2  # two networks
    assert all(new[k] == old[k] for k in new if k in old)  # so v3's references carry over
    assert {t.workload for t in v4.tasks if t.env == "archgym/DRAM-v0"} == {"stream", "random", "cloud-1", "cloud-2"}
    for env in {t.env for t in v4.tasks} - {"archgym/ScaleSim-v0"}:
        assert any(t.multi_objective for t in v4.tasks if t.env == env), env
    refs3, refs4 = load_suite("v3", check=False).refs(), v4.refs()
    for k in set(new) & set(old) & set(refs3):
        # v3's references carried over; v4's DRAM ones then grew to >= 100,000 designs (stop 25),
        # which can only find better designs
        assert refs4[k]["best"] >= refs3[k]["best"], k
        assert refs4[k]["designs"] >= refs3[k]["designs"], k
    provisional = sorted(k for k, r in refs4.items() if r.get("provisional"))
    assert provisional == ["scalesim-bert-scores-latency"]  # every other reference: exhaustive or >= 100,000 designs


def test_the_newest_suites_references_are_of_the_current_simulators():
    """The newest suite's references are kept current; an older suite's stay as they were found
    (each record names its simulator version)."""
    from archgym.sweep.trainable import cached_simulator

    suite = load_suite(check=False)
    assert suite.version == 4
    refs = suite.refs()
    fast = [t for t in suite.tasks if t.env != "archgym/ScaleSim-v0"]
    assert {t.id for t in suite.tasks} <= set(refs)  # every task has one
    for t in suite.tasks:
        if t.env == "archgym/QNetSched-v0":  # 60,480 designs: enumerated
            assert refs[t.id]["method"] == "exhaustive" and refs[t.id]["designs"] == 60480, t.id
    for t in fast:
        rec = refs[t.id]
        assert str(rec["simulator_version"]) == str(cached_simulator(t.simulator, {}).version), t.id
        assert rec["best"] >= rec["baseline"] and (rec["method"] != "exhaustive" or rec["designs"] == rec["space_size"])
        assert rec["provisional"] == (rec["method"] != "exhaustive" and rec["designs"] < 100_000), t.id
