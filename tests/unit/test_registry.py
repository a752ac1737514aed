"""Simulator registry and protocol."""

from __future__ import annotations

import gymnasium as gym
import pytest

import archgym
from archgym.errors import ArchGymError, InvalidDesignError, UnknownSimulatorError, UnknownWorkloadError
from archgym.simulator import Metric, Simulator, simulator_spec
from archgym.space import Integer, ParameterSpace


class _Square(Simulator):
    """x squared, for registry tests."""

    name = "square-test"
    design_space = ParameterSpace({"x": Integer(-3, 3)})
    metrics = (Metric("y", "1", "min"),)
    workloads = ("w",)

    def default_design(self):
        return {"x": 1}

    def _evaluate(self, design, workload):
        return {"y": design["x"] ** 2}


def test_register_decorator_and_make():
    archgym.register_simulator("square-test", overwrite=True)(_Square)
    sim = archgym.make_simulator("square-test")
    assert sim.evaluate({"x": -2}) == {"y": 4.0}
    assert "square-test" in archgym.list_simulators()
    assert simulator_spec("square-test").env_id == "archgym/SquareTest-v0"
    assert "archgym/SquareTest-v0" in gym.registry


def test_duplicate_registration_refused():
    archgym.register_simulator("square-dup", _Square)
    with pytest.raises(ArchGymError, match="already registered"):
        archgym.register_simulator("square-dup", lambda: _Square())


def test_unknown_simulator_lists_registered():
    with pytest.raises(UnknownSimulatorError) as e:
        archgym.make_simulator("rooflne")
    assert "did you mean 'roofline'" in str(e.value) and "registered:" in str(e.value)


def test_evaluate_validates(roofline):
    with pytest.raises(InvalidDesignError, match="lanes"):
        roofline.evaluate({**roofline.default_design(), "lanes": 3}, "axpy")
    with pytest.raises(UnknownWorkloadError, match="allowed: axpy, dot, gemv, stencil"):
        roofline.evaluate(roofline.default_design(), "gem")


def test_evaluate_batch_loops(roofline):
    designs = roofline.design_space.sample(__import__("numpy").random.default_rng(0), 4)
    assert roofline.evaluate_batch(designs, "dot") == [roofline.evaluate(d, "dot") for d in designs]


def test_roofline_golden(roofline):
    # axpy, n = 2^20: 2n FLOP, 12n bytes. 8 lanes @1 GHz -> 16 FLOP/ns: 131072 ns compute;
    # 16 GB/s -> 12·2^20/16 = 786432 ns memory-bound.
    m = roofline.evaluate(roofline.default_design(), "axpy")
    assert m["runtime_ns"] == pytest.approx(786432.0)
    assert m["area_mm2"] == pytest.approx(8 * 0.05 + 64 * 0.002)


def test_card_is_json(roofline):
    import json

    card = roofline.card()
    assert json.loads(json.dumps(card))["baseline"] == roofline.default_design()


def test_factory_must_return_simulator():
    archgym.register_simulator("not-a-sim", lambda: object(), overwrite=True)
    with pytest.raises(ArchGymError, match="not a Simulator"):
        archgym.make_simulator("not-a-sim")


# -- issue 18 item 2: decorator + entry point -----------------------------------------------
_PLUGIN = '''
from archgym import Metric, ParameterSpace, PowerOfTwo, Simulator, register_simulator

@register_simulator("{name}")
class {cls}(Simulator):
    name, version = "{name}", "1"
    design_space = ParameterSpace({{"lanes": PowerOfTwo(1, 64)}})
    metrics = (Metric("runtime_ns", "ns", "min"),)
    workloads = ("axpy",)

    def default_design(self):
        return {{"lanes": 8}}

    def _evaluate(self, design, workload):
        return {{"runtime_ns": 1e6 / design["lanes"]}}
'''


def _plugin_module(tmp_path, monkeypatch, module, name, cls="MySim", reexport=None):
    pkg = tmp_path / module
    pkg.mkdir()
    (pkg / "__init__.py").write_text(f"from {module}.sim import {cls}\n" if reexport else "")
    (pkg / "sim.py").write_text(_PLUGIN.format(name=name, cls=cls))
    monkeypatch.syspath_prepend(str(tmp_path))


