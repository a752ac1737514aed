"""The sweep folder's protocol, without Ray: trials run in-process through ``execute_trial``."""

from __future__ import annotations

import json

import pytest

from archgym.datasets import load
from archgym.errors import ConfigError
from archgym.sweep import expand_trials, load_config
from archgym.sweep.store import open_sweep, read_records, reconcile
from archgym.sweep.trainable import execute_trial

CFG = {
    "name": "store",
    "budget": 6,
    "seeds": [0, 1],
    "envs": [{"id": "archgym/Roofline-v0", "workloads": ["gemv"]}],
    "agents": {"random": {}, "ga": {"population": {"grid": [4, 6]}}},
}


@pytest.fixture
def sweep(tmp_path):
    cfg = load_config(CFG)
    trials = expand_trials(cfg)
    state = open_sweep(tmp_path / "out", cfg, False, trials, None)
    return cfg, state


def parts(state):
    return sorted(p.name for p in state.dataset.glob("simulator=*/part-*.parquet"))


def test_trial_publishes_its_rows_with_trial_id_and_params(sweep):
    _, state = sweep
    spec = state.trials[2]  # ga, population 4, seed 0
    seen = []
    rec = execute_trial(spec, state.out, state.sweep_id, "abc_00002", report=seen.append)
    assert rec["won"] and rec["rows"] >= spec.budget
    assert [r["calls"] for r in seen] == list(range(1, spec.budget + 1))
    assert all(b["best_reward"] >= a["best_reward"] for a, b in zip(seen, seen[1:]))
    df = load(state.dataset)
    assert set(df.trial_id) == {"abc_00002"} and set(df.run_id) == {state.sweep_id}
    assert (~df.cache_hit).sum() == spec.budget
    params = json.loads(df.agent_params.iloc[0])
    assert params["population"] == 4 and "mutation_rate" in params  # the full hyper-parameters
    assert set(df.agent) == {"ga"} and set(df.seed) == {0}
    assert not any(state.staging.iterdir())
    assert read_records(state.out)[spec.key]["files"] == [f"simulator=roofline/{parts(state)[0]}"]
    assert state.pending() == [t for t in state.trials if t.key != spec.key]


def test_second_attempt_of_a_completed_trial_loses_and_leaves_no_rows(sweep):
    _, state = sweep
    spec = state.trials[0]
    execute_trial(spec, state.out, state.sweep_id, "first")
    rows = len(load(state.dataset))
    rec = execute_trial(spec, state.out, state.sweep_id, "second")
    assert rec["won"] is False
    assert len(load(state.dataset)) == rows
    assert set(load(state.dataset).trial_id) == {"first"}
    assert not any(state.staging.iterdir())


def test_reconcile_finishes_publication_and_removes_debris(sweep, monkeypatch):
    _, state = sweep
    import archgym.sweep.store as store

    # a trial killed between claiming and publishing: its parts are still staged
    monkeypatch.setattr(store, "_publish", lambda out, staged, rel: [])
    execute_trial(state.trials[0], state.out, state.sweep_id, "killed_after_claim")
    monkeypatch.undo()
    assert parts(state) == []
    # a trial killed before claiming: staged parts, no record
    monkeypatch.setattr(store, "claim_completion", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):
        execute_trial(state.trials[1], state.out, state.sweep_id, "killed_before_claim")
    monkeypatch.undo()
    # an orphan part in the dataset and a torn temporary
    orphan_src = next(state.staging.glob("t0001-*/simulator=roofline/part-*.parquet"))
    (state.dataset / "simulator=roofline").mkdir(parents=True, exist_ok=True)
    (state.dataset / "simulator=roofline" / "part-orphan.parquet").write_bytes(orphan_src.read_bytes())
    (state.dataset / "simulator=roofline" / ".part-x.parquet.tmp").write_bytes(b"torn")
    stats = reconcile(state.out)
    assert stats == {"published": 1, "dropped_records": 0, "removed_staging": 1, "removed_parts": 2}
    df = load(state.dataset)
    assert set(df.trial_id) == {"killed_after_claim"}
    assert [t.key for t in state.pending()] == [t.key for t in state.trials[1:]]
    assert reconcile(state.out) == {"published": 0, "dropped_records": 0, "removed_staging": 0, "removed_parts": 0}


def test_record_whose_parts_are_lost_is_dropped(sweep):
    _, state = sweep
    execute_trial(state.trials[0], state.out, state.sweep_id, "x")
    for p in state.dataset.glob("simulator=*/part-*.parquet"):
        p.unlink()
    stats = reconcile(state.out)
    assert stats["dropped_records"] == 1
    assert state.trials[0] in state.pending()


def test_open_sweep_refuses_to_overwrite_or_resume_another_config(sweep, tmp_path):
    cfg, state = sweep
    with pytest.raises(ConfigError, match="already holds a sweep; pass --resume"):
        open_sweep(state.out, cfg, False, state.trials, None)
    again = open_sweep(state.out, cfg, True, None, None)
    assert again.sweep_id == state.sweep_id and again.trials == state.trials
    other = load_config({**CFG, "budget": 7})
    with pytest.raises(ConfigError, match="different config"):
        open_sweep(state.out, other, True, None, None)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("")
    with pytest.raises(ConfigError, match="not empty"):
        open_sweep(tmp_path / "full", cfg, False, state.trials, None)
