"""Proxy-guided search on the roofline test simulator: reaches a target, logs every real call."""

from __future__ import annotations

import numpy as np
import pytest

import archgym
from archgym.datasets import load
from archgym.envs import DesignEnv
from archgym.proxy.guided import direct_search, guided_search

pytestmark = pytest.mark.slow


def _top_reward(workload: str, quantile: float) -> tuple[float, object]:
    sim = archgym.make_simulator("roofline")
    env = DesignEnv(sim, workload=workload)
    space = sim.design_space
    rewards = []
    for flat in range(space.size):
        d = space.decode(np.array(np.unravel_index(flat, tuple(space.nvec))))
        rec = env.unwrapped.evaluate_design(d)
        if rec.feasible:
            rewards.append(rec.reward)
    return float(np.quantile(rewards, quantile)), env.unwrapped.objective


def test_guided_search_reaches_a_target_and_logs_real_calls(tmp_path):
    threshold, objective = _top_reward("gemv", 0.995)  # about 4 of 728 feasible designs

    def target(metrics):
        return metrics is not None and objective.score(metrics).reward >= threshold

    g = guided_search("roofline", tmp_path / "g", "gemv", objective, budget=150, n_init=12, top_k=6,
                      proxy_budget=300, seed=0, target=target)
    assert g.calls_to_target is not None and g.calls_to_target <= 150
    assert g.real_calls == g.calls_to_target  # it stops at the target
    df = load(tmp_path / "g", simulator="roofline")
    assert len(df) == g.real_calls and (df["agent"] == "proxy-guided").all()
    assert g.rounds and all(r["proxy_rows"] >= 12 for r in g.rounds)
    d = direct_search("roofline", None, "gemv", objective, budget=500, seed=0, target=target)
    assert d.real_calls <= 500
    # the comparison itself is measured (and reported) by benchmarks/bench_proxy.py --guided


@pytest.mark.skipif("dram" not in archgym.list_simulators(), reason="the DRAM simulator is not in this build")
def test_dram_proxy_found_by_a_new_process_through_the_environment(tmp_path):
    import os
    import subprocess
    import sys

    from archgym.proxy.pipeline import train_proxy
    from archgym.proxy.train import TrainConfig

    sim = archgym.make_simulator("dram")
    rng = np.random.default_rng(0)
    from archgym.datasets import DatasetWriter

    writer = DatasetWriter(tmp_path / "ds", sim, agent="random")
    designs = sim.design_space.sample(rng, 40)
    for w in sim.workloads:
        env = DesignEnv(sim, workload=w, dataset=writer)
        for d in designs:
            env.unwrapped.evaluate_design(d)
    writer.close()
    result = train_proxy(tmp_path / "ds", "dram", tmp_path / "model", TrainConfig(models=("et",)), batch=200)
    assert result.report["heldout"]["rows"] == 32 and result.report["heldout_workload"]["workload"] == "stream"
    code = (
        "import gymnasium as gym, archgym\n"
        "from archgym.proxy import register_from_env\n"
        "from archgym.agents import make_agent\n"
        "assert register_from_env() == ['dram-proxy']\n"
        "env = gym.make('archgym/DRAM-proxy-v0', workload='cloud-1')\n"
        "res = make_agent('random').search(env, budget=30, seed=0)\n"
        "print(res.calls, env.unwrapped.simulator.name)\n"
    )
    env = {**os.environ, "ARCHGYM_PROXIES": str(tmp_path / "model")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["30", "dram-proxy"]
