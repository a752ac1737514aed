"""Issue 18 item 4: a light root package, Gymnasium ids without importing ArchGym first, ``python -m archgym``.

Each check runs in a fresh interpreter, since this one has imported everything already.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

_HEAVY = ("gymnasium", "pyarrow", "pandas", "torch", "sklearn", "ray", "matplotlib")


def _fresh(code: str) -> str:
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def _pulled(module: str) -> list[str]:
    code = f"import sys, json; import {module}; print(json.dumps([m for m in {_HEAVY!r} + ('numpy',) if m in sys.modules]))"
    return json.loads(_fresh(code).strip().splitlines()[-1])


def test_import_archgym_pulls_nothing_heavy():
    assert _pulled("archgym") == []


def test_import_one_simulator_pulls_neither_gymnasium_nor_pyarrow():
    pulled = _pulled("archgym.simulators.dram")
    assert "gymnasium" not in pulled and "pyarrow" not in pulled, pulled
    assert set(pulled) <= {"numpy"}, pulled


def test_no_builtin_simulator_pulls_gymnasium_pyarrow_or_optional_tools():
    code = (
        "import sys, importlib\n"
        "from archgym.simulators import BUILTINS\n"
        "for name, target, *_ in BUILTINS:\n"
        "    importlib.import_module('archgym.simulators.' + target.split(':')[0])\n"
        f"print([m for m in {_HEAVY!r} + ('scalesim',) if m in sys.modules])"
    )
    assert _fresh(code).strip().splitlines()[-1] == "[]"


def test_public_names_still_there_lazily():
    out = _fresh(
        "import sys, archgym\n"
        "assert 'archgym.space' not in sys.modules\n"
        "print(archgym.PowerOfTwo.__name__, archgym.make_simulator('dram').name, 'dram' in archgym.list_simulators())\n"
        "print(archgym.envs.DesignEnv.__name__, hasattr(archgym, '__version__'))"
    )
    assert out.split() == ["PowerOfTwo", "dram", "True", "DesignEnv", "True"]


@pytest.mark.parametrize(
    "code",
    [
        "import gymnasium as gym\nenv = gym.make('archgym:archgym/DRAM-v0')",  # Gymnasium 1.x: module:id
        "import gymnasium as gym, archgym\nenv = gym.make('archgym/DRAM-v0')",
        "import archgym, gymnasium as gym\nenv = gym.make('archgym/DRAM-v0')",  # Gymnasium imported after
        "import archgym.simulators.dram, gymnasium as gym\nenv = gym.make('archgym/DRAM-v0')",
    ],
    ids=["module-prefix", "gymnasium-first", "archgym-first", "simulator-first"],
)
def test_gymnasium_make_in_a_fresh_process(code):
    out = _fresh(code + "\nprint(type(env.unwrapped).__name__, env.unwrapped.simulator.name)")
    assert out.split()[-2:] == ["DesignEnv", "dram"]


def test_python_dash_m_archgym():
    ok = subprocess.run([sys.executable, "-m", "archgym", "--help"], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0 and "evaluate" in ok.stdout
    bad = subprocess.run([sys.executable, "-m", "archgym", "evaluate", "-s", "nosuch"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and bad.stderr.startswith("archgym: error: unknown simulator 'nosuch'")
    assert bad.stderr.count("\n") == 1
