"""Issue 18 item 3: SCALE-Sim runs in a child process with a progress line and a timeout.

Two tiny layers keep the real SCALE-Sim run to a second or two.
"""

from __future__ import annotations

import tempfile

import pytest

from archgym.errors import ArchGymError
from archgym.simulators.accelerator.scalesim_backend import ScaleSimSimulator
from archgym.simulators.systolic import gemm_cycles

pytest.importorskip("scalesim")

# (ifmap h, ifmap w, filter h, filter w, channels, filters, stride), count, macs, name
ROWS = [((6, 6, 3, 3, 4, 8, 1), 1, 16 * 8 * 36, "tiny_a"), ((4, 4, 1, 1, 8, 8, 1), 1, 16 * 8 * 8, "tiny_b")]


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def test_progress_line_and_results(private_tmp, capsys):
    sim = ScaleSimSimulator(progress=True)
    design = dict(sim.default_design(), array_rows=8, array_cols=8, dataflow="os")
    reports = sim.run_layers(design, ROWS, label="tiny")
    err = capsys.readouterr().err
    assert "SCALE-Sim tiny: layer 1 of 2 (tiny_a)" in err and "layer 2 of 2 (tiny_b)" in err
    # output stationary, M = 16 output pixels, N = 8 filters, K = 36 / 8: SCALE-Sim reports one
    # cycle less than the shared systolic formula when nothing stalls (see the cross-check test)
    assert reports[0]["total_cycles"] == gemm_cycles(16, 8, 36, 8, 8, "os") - 1
    assert reports[1]["total_cycles"] == gemm_cycles(16, 8, 8, 8, 8, "os") - 1
    assert list(private_tmp.iterdir()) == []  # its folders are gone


def test_timeout_ends_the_child_with_a_clear_error(private_tmp):
    sim = ScaleSimSimulator(timeout_s=0.05, progress=False)
    with pytest.raises(ArchGymError, match=r"SCALE-Sim timed out after 0.05 s at layer 1 of 2 \(tiny_a\)"):
        sim.run_layers(sim.default_design(), ROWS)
    assert list(private_tmp.iterdir()) == []


def test_scalesim_exit_is_reported_with_the_layer(private_tmp, monkeypatch):
    original = ScaleSimSimulator.write_inputs

    def broken(self, design, rows, folder):
        config, topology, layout = original(self, design, rows, folder)
        if rows[0][3] == "tiny_b":
            layout.unlink()  # SCALE-Sim calls exit() on a missing input file
        return config, topology, layout

    monkeypatch.setattr(ScaleSimSimulator, "write_inputs", broken)
    with pytest.raises(ArchGymError, match=r"SCALE-Sim exited \(None\) at layer 2 of 2"):
        ScaleSimSimulator(progress=False).run_layers(ScaleSimSimulator().default_design(), ROWS)
