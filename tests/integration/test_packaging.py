"""Packaging: the wheel installs one `archgym` namespace; a plugin is found by entry point."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _pip(*args, cwd=ROOT):
    subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", *args], cwd=cwd, check=True, timeout=600)


def _python_in(target: Path, code: str, cwd: Path):
    env = {**os.environ, "PYTHONPATH": str(target), "PYTHONNOUSERSITE": "1"}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_wheel_installs_one_namespace(tmp_path):
    wheels, target = tmp_path / "wheels", tmp_path / "site"
    _pip("wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(ROOT))
    wheel = next(wheels.glob("archgym-*.whl"))
    import zipfile

    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith((".dist-info", ".data"))}
    assert tops == {"archgym"}, f"the wheel installs top-level names other than archgym: {tops}"
    assert "archgym/py.typed" in names
    # the compiled DRAM kernel (a ctypes library built by setup.py) ships inside the package
    assert [n for n in names if n.startswith("archgym/simulators/dram/_dram_engine.kernel")], names
    _pip("install", "--no-deps", "--target", str(target), str(wheel))
    res = _python_in(
        target,
        f"""
        import importlib, pathlib, pkgutil, archgym
        root = pathlib.Path(archgym.__file__).parent
        assert str(root).startswith({str(target)!r}), root
        for sub in ("envs", "simulators", "agents", "datasets"):
            m = importlib.import_module("archgym." + sub)
            assert pathlib.Path(m.__file__).is_relative_to(root), m.__file__
        for info in pkgutil.walk_packages(archgym.simulators.__path__, "archgym.simulators."):
            importlib.import_module(info.name)
        data = [p for p in root.rglob("*") if p.suffix in (".json", ".stl", ".gml")]
        from archgym.simulators.dram import DramSimulator, engine
        s = DramSimulator()
        assert s.evaluate(s.default_design(), "stream")["total_time_ns"] == 50025.0
        assert engine.backend() == "extension" and engine.load().path.is_relative_to(root), engine.load()
        print(len(data), sorted(archgym.list_simulators()))
        """,
        cwd=tmp_path,
    )
    assert res.returncode == 0, res.stderr
    # package data ships with the wheel (DRAMSys configs and traces, network topologies, ...)
    shipped = {n for n in names if n.endswith((".json", ".stl", ".gml"))}
    in_repo = {str(p.relative_to(ROOT)) for p in ROOT.glob("simulators/**/*") if p.suffix in (".json", ".stl", ".gml")}
    assert len(shipped) == len(in_repo)


def test_sdist_ships_the_kernel_source_and_builds_it(tmp_path):
    """An sdist holds dram_engine.c, and a wheel built from the sdist alone compiles the kernel."""
    import tarfile

    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "--sdist", "--no-isolation", "-o", str(dist), str(ROOT)],
                   check=True, capture_output=True, timeout=600)
    sdist = next(dist.glob("archgym-*.tar.gz"))
    with tarfile.open(sdist) as tar:
        names = tar.getnames()
        assert any(n.endswith("/simulators/dram/dram_engine.c") for n in names), names
        assert not any(n.endswith(".so") for n in names), "a built library leaked into the sdist"
        tar.extractall(tmp_path / "src", filter="data")
    src = next((tmp_path / "src").glob("archgym-*"))
    _pip("wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path / "wheels"), str(src), cwd=tmp_path)
    wheel = next((tmp_path / "wheels").glob("archgym-*.whl"))
    import zipfile

    assert [n for n in zipfile.ZipFile(wheel).namelist() if n.startswith("archgym/simulators/dram/_dram_engine.kernel")]


def test_plugin_found_through_entry_point(tmp_path, test_seed):
    target = tmp_path / "plugins"
    _pip("install", "--no-deps", "--no-build-isolation", "--target", str(target), str(ROOT / "examples" / "custom_simulator"))
    res = _python_in(
        target,
        """
        import gymnasium as gym, archgym
        assert "roofline" in archgym.list_simulators(), archgym.list_simulators()
        sim = archgym.make_simulator("roofline")
        print(sim.evaluate(sim.default_design(), "axpy")["runtime_ns"])
        env = gym.make("archgym/Roofline-v0", workload="gemv")
        env.reset(seed=0)
        env.action_space.seed(SEED)
        # any design: the env's reward is the objective over the plugin's metrics (or its failure reward)
        _, reward, _, _, info = env.step(env.action_space.sample())
        base = env.unwrapped
        ok, why = base.space.feasibility(info["design"])
        want = base.objective.score(sim.evaluate(info["design"], "gemv")) if ok else base.objective.failure(why)
        print(reward == want.reward and info["feasible"] == want.feasible)
        """.replace("SEED", str(test_seed)),
        cwd=tmp_path,
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["786432.0", "True"]
    # and the archgym program lists it
    env = {**os.environ, "PYTHONPATH": str(target)}
    out = subprocess.run([sys.executable, "-m", "archgym.cli", "list"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert "archgym/Roofline-v0" in out.stdout
