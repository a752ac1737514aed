"""Leaderboard statistics on fixed data, and a whole leaderboard from logged runs (no Ray)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from archgym.bench.leaderboard import bootstrap_ci, build_leaderboard, paired_outcome, write_leaderboard
from archgym.bench.run import bench_config
from archgym.bench.suite import load_suite
from archgym.errors import ConfigError
from tests.unit.bench_tiny import SUITE, register


def test_bootstrap_interval_on_fixed_data():
    # the median of 3 resamples of [1, 2, 3] is 1 with probability 7/27 (two or three 1s), 3 with 7/27:
    # both tails hold far more than 2.5 %, so the 95 % interval is exactly [1, 3].
    assert bootstrap_ci([1.0, 2.0, 3.0]) == (1.0, 3.0)
    assert bootstrap_ci([0.3] * 5) == (0.3, 0.3)
    # [0, 0, 0, 0, 10]: the median is 10 when >= 3 of 5 draws are 10: p = 0.0579 > 2.5 % -> upper 10
    assert bootstrap_ci([0.0, 0.0, 0.0, 0.0, 10.0]) == (0.0, 10.0)
    # [0]*9 + [10]: P(median of 10 >= 5) needs >= 5 tens of 10 draws at p=0.1: 0.16 % < 2.5 % -> upper 0
    assert bootstrap_ci([0.0] * 9 + [10.0]) == (0.0, 0.0)
    assert bootstrap_ci([1.0, 5.0, 2.0], seed=3) == bootstrap_ci([1.0, 5.0, 2.0], seed=3)
    assert np.isnan(bootstrap_ci([])[0])


def test_paired_outcome():
    a = [0.1, 0.2, 0.1, 0.0, 0.3, 0.2, 0.1, 0.2]
    b = [x + 0.5 for x in a]
    assert paired_outcome(a, b)[0] == "win" and paired_outcome(b, a)[0] == "loss"
    # 8 pairs all one way: exact two-sided p = 2 / 2^8
    assert paired_outcome(a, b)[1] == pytest.approx(2 / 256)
    assert paired_outcome(a, a) == ("tie", 1.0)
    # 5 seeds cannot reach p < 0.05 (smallest exact two-sided p = 1/16)
    assert paired_outcome(a[:5], b[:5]) == ("tie", pytest.approx(1 / 16))


def _logged_run(tmp_path, name: str, seeds, ga_params: dict | None = None) -> object:
    """A bench folder with random and ga (``ga_params`` changed from its defaults) on the tiny suite
    at ``seeds``, logged as `bench run` does."""
    from archgym.agents import make_agent
    from archgym.bench.refs import compute_reference, write_reference
    from archgym.bench.run import seed_list
    from archgym.datasets import DatasetWriter

    register()
    suite_file = tmp_path / "tiny.yaml"
    if not suite_file.exists():
        suite_file.write_text(SUITE)
    suite = load_suite(suite_file)
    if not suite.refs():
        for t in suite.tasks:
            write_reference(suite.refs_path, suite.version, t.id, compute_reference(t))
        suite = load_suite(suite_file)
    out = tmp_path / name
    meta = bench_config(suite, suite.tasks, ["random", "ga"], seeds)
    out.mkdir()
    (out / "bench.json").write_text(json.dumps(meta, default=str))
    for t in suite.tasks:
        for agent in ("random", "ga"):
            for seed in seed_list(seeds):
                env = t.make_env()
                searcher = make_agent(agent, **((ga_params or {}) if agent == "ga" else {}))
                writer = DatasetWriter(out / "tasks" / t.id / "dataset", env.simulator, trial_id=f"{agent}-{seed}",
                                       agent=agent, agent_params=searcher.params, seed=seed, env_id=t.env)
                env = t.make_env(dataset=writer)
                searcher.search(env, t.budget, seed=seed)
                env.close()
    return out


@pytest.fixture
def bench_dir(tmp_path):
    """A bench folder with random and ga on the tiny suite (3 seeds), logged as `bench run` does."""
    return _logged_run(tmp_path, "bench", 3)


def test_leaderboard_from_logged_runs(bench_dir, tmp_path):
    lb = build_leaderboard(bench_dir)
    assert set(lb.tasks) == {"tiny-cost", "tiny-cost-area", "tiny-mo"}
    for b in lb.tasks.values():
        assert {r["agent"] for r in b.rows} == {"random", "ga"}
        for r in b.runs:
            assert 0.0 <= r["regret@100"] <= r["regret@50"] <= r["regret@25"] <= r["regret@10"] <= 1.0
        assert all(r["seeds"] == 3 for r in b.rows)
        assert "exhaustive" in b.ref_note
        ga = next(r for r in b.rows if r["agent"] == "ga")
        assert ga["vs_baseline"] in ("win", "tie", "loss")
    assert b.curves["ga"].shape == (3, 12)
    assert "hv_ratio" in lb.tasks["tiny-mo"].runs[0]
    # the single-objective regret is recomputable by hand from the logged best cost
    ref = lb.tasks["tiny-cost"].reference
    assert ref.best == pytest.approx(-1 / 42) and ref.baseline == pytest.approx(-1.0)
    paths = write_leaderboard(lb, tmp_path / "lb", command="archgym bench run ...")
    md = paths["md"].read_text()
    assert "## Overall" in md and "tiny-mo" in md and "archgym bench run ..." in md
    assert (tmp_path / "lb" / "plots" / "tiny-cost.png").stat().st_size > 1000
    assert "<table>" in paths["html"].read_text()


def test_leaderboard_of_a_folder_that_is_not_a_run(tmp_path):
    with pytest.raises(ConfigError, match="not a bench run folder"):
        build_leaderboard(tmp_path)


def test_a_reference_of_another_simulator_version_is_not_used(bench_dir, tmp_path):
    """A reference found with another version of the simulator says nothing about this run's
    designs: the leaderboard scores against the pooled best and says why."""
    from archgym.bench.suite import read_refs

    refs = read_refs(next(bench_dir.parent.glob("tiny.refs.yaml")))
    stale = json.loads(json.dumps(refs))
    for rec in stale["tasks"].values():
        rec["simulator_version"] = "0-old"
    path = tmp_path / "stale.json"
    path.write_text(json.dumps(stale))
    board = build_leaderboard(bench_dir, refs=path).tasks["tiny-cost"]
    assert "version 0-old" in board.ref_note and board.ref_note.startswith("pooled")
    assert "exhaustive" in build_leaderboard(bench_dir, refs=None).tasks["tiny-cost"].ref_note


def test_two_runs_of_other_seeds_score_as_one_run(tmp_path):
    """Seeds 0-2 and a later run of seeds 3-4, pooled, give the leaderboard of one 5-seed run."""
    first, later = _logged_run(tmp_path, "first", 3), _logged_run(tmp_path, "later", [3, 4])
    whole = _logged_run(tmp_path, "whole", 5)
    assert json.loads((later / "bench.json").read_text())["seeds"] == [3, 4]
    assert json.loads((whole / "bench.json").read_text())["seeds"] == 5
    pooled, one = build_leaderboard([first, later]), build_leaderboard(whole)
    for task_id, board in one.tasks.items():
        assert pooled.tasks[task_id].runs == board.runs
        assert pooled.tasks[task_id].rows == board.rows
    assert pooled.overall == one.overall
    with pytest.raises(ConfigError, match="agent ga seed 3 ran in both"):
        build_leaderboard([later, whole], agents=["random", "ga"])
    only = build_leaderboard([first, later], agents=["random"])
    assert {r["agent"] for b in only.tasks.values() for r in b.rows} == {"random"}
    with pytest.raises(ConfigError, match=r"agent\(s\) \['bo'\] not in the run\(s\); allowed: ga, random"):
        build_leaderboard(first, agents=["random", "bo"])
    with pytest.raises(ConfigError, match="baseline agent 'random' must be among"):
        build_leaderboard(first, agents=["ga"])


def test_supersede_takes_a_rerun_from_the_last_folder(tmp_path):
    """A rerun of seeds 0-2 after seeds 0-4 (e.g. of an agent after a fix) replaces those runs
    with --supersede: nothing is counted twice or lost, and the page says what was replaced."""
    from archgym.bench.leaderboard import _seed_text

    whole, rerun = _logged_run(tmp_path, "whole", 5), _logged_run(tmp_path, "rerun", 3)
    with pytest.raises(ConfigError, match="agent ga seed 0 ran in both .* or give --supersede"):
        build_leaderboard([whole, rerun])
    lb, one = build_leaderboard([whole, rerun], supersede=True), build_leaderboard(whole)
    for task_id, board in one.tasks.items():
        assert lb.tasks[task_id].runs == board.runs and lb.tasks[task_id].rows == board.rows
        assert all(r["seeds"] == 5 for r in lb.tasks[task_id].rows)
    assert f"tiny-cost: ga seeds 0-2 from {rerun}, not {whole}" in lb.replaced
    assert len(lb.replaced) == 3 * 2  # three tasks, two agents
    assert build_leaderboard(whole, supersede=True).replaced == []
    md = write_leaderboard(lb, tmp_path / "lb", plots=False)["md"].read_text()
    assert "Runs replaced by a later folder" in md and f"- tiny-mo: random seeds 0-2 from {rerun}, not {whole}" in md
    assert _seed_text([0, 1, 2, 5, 7, 8]) == "0-2, 5, 7-8" and _seed_text([4]) == "4"
    with pytest.raises(ConfigError, match="is listed twice"):
        build_leaderboard([whole, rerun, whole], supersede=True)
    with pytest.raises(ConfigError, match=r"no run of seeds 7-9; allowed: 0-4"):
        build_leaderboard([whole, rerun], supersede=True, seeds=[7, 8, 9])
    # seeds 0-2 of the pooled folders score as the 3-seed rerun alone
    three, alone = build_leaderboard([whole, rerun], supersede=True, seeds=[0, 1, 2]), build_leaderboard(rerun)
    for task_id, board in alone.tasks.items():
        assert three.tasks[task_id].runs == board.runs and three.tasks[task_id].rows == board.rows


def test_runs_of_another_task_definition_are_not_pooled(tmp_path):
    first, later = _logged_run(tmp_path, "first", 2), _logged_run(tmp_path, "later", [2])
    meta = json.loads((later / "bench.json").read_text())
    meta["tasks"]["tiny-cost"]["task"]["note"] = "a note written later"
    meta["tasks"]["tiny-cost"]["task"]["ref_method"] = "random"  # how the reference is found is not the problem
    meta["tasks"]["tiny-cost"]["reference"] = None
    (later / "bench.json").write_text(json.dumps(meta))
    assert build_leaderboard([first, later]).tasks["tiny-cost"].rows[0]["seeds"] == 3
    meta["tasks"]["tiny-cost"]["simulator_version"] = "0-old"
    (later / "bench.json").write_text(json.dumps(meta))
    with pytest.raises(ConfigError, match="task tiny-cost: .* ran another definition"):
        build_leaderboard([first, later])
    meta["suite_version"] = 99
    (later / "bench.json").write_text(json.dumps(meta))
    with pytest.raises(ConfigError, match="runs of different suites cannot be scored together"):
        build_leaderboard([first, later])


@pytest.mark.parametrize(("text", "seeds"), [("5", 5), ("5-9", [5, 6, 7, 8, 9]), ("1,4,7", [1, 4, 7]), (" 3 ", 3), ("2-2", [2])])
def test_seeds_of_a_run(text, seeds):
    from archgym.bench.run import parse_seeds, seed_list

    assert parse_seeds(text) == seeds
    assert seed_list(5) == [0, 1, 2, 3, 4]


@pytest.mark.parametrize("text", ["x", "9-5", "-1", "0", "1,1", "1-", "2.5"])
def test_bad_seeds_name_the_allowed_forms(text):
    from archgym.bench.run import parse_seeds

    with pytest.raises(ConfigError, match=r"seeds"):
        parse_seeds(text)


def test_page_lists_the_hyper_parameters_of_the_scored_runs(tmp_path):
    """A rerun with changed defaults shows as a second set of GA hyper-parameters, by its differences."""
    whole = _logged_run(tmp_path, "whole", 3, ga_params={"mutation_rate": 0.1})
    rerun = _logged_run(tmp_path, "rerun", [0])
    lb = build_leaderboard([whole, rerun], supersede=True)
    ga = lb.agent_params["ga"]
    assert sorted(len(runs) for runs in ga.values()) == [3, 6]  # seed 0 of 3 tasks from the rerun, seeds 1-2 from the first
    md = write_leaderboard(lb, tmp_path / "lb", plots=False)["md"].read_text()
    assert "## Hyper-parameters of the scored runs" in md
    assert "| ga | constraints=penalty, crossover_rate=0.9," in md and "mutation_rate=0.1," in md
    assert "|  | as above but mutation_rate=0.3 | 3 (all 3 tasks) |" in md
    assert "| random | feasible_only=False | 9 (all 3 tasks) |" in md
