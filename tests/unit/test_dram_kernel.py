"""The DRAM kernel in C: the compiled library is what runs, the first-use compile fallback, light imports."""

from __future__ import annotations

import ctypes
import json
import shutil
import subprocess
import sys
import threading

import numpy as np
import pytest

from archgym.simulators.dram import DramSimulator, engine, native
from archgym.simulators.dram.simulator import config_vector


@pytest.fixture(scope="module")
def sim() -> DramSimulator:
    return DramSimulator()


def _fresh(code: str) -> str:
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout.strip().splitlines()[-1]


def _raw(sim: DramSimulator, design, workload: str, function=None):
    """The kernel's raw outputs for one design, through ``function`` (default: the loaded kernel)."""
    arr, is_wr, rank, bank, bg, row, addr, _ = sim._prepared(workload)[1]
    args = (arr, is_wr, rank, bank, bg, row, addr, sim._P, config_vector(sim.design_space.validate(design)), 1, 1.0)
    if function is None:
        return engine.simulate(*args)
    original = native.load
    try:  # route engine.simulate through another build of the same source
        engine.load = lambda: native.Kernel(function, "test", native.SOURCE)
        return engine.simulate(*args)
    finally:
        engine.load = original


def test_the_installed_extension_is_what_runs():
    kernel = native.load()
    assert engine.backend() == "extension", (
        f"the DRAM kernel came from {kernel.path}, not from the library pip install builds beside "
        f"{native.HERE}; run `pip install -e .`"
    )
    assert kernel.path.parent == native.HERE and kernel.path.name.startswith("_dram_engine.kernel")


def test_evaluating_pulls_neither_numba_gymnasium_nor_pyarrow():
    code = (
        "import sys, json\n"
        "import archgym.simulators.dram\n"
        "first = [m for m in ('numba', 'gymnasium', 'pyarrow', 'scipy') if m in sys.modules]\n"
        "from archgym.cli import main\n"
        "rc = main(['evaluate', '--simulator', 'dram', '--workload', 'stream', '--design', 'PagePolicy=Closed'])\n"
        "then = [m for m in ('numba', 'gymnasium', 'pyarrow', 'scipy') if m in sys.modules]\n"
        "print(json.dumps([first, rc, then]))"
    )
    first, rc, then = json.loads(_fresh(code))
    assert first == [], f"import archgym.simulators.dram pulled {first}"
    assert rc == 0
    assert then == [], f"archgym evaluate --simulator dram pulled {then}"


def test_first_use_compile_builds_once_into_the_cache_and_matches(sim, tmp_path, monkeypatch):
    if shutil.which("cc") is None:
        pytest.skip("no C compiler named cc")
    monkeypatch.delenv("CC", raising=False)
    cache = tmp_path / "cache"
    paths: list = []
    # four workers at once: one compiles under the lock, the others wait and reuse its library
    workers = [threading.Thread(target=lambda: paths.append(native.build(cache))) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert len(paths) == 4 and len(set(paths)) == 1
    built = paths[0]
    assert sorted(p.name for p in cache.iterdir() if not p.name.startswith(".dram_engine.lock")) == [built.name]
    stamp = built.stat().st_mtime_ns
    assert native.build(cache) == built and built.stat().st_mtime_ns == stamp  # cached: not rebuilt
    # the cache build gives the same bits as the installed one, on a design that exercises
    # refresh, power-down, the Reorder arbiter and adaptive page policy
    cached = native._bind(built, "cache").function
    design = {**sim.default_design(), "PagePolicy": "OpenAdaptive", "Scheduler": "FrFcfsGrp", "RequestBufferSize": 3,
              "Arbiter": "Reorder", "MaxActiveTransactions": 16, "PowerDownPolicy": "Staggered", "RespQueue": "Reorder"}
    for workload in ("random", "cloud-2"):
        a, b = _raw(sim, design, workload), _raw(sim, design, workload, cached)
        assert a[3] == b[3]
        assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1]) and np.array_equal(a[2][: a[3]], b[2][: b[3]])


