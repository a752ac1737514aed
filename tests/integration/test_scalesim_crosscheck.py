"""Cross-check of the shared systolic timing against SCALE-Sim 3.0 on ResNet-18 (slow).

Agreement stated: for every distinct ResNet-18 layer (12 shapes) on every array shape and
dataflow of the table below, the analytical compute cycles of
:func:`archgym.simulators.systolic.gemm_cycles` equal the length of SCALE-Sim's demand matrices
exactly (0 % error), and a full SCALE-Sim run through the adapter reports exactly one cycle
fewer per layer (its "Total Cycles" is the index of the last cycle) with no stalls.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from archgym.errors import ArchGymError
from archgym.simulators.accelerator.scalesim_backend import ScaleSimSimulator, topology_rows
from archgym.simulators.accelerator.simulator import BASELINE, DNNAccelSimulator
from archgym.simulators.networks import find_layer, load_network
from archgym.simulators.systolic import gemm_cycles

pytestmark = pytest.mark.slow
scalesim = pytest.importorskip("scalesim")

# (rows, cols, dataflow): square and rectangular arrays, all three dataflows. Kept to shapes
# where SCALE-Sim's demand-matrix construction (quadratic in the number of folds) stays quick.
TABLE = [(32, 32, "os"), (32, 32, "ws"), (8, 8, "ws"), (16, 64, "ws"), (128, 128, "is"), (128, 64, "os")]


def _distinct_gemms():
    seen = {}
    for layer in load_network("resnet18"):
        seen.setdefault(layer.gemm(), layer.name)
    return [(name, gemm) for gemm, name in seen.items()]


def scalesim_compute_cycles(M, N, K, rows, cols, dataflow):
    """Cycles of SCALE-Sim's own compute model: the length of its demand matrices."""
    from scalesim.compute.systolic_compute_is import systolic_compute_is
    from scalesim.compute.systolic_compute_os import systolic_compute_os
    from scalesim.compute.systolic_compute_ws import systolic_compute_ws
    from scalesim.scale_config import scale_config

    cfg = scale_config()
    cfg.set_arr_dims(rows, cols)
    cfg.set_dataflow(dataflow)
    cfg.valid_conf_flag = True
    ifmap, filt, ofmap = np.zeros((M, K)), np.zeros((K, N)), np.zeros((M, N))
    compute = {"os": systolic_compute_os, "ws": systolic_compute_ws, "is": systolic_compute_is}[dataflow]()
    kwargs = dict(config_obj=cfg, ifmap_op_mat=ifmap, filter_op_mat=filt, ofmap_op_mat=ofmap)
    if dataflow == "ws":
        kwargs.update(sparsity_ratio_N=1, sparsity_ratio_M=1, ifmap_op_mat_original=ifmap, sparsity_filter_array=np.ones((K, N)))
    compute.set_params(**kwargs)
    demand, _, _ = compute.get_demand_matrices()
    return demand.shape[0]


@pytest.mark.parametrize("rows,cols,dataflow", TABLE)
def test_analytical_compute_cycles_equal_scalesim(rows, cols, dataflow):
    errors = {}
    for name, (M, N, K) in _distinct_gemms():
        ours = int(gemm_cycles(M, N, K, rows, cols, dataflow))
        theirs = scalesim_compute_cycles(M, N, K, rows, cols, dataflow)
        errors[name] = (ours - theirs) / theirs
    assert max(abs(e) for e in errors.values()) == 0.0, errors


def test_full_scalesim_run_through_the_adapter(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the adapter must not write here
    sim, fast = ScaleSimSimulator(), DNNAccelSimulator()
    layers = [find_layer(f"resnet18:{n}") for n in ("conv3_1s", "conv4_1s", "conv5_1s", "fc")]
    rows = topology_rows(layers)
    workload = "resnet18:" + "+".join(layer.name for layer in layers)
    for arr, df in ((32, "os"), (16, "ws")):
        design = dict(sim.default_design(), array_rows=arr, array_cols=arr, dataflow=df)
        reports = sim.run_layers(design, rows)
        # dnn_accel (version 5) times the array on the im2col GEMM too: conv3_1s on 32 os rows takes
        # ⌈784/32⌉ = 25 pixel folds, where version 4's named loops (OX 28, then OY 1) took 28.
        ours = {r["layer"]: r["compute_cycles"] for r in fast.report({**BASELINE, "pe_rows": arr, "pe_cols": arr, "dataflow": df}, workload)}
        for (_row, _count, _macs, name), rep in zip(rows, reports):
            M, N, K = find_layer(f"resnet18:{name}").gemm()
            assert rep["total_cycles"] == gemm_cycles(M, N, K, arr, arr, df) - 1, name
            assert ours[name] == rep["total_cycles"] + 1, name
            assert rep["stall_cycles"] == 0
    assert os.listdir(tmp_path) == []


def test_scalesim_exit_becomes_an_error(monkeypatch):
    sim = ScaleSimSimulator()
    original = sim.write_inputs

    def broken(design, rows, folder):
        config, topology, layout = original(design, rows, folder)
        layout.unlink()  # SCALE-Sim calls exit() on a missing input file
        return config, topology, layout

    monkeypatch.setattr(sim, "write_inputs", broken)
    with pytest.raises(ArchGymError, match="SCALE-Sim exited"):
        sim.run_layers(sim.default_design(), topology_rows([find_layer("resnet18:fc")]))


@pytest.mark.parametrize("rows,cols,dataflow", [(128, 128, "os"), (256, 256, "is")])
def test_a_layer_workload_runs_that_layer_only(rows, cols, dataflow):
    """Suite v3's SCALE-Sim task: one BERT attention-scores GEMM (128 x 128 x 64) per head, 12 heads.

    By hand: os on 128 x 128 holds the whole 128 x 128 output, one fold of 64 + 128 + 128 - 2 =
    318 cycles; SCALE-Sim's total is one less, times 12 heads = 3,804.
    """
    sim = ScaleSimSimulator()
    layer = find_layer("bert_base:enc1_scores")
    M, N, K = layer.gemm()
    assert (M, N, K) == (128, 128, 64) and layer.repeats() == 12
    design = {**sim.default_design(), "array_rows": rows, "array_cols": cols, "dataflow": dataflow}
    metrics = sim.evaluate(design, "bert_base:enc1_scores")
    expected = 12 * (int(gemm_cycles(M, N, K, rows, cols, dataflow)) - 1)
    if dataflow == "os":
        assert expected == 3804
    assert metrics["latency_cycles"] == expected and metrics["stall_cycles"] == 0


def test_a_layer_workload_names_what_exists():
    sim = ScaleSimSimulator()
    assert sim.check_workload("alexnet:conv2+fc8") == "alexnet:conv2+fc8"
    with pytest.raises(ArchGymError, match="no layer 'conv9'.*layers: conv1"):
        sim.check_workload("alexnet:conv9")
