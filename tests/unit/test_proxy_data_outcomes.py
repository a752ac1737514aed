"""The proxy's rows: ``error`` rows are neither training rows nor infeasibility labels."""

from __future__ import annotations

import logging

import numpy as np

from archgym.datasets import DatasetWriter
from archgym.proxy.data import load_rows


def test_error_rows_left_out_and_labels_follow_the_outcome(tmp_path, roofline, caplog):
    rng = np.random.default_rng(11)
    designs = roofline.design_space.sample(rng, 12, feasible_only=True)
    outcomes = ["ok", "ok", "ok", "infeasible", "error", "error", "constraint", "ok", "error", "infeasible", "ok", "ok"]
    with DatasetWriter(tmp_path, roofline, rows_per_part=5) as w:
        for i, (d, outcome) in enumerate(zip(designs, outcomes)):
            # "constraint" here is an objective limit: the simulator's metrics are real
            m = roofline.evaluate(d, "axpy") if outcome in ("ok", "constraint") else None
            w.append(step=i, workload="axpy", design=d, metrics=m, reward=0.0, feasible=outcome == "ok",
                     outcome=outcome, error=None if outcome == "ok" else outcome, sim_wall_s=1e-3)
    with caplog.at_level(logging.INFO, logger="archgym.proxy.data"):
        rows = load_rows(tmp_path, "roofline")
    keep = [o for o in outcomes if o != "error"]
    assert len(rows) == 9 and rows.raw_rows == 12
    assert rows.frame["outcome"].tolist() == keep
    # by hand: feasible for the proxy = the simulator produced the metrics (ok, objective-limit constraint)
    assert rows.feasible.tolist() == [o in ("ok", "constraint") for o in keep]
    assert "left out 3 rows where the simulator raised an error" in caplog.text
    assert rows.sim_wall_s["calls"] == 9
