"""Sweep files: strict validation with the offending path (and line), domains, trial expansion."""

from __future__ import annotations

import textwrap

import pytest

from archgym.errors import ConfigError
from archgym.sweep import expand_trials, load_config
from archgym.sweep.space import check_domain, parse_domain

GOOD = """\
name: unit
budget: 12
seeds: 2
envs:
  - id: archgym/Roofline-v0
    workloads: [gemv, axpy]
agents:
  random: {}
  ga:
    population: {grid: [4, 8]}
    mutation_rate: {loguniform: [0.001, 0.1]}
    crossover_rate: 0.8
samples: 3
max_concurrent: 2
"""


def write(tmp_path, text: str):
    p = tmp_path / "sweep.yaml"
    p.write_text(textwrap.dedent(text))
    return p


def error_of(tmp_path, text: str) -> str:
    with pytest.raises(ConfigError) as exc:
        load_config(write(tmp_path, text))
    return str(exc.value)


def test_good_config_loads_and_normalises(tmp_path):
    cfg = load_config(write(tmp_path, GOOD))
    assert cfg.seeds == [0, 1]
    assert cfg.agents["random"] == {}
    assert cfg.envs[0].workloads == ["gemv", "axpy"]
    assert cfg.fingerprint() == load_config(write(tmp_path, GOOD)).fingerprint()
    assert cfg.fingerprint() != load_config(write(tmp_path, GOOD.replace("budget: 12", "budget: 13"))).fingerprint()


def test_empty_agent_entry_means_defaults(tmp_path):
    cfg = load_config(write(tmp_path, GOOD.replace("random: {}", "random:")))
    assert cfg.agents["random"] == {}


def test_typo_in_hyperparameter_names_path_line_and_allowed(tmp_path):
    msg = error_of(tmp_path, GOOD.replace("mutation_rate:", "mutaton_rate:"))
    assert "sweep.yaml:11: agents.ga.mutaton_rate: unknown hyper-parameter 'mutaton_rate'" in msg
    assert "did you mean 'mutation_rate'" in msg
    assert "allowed: population" in msg


def test_typo_in_top_level_key(tmp_path):
    msg = error_of(tmp_path, GOOD.replace("max_concurrent:", "max_concurent:"))
    assert "sweep.yaml:14: max_concurent: unknown key" in msg
    assert "did you mean 'max_concurrent'" in msg


def test_typo_in_env_key(tmp_path):
    msg = error_of(tmp_path, GOOD.replace("workloads:", "workload:"))
    assert "envs[0].workload: unknown key 'workload'" in msg
    assert "allowed: id, workloads, objective, simulator_kwargs" in msg


def test_unknown_agent_env_and_workload_all_reported(tmp_path):
    text = GOOD.replace("random: {}", "randm: {}").replace("[gemv, axpy]", "[gemv, axyp]")
    msg = error_of(tmp_path, text)
    assert "2 problems" in msg
    assert "envs[0].workloads[1]: " in msg and "'axyp'" in msg and "did you mean 'axpy'" in msg
    assert "sweep.yaml:8: agents.randm: unknown agent 'randm'" in msg


def test_unknown_env_id_suggests_the_id_of_a_simulator_name(tmp_path):
    msg = error_of(tmp_path, GOOD.replace("archgym/Roofline-v0", "roofline"))
    assert "envs[0].id: unknown environment 'roofline' (use 'archgym/Roofline-v0'" in msg
    msg = error_of(tmp_path, GOOD.replace("archgym/Roofline-v0", "archgym/Rooflin-v0"))
    assert "did you mean 'archgym/Roofline-v0'" in msg


def test_objective_with_unknown_metric(tmp_path):
    text = GOOD.replace("    workloads: [gemv, axpy]\n", "    workloads: [gemv]\n    objective: {kind: target, metrics: [runtime_s]}\n")
    msg = error_of(tmp_path, text)
    assert "envs[0].objective: invalid objective on workload 'gemv'" in msg and "runtime_ns" in msg


@pytest.mark.parametrize(
    "domain, fragment",
    [
        ("{loguniform: [0, 0.1]}", "loguniform: low must be > 0"),
        ("{uniform: [0.5, 0.1]}", "need finite low < high"),
        ("{logunifrom: [0.01, 0.1]}", "did you mean 'loguniform'"),
        ("{uniform: [0.01, 2.0]}", "leaves the allowed range"),
        ("{choice: [0.1, 1.5]}", "got 1.5; expected a float in [0.0, 1.0]"),
        ("{grid: []}", "expected a non-empty list"),
        ("{grid: [0.1], choice: [0.2]}", "exactly one key"),
        ("[0.1, 0.2]", "expected a constant or one of"),
        ("{randint: [1, 3]}", "randint draws integers but 'mutation_rate'"),
    ],
)
def test_bad_domains(tmp_path, domain, fragment):
    msg = error_of(tmp_path, GOOD.replace("{loguniform: [0.001, 0.1]}", domain))
    assert "agents.ga.mutation_rate: " in msg
    assert fragment in msg