def test_without_the_extension_the_kernel_comes_from_the_cache(tmp_path, monkeypatch):
    if shutil.which("cc") is None:
        pytest.skip("no C compiler named cc")
    monkeypatch.delenv("CC", raising=False)
    monkeypatch.setenv("ARCHGYM_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(native, "_installed", lambda: None)
    native.load.cache_clear()
    try:
        kernel = native.load()
        assert kernel.backend == "cache" and kernel.path.parent == tmp_path / "dram"
        s = DramSimulator()
        m = s.evaluate(s.default_design(), "stream")
        assert m["total_time_ns"] == 50025.0  # DRAMSys 4.0's figure for the baseline on stream
    finally:
        native.load.cache_clear()


def test_an_edited_source_is_compiled_instead_of_running_the_stale_extension(tmp_path, monkeypatch, caplog):
    if shutil.which("cc") is None:
        pytest.skip("no C compiler named cc")
    monkeypatch.delenv("CC", raising=False)
    edited = tmp_path / "dram_engine.c"
    edited.write_bytes(native.SOURCE.read_bytes() + b"\n/* edited after pip install */\n")
    monkeypatch.setattr(native, "SOURCE", edited)
    monkeypatch.setenv("ARCHGYM_CACHE_DIR", str(tmp_path / "cache"))
    native.load.cache_clear()
    try:
        with caplog.at_level("WARNING", logger=native.__name__):
            kernel = native.load()
        assert kernel.backend == "cache" and kernel.path.parent == tmp_path / "cache" / "dram"
        assert "was built from another dram_engine.c" in caplog.text
        assert native._built_from(ctypes.CDLL(str(kernel.path))) == native.source_hash(edited.read_bytes())
    finally:
        native.load.cache_clear()


def test_no_compiler_is_a_one_line_error(tmp_path, monkeypatch):
    monkeypatch.setenv("CC", str(tmp_path / "no-such-cc"))
    with pytest.raises(native.KernelBuildError, match=r"cannot run .*pip install -e \.") as info:
        native.build(tmp_path / "cache")
    assert "\n" not in str(info.value)
    monkeypatch.setenv("CC", "false")  # runs, fails
    with pytest.raises(native.KernelBuildError, match="compiling the DRAM kernel with 'false' failed"):
        native.build(tmp_path / "cache")
    assert not [p for p in (tmp_path / "cache").iterdir() if p.suffix == ".so"]  # no half-built library left
    (tmp_path / "file").write_text("")
    with pytest.raises(native.KernelBuildError, match="is not writable .*ARCHGYM_CACHE_DIR"):
        native.build(tmp_path / "file" / "cache")  # a folder below a file cannot exist


def test_kernel_inputs_outside_the_geometry_are_refused(sim):
    arr, is_wr, rank, bank, bg, row, addr, _ = sim._prepared("stream")[1]
    C = config_vector(sim.default_design())
    bad = bank.copy()
    bad[5] = 8 * int(sim._P[engine.NRANKS])  # one past the last bank
    with pytest.raises(ValueError, match=r"'bank' must lie in \[0, 8\)"):
        engine.simulate(arr, is_wr, rank, bad, bg, row, addr, sim._P, C, 1)
    with pytest.raises(ValueError, match="'row' must be a 1-d array of 10000"):
        engine.simulate(arr, is_wr, rank, bank, bg, row[:-1], addr, sim._P, C, 1)
    with pytest.raises(ValueError, match="'C' must be a 1-d array of 11"):
        engine.simulate(arr, is_wr, rank, bank, bg, row, addr, sim._P, C[:-1], 1)


def test_the_c_enums_match_the_python_indices():
    """engine.py's index constants and dram_engine.c's enums name the same slots."""
    import re

    source = native.SOURCE.read_text()
    seen = 0
    for body in re.findall(r"enum \{([^}]*)\};", source):
        names = [part.split("=")[0].strip() for part in body.split(",")]
        start = int(body.split("=")[1].split(",")[0]) if "=" in body else 0
        for value, name in enumerate(names, start):
            if name.startswith("S_"):  # the kernel's own scratch arrays
                continue
            py = name if hasattr(engine, name) else "_" + name
            if name.startswith("N_") and not hasattr(engine, name):
                continue  # N_SCRATCH and the like
            assert getattr(engine, py) == value, f"{name}: C {value}, engine.py {getattr(engine, py)}"
            seen += 1
    assert seen >= 37 + 11 + 14 + 18 + 6 + 8
