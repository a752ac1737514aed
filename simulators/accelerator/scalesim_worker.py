"""Runs SCALE-Sim on prepared input folders, one layer per folder, in a child process.

    python scalesim_worker.py FOLDER [FOLDER ...]

Started by :meth:`~archgym.simulators.accelerator.scalesim_backend.ScaleSimSimulator.run_layers`
as a script (not ``-m``: the child imports SCALE-Sim and nothing of ArchGym), so the parent can
show progress and end a call that runs past its timeout by killing this process alone.
Each folder holds ``scale.cfg``, ``topology.csv`` and ``layout.csv``; SCALE-Sim writes its
reports to ``FOLDER/run/`` and its console output goes to ``FOLDER/console.txt``.

Protocol on stdout, one line each: ``start I`` before folder I, ``done I`` after it,
``exit I CODE`` when SCALE-Sim called ``exit()`` (the worker then stops with status 3).
The worker ends itself within a second when its parent dies.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import threading
import time
import warnings
from pathlib import Path


def _exit_with_parent(parent: int) -> None:
    """End this process when the parent is gone (killed with SIGKILL/SIGTERM, no cleanup ran)."""
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(1)


def main(folders: list[str]) -> int:
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    from scalesim.scale_sim import scalesim

    out = sys.stdout
    for i, name in enumerate(folders):
        folder = Path(name)
        print(f"start {i}", file=out, flush=True)
        console = io.StringIO()
        try:
            with contextlib.redirect_stdout(console), warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)  # SCALE-Sim's own NumPy deprecations
                sim = scalesim(
                    save_disk_space=True,
                    verbose=False,
                    config=str(folder / "scale.cfg"),
                    topology=str(folder / "topology.csv"),
                    layout=str(folder / "layout.csv"),
                    input_type_gemm=False,
                )
                sim.run_scale(top_path=str(folder))
        except SystemExit as exc:  # SCALE-Sim calls exit() on bad input
            (folder / "console.txt").write_text(console.getvalue())
            print(f"exit {i} {exc.code}", file=out, flush=True)
            return 3
        (folder / "console.txt").write_text(console.getvalue())
        print(f"done {i}", file=out, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
