"""Start-up cost: a fresh process running one DRAM evaluation, and what each import pulls in.

    .venv/bin/python benchmarks/bench_startup.py [--repeat 5]

Prints, for a new Python process each time (so nothing is shared with this one):

* ``archgym evaluate --simulator dram`` end to end, after one warm-up run so Numba's on-disk
  kernel cache is warm (issue 18 target: <= 0.5 s; the DRAMSys binary takes 0.05-0.09 s);
* ``import archgym`` and ``import archgym.simulators.dram``;
* ``python -c pass`` as the floor of any new process on this machine, and the floor of any
  Numba user: a fresh process calling one trivial ``@njit(cache=True)`` function whose cache
  is warm (Numba initialises its whole typing and target context, SciPy's BLAS included, to
  load a cached kernel);
* which heavy modules (Gymnasium, pyarrow, pandas, Numba, torch, …) each import pulls in.

Measured for issue 18 (2 cores shared by 8 developers, load average 16-20; CPU seconds of the
child, median of 3): before / after this change — ``import archgym`` 0.66 / 0.11 s (pulled
Gymnasium, NumPy, pyarrow / nothing); ``import archgym.simulators.dram`` 1.12 / 1.00 s (pulled
Gymnasium and pyarrow / neither); ``archgym evaluate --simulator dram`` 2.33 / 2.07 s, of which
Numba's own floor (one cached kernel in a fresh process) is 1.72-1.82 s.

Times are wall-clock medians (and minima) over ``--repeat`` runs, plus the child's CPU time
(user + system): on a shared, oversubscribed machine wall time mostly measures the queue for
a core, CPU time much less so.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEAVY = ("gymnasium", "pyarrow", "pandas", "numba", "numpy", "scipy", "torch", "sklearn", "ray", "matplotlib", "yaml")

_PROBE = (
    "import sys, json; import {module}; "
    "print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))"
)


def _wall(cmd: list[str], repeat: int) -> tuple[float, float, float]:
    """Median and minimum wall time, and median CPU time (user + system) of the child."""
    times, cpu = [], []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        times.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.strip()[-400:]}")
    return statistics.median(times), min(times), statistics.median(cpu)


def _pulls(module: str) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE.format(module=module, heavy=HEAVY)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


_NUMBA_FLOOR = """
import numpy as np
from numba import njit

@njit(cache=True)
def total(a):
    s = 0.0
    for x in a:
        s += x
    return s

total(np.ones(4))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure (default 5)")
    args = parser.parse_args()
    py = sys.executable
    evaluate = [py, "-m", "archgym.cli", "evaluate", "--simulator", "dram"]
    subprocess.run(evaluate, stdout=subprocess.DEVNULL, check=True)  # warm Numba's on-disk cache
    tmp = Path(tempfile.mkdtemp(prefix="archgym-bench-startup-"))
    floor = tmp / "numba_floor.py"
    floor.write_text(_NUMBA_FLOOR)
    subprocess.run([py, str(floor)], check=True)  # warm its cache
    rows = [
        ("python -c pass (floor)", [py, "-c", "pass"], None),
        ("one cached @njit call (Numba floor)", [py, str(floor)], None),
        ("import archgym", [py, "-c", "import archgym"], "archgym"),
        ("import archgym.simulators.dram", [py, "-c", "import archgym.simulators.dram"], "archgym.simulators.dram"),
        ("archgym evaluate --simulator dram", evaluate, None),
    ]
    print(f"new process, median (min) wall time and median CPU time (user + sys) of {args.repeat} runs; warm Numba cache")
    for label, cmd, module in rows:
        med, low, cpu = _wall(cmd, args.repeat)
        pulled = f"  pulls: {', '.join(_pulls(module)) or '-'}" if module else ""
        print(f"  {label:<36} wall {med:6.3f} s ({low:.3f} s)  cpu {cpu:6.3f} s{pulled}")


if __name__ == "__main__":
    main()