def test_same_class_twice_is_a_no_op():
    archgym.register_simulator("square-twice", _Square)
    assert archgym.register_simulator("square-twice")(_Square) is _Square
    assert archgym.make_simulator("square-twice").evaluate({"x": 3}) == {"y": 9.0}


def test_different_class_names_both_origins():
    archgym.register_simulator("square-taken", _Square)

    class Other(_Square):
        pass

    with pytest.raises(ArchGymError) as e:
        archgym.register_simulator("square-taken", Other)
    msg = str(e.value)
    assert "test_registry:_Square" in msg and "test_different_class_names_both_origins.<locals>.Other" in msg


def test_entry_point_and_decorator_together(tmp_path, monkeypatch):
    # the README recipe: the entry point is read first (lazily), and importing its target runs
    # the decorator for the same class -> one registration, no error
    _plugin_module(tmp_path, monkeypatch, "ux18_plugin_a", "ep-and-decorator")
    archgym.register_simulator("ep-and-decorator", "ux18_plugin_a.sim:MySim", source="entry-point")
    sim = archgym.make_simulator("ep-and-decorator")
    assert sim.evaluate({"lanes": 16}) == {"runtime_ns": 62500.0}
    assert type(sim).__module__ == "ux18_plugin_a.sim"
    # and importing the module again (it is cached) or registering the class again is a no-op
    archgym.register_simulator("ep-and-decorator", type(sim))


def test_entry_point_reexport_and_decorator(tmp_path, monkeypatch):
    _plugin_module(tmp_path, monkeypatch, "ux18_plugin_b", "ep-reexport", reexport=True)
    archgym.register_simulator("ep-reexport", "ux18_plugin_b:MySim", source="entry-point")
    assert archgym.make_simulator("ep-reexport").evaluate({"lanes": 64})["runtime_ns"] == pytest.approx(15625.0)


def test_entry_point_naming_another_class_is_an_error(tmp_path, monkeypatch):
    # the module registers its class under a name the entry point gives to a different class
    _plugin_module(tmp_path, monkeypatch, "ux18_plugin_c", "ep-clash")
    (tmp_path / "ux18_plugin_c" / "other.py").write_text("import ux18_plugin_c.sim\n\nclass Other(ux18_plugin_c.sim.MySim):\n    pass\n")
    archgym.register_simulator("ep-clash", "ux18_plugin_c.other:Other", source="entry-point", origin="ux18_plugin_c.other:Other (entry point 'ep-clash')")
    with pytest.raises(ArchGymError) as e:
        archgym.make_simulator("ep-clash")
    assert "ux18_plugin_c.sim:MySim" in str(e.value) and "ux18_plugin_c.other:Other (entry point 'ep-clash')" in str(e.value)


def test_entry_point_clashing_with_a_registered_class(monkeypatch, caplog):
    from importlib.metadata import EntryPoint

    import archgym.registry as registry

    archgym.register_simulator("ep-same", _Square)
    archgym.register_simulator("ep-other", _Square)
    eps = [
        EntryPoint("ep-same", f"{_Square.__module__}:_Square", registry.ENTRY_POINT_GROUP),  # the same class: no-op
        EntryPoint("ep-other", "archgym.simulators.dram.simulator:DRAMSimulator", registry.ENTRY_POINT_GROUP),
    ]
    monkeypatch.setattr(registry.metadata, "entry_points", lambda group: eps if group == registry.ENTRY_POINT_GROUP else [])
    monkeypatch.setattr(registry, "_ENTRY_POINTS_LOADED", False)
    with caplog.at_level("WARNING", logger="archgym.registry"):
        registry.load_entry_points()
    assert archgym.make_simulator("ep-same").evaluate({"x": 2}) == {"y": 4.0}
    with pytest.raises(ArchGymError) as e:
        archgym.make_simulator("ep-other")
    msg = str(e.value)
    assert "_Square (runtime)" in msg and "archgym.simulators.dram.simulator:DRAMSimulator (entry point 'ep-other')" in msg
    assert len([r for r in caplog.records if "ep-other" in r.getMessage()]) == 1
    # `archgym list` still lists everything, the clash as an error entry
    from archgym.commands.list_cmd import collect

    entries = {e["name"]: e for e in collect()["simulators"]}
    assert "registered twice" in entries["ep-other"]["error"] and "error" not in entries["ep-same"]
