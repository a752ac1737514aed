"""Issue 18 item 1: every environment's default objective orders designs as an architect would.

Walks every registered simulator (fast ones; the slow external SCALE-Sim wrapper shares the
core default objective, covered through the others) and checks on its default objective:

* a design worse than the baseline on every metric the objective reads never scores above the
  baseline (seeded samples of synthetic metric vectors and, for real designs, random ones);
* for target objectives: a design twice as bad as the baseline on one target metric scores
  below the baseline however good it is on the others (missing one target badly is not
  outweighed by beating another).
"""

from __future__ import annotations

import numpy as np
import pytest

import archgym
from archgym.objective import Constrained, TargetSpec
from archgym.simulator import simulator_spec


def _fast_simulators() -> list[str]:
    out = []
    for name in archgym.list_simulators():
        spec = simulator_spec(name)
        if spec.source == "runtime" and name != "roofline":
            continue
        if getattr(spec.load_factory(), "fast", True):
            out.append(name)
    return out


@pytest.fixture(scope="module", params=_fast_simulators())
def setup(request):
    sim = archgym.make_simulator(request.param)
    obj = sim.default_objective()
    return sim, obj, sim.baseline_metrics()


def _worse(sim, base, names, rng, factor):
    """Metrics worse than ``base`` on every metric in ``names`` by a relative ``factor`` in (0, ...)."""
    out = dict(base)
    for n in names:
        step = factor * max(abs(base[n]), 1e-6)
        out[n] = base[n] + step if sim.metric(n).direction == "min" else base[n] - step
    return out


def test_worse_everywhere_never_beats_baseline(setup):
    sim, obj, base = setup
    names = obj.metric_names
    rng = np.random.default_rng(18)
    base_r = obj.score(base).reward
    for _ in range(300):
        worse = dict(base)
        for n in names:
            step = rng.uniform(1e-3, 4.0) * max(abs(base[n]), 1e-6)
            worse[n] = base[n] + step if sim.metric(n).direction == "min" else base[n] - step
        for n in set(sim.metric_names) - set(names):  # metrics the objective ignores: anything
            worse[n] = base[n] * rng.uniform(0.0, 3.0)
        assert obj.score(worse).reward <= base_r, (sim.name, worse)


def test_worse_everywhere_real_designs(setup):
    sim, obj, base = setup
    rng = np.random.default_rng(7)
    base_r = obj.score(base).reward
    designs = sim.design_space.sample(rng, 12)
    for d in designs:
        try:
            m = sim.evaluate(d)
        except archgym.InfeasibleDesign:
            continue
        if all((m[n] > base[n]) if sim.metric(n).direction == "min" else (m[n] < base[n]) for n in obj.metric_names):
            assert obj.score(m).reward <= base_r, (sim.name, d)


def test_missing_one_target_badly_is_not_outweighed(setup):
    sim, obj, base = setup
    if not isinstance(obj, TargetSpec):
        inner = obj.base if isinstance(obj, Constrained) else None
        pytest.skip(f"{sim.name}: default objective is {type(inner or obj).__name__} (no targets)")
    base_r = obj.score(base).reward
    for bad in obj.metric_names:
        design = dict(base)
        for n in obj.metric_names:  # every other target beaten by as much as it can be
            t = obj.targets[n]
            design[n] = (0.0 if t > 0 else 2 * t) if obj.directions[n] == "min" else 100 * abs(t)
        # twice the baseline's cost on one metric (half its value for a maximised one)
        design[bad] = 2 * base[bad] if obj.directions[bad] == "min" else 0.5 * base[bad]
        assert obj.score(design).reward < base_r, (sim.name, bad)
