"""`bench run --agent-param AGENT.KEY=VALUE`: a variant of an agent's defaults, checked before any run."""

from __future__ import annotations

import pytest

from archgym.bench.run import _check_agents, bench_config, parse_agent_params, sweep_config
from archgym.bench.suite import load_suite
from archgym.errors import ConfigError
from archgym.sweep.config import load_config
from tests.unit.bench_tiny import SUITE, register


def test_parse_agent_params_by_agent_and_its_errors():
    assert parse_agent_params(["ga.mutation_rate=0.1", "ga.start = random", "aco.ants=4"]) == {
        "ga": {"mutation_rate": "0.1", "start": "random"}, "aco": {"ants": "4"}}
    assert parse_agent_params([]) == {}
    for bad in ("mutation_rate=0.1", "ga.=1", ".x=1", "ga.start"):
        with pytest.raises(ConfigError, match="expected AGENT.KEY=VALUE"):
            parse_agent_params([bad])
    with pytest.raises(ConfigError, match="ga.start given twice"):
        parse_agent_params(["ga.start=random", "ga.start=baseline"])


def test_check_agents_types_the_values_and_names_what_is_allowed():
    assert _check_agents(["random", "ga"], {"ga": {"mutation_rate": "0.1", "population": "8", "start": "random"}}) == {
        "ga": {"mutation_rate": 0.1, "population": 8, "start": "random"}}
    assert _check_agents(["ga"], {"ga": {}}) == {}
    with pytest.raises(ConfigError, match="agent 'aco', which is not in --agents; allowed: random, ga"):
        _check_agents(["random", "ga"], {"aco": {"ants": "4"}})
    with pytest.raises(ConfigError, match=r"did you mean 'mutation_rate'.*allowed: population"):
        _check_agents(["ga"], {"ga": {"mutaton_rate": "0.1"}})
    with pytest.raises(ConfigError, match=r"'mutation_rate' got '1.5'; expected a float in \[0.0, 1.0\]"):
        _check_agents(["ga"], {"ga": {"mutation_rate": "1.5"}})


def test_variant_reaches_the_sweep_file_and_bench_json(tmp_path):
    register()
    (tmp_path / "tiny.yaml").write_text(SUITE)
    suite = load_suite(tmp_path / "tiny.yaml", check=False)
    task = suite.tasks[0]
    params = {"ga": {"mutation_rate": 0.1, "start": "random"}}
    cfg = sweep_config(task, suite.version, ["random", "ga"], 2, params)
    assert cfg["agents"] == {"random": {}, "ga": {"mutation_rate": 0.1, "start": "random"}}
    assert load_config(cfg).agents["ga"]["mutation_rate"] == 0.1  # the sweep machinery takes them as constants
    assert sweep_config(task, suite.version, ["ga"], 2)["agents"] == {"ga": {}}
    meta = bench_config(suite, [task], ["random", "ga"], 2, params)
    assert meta["agent_params"] == params
    assert bench_config(suite, [task], ["ga"], 2)["agent_params"] == {}