def test_uniform_on_an_integer_hyperparameter_suggests_randint(tmp_path):
    msg = error_of(tmp_path, GOOD.replace("{grid: [4, 8]}", "{uniform: [4, 8]}"))
    assert "agents.ga.population: uniform draws floats" in msg and "use randint" in msg


@pytest.mark.parametrize(
    "old, new, fragment",
    [
        ("budget: 12", "budget: 0", "budget: Input should be greater than or equal to 1"),
        ("budget: 12", "budget: '12'", "budget: Input should be a valid integer"),
        ("budget: 12\n", "", "budget: required key is missing"),
        ("seeds: 2", "seeds: [1, 1]", "seeds must be distinct"),
        ("name: unit", "name: 'a b'", "name: String should match pattern"),
    ],
)
def test_structural_errors(tmp_path, old, new, fragment):
    assert fragment in error_of(tmp_path, GOOD.replace(old, new))


def test_invalid_yaml_names_the_line(tmp_path):
    msg = error_of(tmp_path, GOOD.replace("  ga:\n", "  ga: [\n"))
    assert "sweep.yaml:" in msg and "not valid YAML" in msg


def test_dict_input_and_missing_file(tmp_path):
    import yaml

    cfg = load_config(yaml.safe_load(GOOD))
    assert cfg.budget == 12
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match=r"agents\.ga\.mutaton_rate"):
        load_config(yaml.safe_load(GOOD.replace("mutation_rate:", "mutaton_rate:")))


def test_plugin_that_cannot_be_imported(tmp_path):
    msg = error_of(tmp_path, GOOD + "plugins: {mysim: 'no_such_module_xyz:Sim'}\n")
    assert "plugins.mysim: cannot load 'no_such_module_xyz:Sim'" in msg


def test_domains_map_to_tune():
    from ray import tune
    from ray.tune.search.sample import Categorical, Float, Integer

    assert parse_domain(3).to_tune() == 3
    assert parse_domain({"grid": [1, 2]}).to_tune() == tune.grid_search([1, 2])
    assert isinstance(parse_domain({"choice": ["a", "b"]}).to_tune(), Categorical)
    f = parse_domain({"loguniform": [1e-3, 1e-1]}).to_tune()
    assert isinstance(f, Float) and (f.lower, f.upper) == (1e-3, 1e-1)
    i = parse_domain({"randint": [2, 5]}).to_tune()
    assert isinstance(i, Integer) and (i.lower, i.upper) == (2, 6)  # inclusive high -> Tune's exclusive


def test_check_domain_against_hyperparameter():
    from archgym.agents import HyperParameter

    hp = HyperParameter("k", int, 2, low=1, high=10)
    check_domain(parse_domain({"randint": [1, 10]}), hp, "x")
    with pytest.raises(ConfigError, match="leaves the allowed range"):
        check_domain(parse_domain({"randint": [0, 10]}), hp, "x")


def test_expand_trials_crosses_grid_samples_workloads_and_seeds(tmp_path):
    cfg = load_config(write(tmp_path, GOOD))
    trials = expand_trials(cfg)
    # per workload: random 1 config x 2 seeds + ga (2 grid x 3 samples) x 2 seeds = 2 + 12
    assert len(trials) == 2 * (2 + 12)
    assert [t.key for t in trials] == [f"t{i:04d}" for i in range(len(trials))]
    ga = [t for t in trials if t.agent == "ga" and t.workload == "gemv"]
    configs = {t.config_index: t.params for t in ga}
    assert len(configs) == 6
    assert sorted(p["population"] for p in configs.values()) == [4, 4, 4, 8, 8, 8]
    assert all(0.001 <= p["mutation_rate"] <= 0.1 and p["crossover_rate"] == 0.8 for p in configs.values())
    assert len({p["mutation_rate"] for p in configs.values()}) == 6
    # the same configurations on every workload, every configuration with every seed
    assert {t.config_index: t.params for t in trials if t.agent == "ga" and t.workload == "axpy"} == configs
    assert sorted((t.config_index, t.seed) for t in ga) == [(c, s) for c in range(6) for s in (0, 1)]
    # deterministic; another sampler seed draws other values
    assert [t.to_json() for t in expand_trials(cfg)] == [t.to_json() for t in trials]
    other = expand_trials(load_config(write(tmp_path, GOOD + "sampler_seed: 7\n")))
    assert [t.params for t in other] != [t.params for t in trials]


def test_randint_is_inclusive(tmp_path):
    text = GOOD.replace("{grid: [4, 8]}", "{randint: [2, 3]}").replace("samples: 3", "samples: 40")
    trials = expand_trials(load_config(write(tmp_path, text)))
    pops = {t.params["population"] for t in trials if t.agent == "ga"}
    assert pops == {2, 3}
