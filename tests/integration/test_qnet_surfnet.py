"""SURFnet-scale sweep: every scheduler, F_min 0.98-0.997, several loads; every schedule verified."""

from __future__ import annotations

import pytest

from archgym.simulators.qnet.controller import Policy, run_controller, schedule_metrics
from archgym.simulators.qnet.demands import generate_demands
from archgym.simulators.qnet.schedulers import SCHEDULERS
from archgym.simulators.qnet.topology import build_topology


@pytest.mark.slow
def test_surfnet_sweep():
    g = build_topology("surfnet")
    mean_by_f = {}
    for fmin in (0.98, 0.99, 0.995, 0.997):
        ths = []
        for load in (5, 20, 50):
            demands = generate_demands(g, fmin, load, 0, "futuristic")
            assert demands, f"no demand reaches F_min={fmin}"
            for scheduler in SCHEDULERS:
                # run_controller verifies the schedule it returns
                r = run_controller(g, demands, Policy(scheduler=scheduler, preemption_budget=1), "futuristic")
                m = schedule_metrics(r)
                assert m["fidelity"] >= fmin - 1e-12 or m["admitted_fraction"] == 0
                if scheduler == "rcpsp_np_edf":
                    ths.append(m["throughput_pairs_s"])
        mean_by_f[fmin] = sum(ths) / len(ths)
    values = list(mean_by_f.values())
    assert values[-1] < values[0], mean_by_f
