"""Fill ``v2.refs.yaml`` from references already computed for the same problems.

A reference belongs to (env, workload, objective, simulator kwargs), not to a suite or a
budget, so a v2 task that is unchanged from v1, or that was evaluated as a candidate
(``bench_suite_select.py --write-refs FILE``), takes that record as is — when it was computed
with the simulator's current version (v1's DNNMapping records predate dnn_mapping version 2); a record already in
``v2.refs.yaml`` is kept unless another source has a better ``best`` for the same baseline.

Usage::

    .venv/bin/python benchmarks/suite_v2/build_refs.py --from out/candidates.refs.yaml
"""

from __future__ import annotations

import argparse
import sys

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))

from bench_suite_select import _same_problem  # noqa: E402

from archgym.bench.refs import write_reference  # noqa: E402
from archgym.bench.suite import load_suite, read_refs  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--suite", default="v2")
    ap.add_argument("--from", dest="sources", nargs="*", default=[], help="extra refs files (by task id)")
    args = ap.parse_args(argv)
    suite = load_suite(args.suite, check=False)
    by_problem: dict[str, dict] = {}
    for name in ("v1",):
        old = load_suite(name, check=False)
        for task_id, rec in old.refs().items():
            by_problem[_same_problem(old.task(task_id))] = rec
    extra = {}
    for path in args.sources:
        extra.update(read_refs(path).get("tasks", {}))
    have = suite.refs()
    from archgym.sweep.trainable import cached_simulator

    for t in suite.tasks:
        version = str(cached_simulator(t.simulator, t.simulator_kwargs).version)
        found = [r for r in (have.get(t.id), by_problem.get(_same_problem(t)), extra.get(t.id)) if r is not None]
        cands = [r for r in found if str(r.get("simulator_version")) == version]  # a changed simulator voids a record
        if not cands:
            print(f"{t.id:40} no reference" + (f" (only for simulator version {found[0].get('simulator_version')}, now {version})" if found else ""))
            continue
        best = max(cands, key=lambda r: (r["best"], r["designs"]))
        if best is not have.get(t.id):
            write_reference(suite.refs_path, suite.version, t.id, best)
        print(f"{t.id:40} {best['best']:.6g} ({best['method']}, {best['designs']} designs"
              + (", provisional)" if best.get("provisional") else ")"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
