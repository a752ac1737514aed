"""Start-up cost: a fresh process running one DRAM evaluation, and what each import pulls in.

    .venv/bin/python benchmarks/bench_startup.py [--repeat 5]

Prints, for a new Python process each time (so nothing is shared with this one):

* ``archgym evaluate --simulator dram`` end to end, with and without a ``--design``, after one
  warm-up run (issue 18 target: <= 0.5 s; the DRAMSys binary takes 0.05-0.09 s);
* ``import archgym`` and ``import archgym.simulators.dram``, and loading the compiled DRAM kernel
  (``dram_engine.c`` through ctypes; which build loaded is printed);
* ``python -c pass`` as the floor of any new process on this machine;
* which heavy modules (Gymnasium, pyarrow, pandas, Numba, torch, …) each import pulls in.

Measured for issue 18 (CPU seconds of the child, median of 3, 2 cores shared with other
jobs): first change (lazy root package) — ``import archgym`` 0.66 -> 0.11 s,
``import archgym.simulators.dram`` 1.12 -> 1.00 s (pulled Gymnasium and pyarrow / neither),
``archgym evaluate --simulator dram`` 2.33 -> 2.07 s, of which Numba's own floor (one cached
``@njit`` kernel in a fresh process) was 1.72-1.82 s. Second change (the DRAM loop in C instead
of Numba): see docs/dram.md, "Speed and start-up", for the figures before and after.

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
import time

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


_KERNEL = "from archgym.simulators.dram import engine; print(engine.backend(), engine.load().path)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure (default 5)")
    args = parser.parse_args()
    py = sys.executable
    evaluate = [py, "-m", "archgym.cli", "evaluate", "--simulator", "dram"]
    designed = [*evaluate, "--workload", "stream", "--design", "PagePolicy=Closed", "Scheduler=FrFcfs"]
    subprocess.run(evaluate, stdout=subprocess.DEVNULL, check=True)  # warm the file cache (and byte-code)
    kernel = subprocess.run([py, "-c", _KERNEL], capture_output=True, text=True, check=True).stdout.strip()
    print(f"DRAM kernel: {kernel}")
    rows = [
        ("python -c pass (floor)", [py, "-c", "pass"], None),
        ("import archgym", [py, "-c", "import archgym"], "archgym"),
        ("import archgym.simulators.dram", [py, "-c", "import archgym.simulators.dram"], "archgym.simulators.dram"),
        ("  + load the compiled kernel", [py, "-c", _KERNEL], None),
        ("archgym evaluate --simulator dram", evaluate, None),
        ("  ... --workload stream --design ...", designed, None),
    ]
    print(f"new process, median (min) wall time and median CPU time (user + sys) of {args.repeat} runs")
    for label, cmd, module in rows:
        med, low, cpu = _wall(cmd, args.repeat)
        pulled = f"  pulls: {', '.join(_pulls(module)) or '-'}" if module else ""
        print(f"  {label:<36} wall {med:6.3f} s ({low:.3f} s)  cpu {cpu:6.3f} s{pulled}")


if __name__ == "__main__":
    main()
