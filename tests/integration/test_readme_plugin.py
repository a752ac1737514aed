"""Issue 18 item 2: the README's plugin recipe, built from the README itself, installed and run.

The recipe registers its class both with ``@register_simulator`` and through the entry point;
before the fix every command failed with "a simulator named ... is already registered".
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _recipe() -> tuple[dict[str, str], list[str]]:
    """``({path: text} of the files, [archgym command lines])`` from the README's section."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## Adding your own simulator", 1)[1].split("\n## ", 1)[0]
    files, commands = {}, []
    for lang, body in re.findall(r"```(\w+)\n(.*?)```", section, flags=re.S):
        first = body.split("\n", 1)[0]
        if lang == "bash":
            commands += [ln.split("#", 1)[0].strip() for ln in body.splitlines() if ln.startswith("archgym ")]
        elif first.startswith("# "):
            files[first[2:].strip()] = body
    assert "an empty `my_package/__init__.py`" in section
    files["my_package/__init__.py"] = ""
    return files, commands


def test_readme_plugin_recipe_installs_and_runs(tmp_path):
    files, commands = _recipe()
    assert set(files) == {"my_package/sim.py", "setup.cfg", "pyproject.toml", "my_package/__init__.py"}
    assert "@register_simulator" in files["my_package/sim.py"] and "archgym.simulators" in files["setup.cfg"]
    assert [c.split()[1] for c in commands] == ["list", "evaluate", "run"]
    pkg, site = tmp_path / "my-package", tmp_path / "site"
    for rel, body in files.items():
        (pkg / rel).parent.mkdir(parents=True, exist_ok=True)
        (pkg / rel).write_text(body)
    subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", "install", "--no-deps",
                    "--no-build-isolation", "--target", str(site), str(pkg)], check=True, timeout=600)
    env = {**os.environ, "PYTHONPATH": str(site), "PYTHONNOUSERSITE": "1"}
    outs = {}
    for line in commands:
        argv = shlex.split(line)
        res = subprocess.run([sys.executable, "-m", "archgym.cli", *argv[1:]], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=600)
        assert res.returncode == 0, f"{line}\n{res.stderr}"
        assert "already registered" not in res.stderr and "Traceback" not in res.stderr, res.stderr
        outs[argv[1]] = res.stdout
    assert "my-sim" in outs["list"] and "archgym/MySim-v0" in outs["list"]
    assert '"runtime_ns": 62500.0' in outs["evaluate"]  # 1e6 / 16 lanes
    assert (tmp_path / "out" / "my-sim" / "summary.json").exists()
