"""ZigZag itself: its bundled tpu_like reproduces its own figures, and the backend agrees with dnn_accel on small layers (slow)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from archgym.simulators.accelerator import tables, zigzag_backend
from archgym.simulators.accelerator.simulator import BASELINE, DNNAccelSimulator
from archgym.simulators.accelerator.zigzag_backend import ZigZagSimulator, run_zigzag
from archgym.simulators.networks import find_layer

pytestmark = pytest.mark.slow
zigzag = pytest.importorskip("zigzag", reason='ZigZag is an optional backend: pip install -e ".[zigzag]"')

DATA = Path(__file__).resolve().parents[1] / "data"
ZZ = Path(zigzag.__file__).parent / "inputs"


def _single_node(model, node_name):
    """The one ONNX node ``node_name`` of ``model`` as a model of its own (shapes inferred)."""
    from onnx import helper, shape_inference

    model = shape_inference.infer_shapes(model)
    info = {v.name: v for v in [*model.graph.value_info, *model.graph.input, *model.graph.output]}
    inits = {t.name: t for t in model.graph.initializer}
    node = next(n for n in model.graph.node if n.name == node_name)
    inputs = [info[i] for i in node.input if i in info and i not in inits]
    weights = [helper.make_tensor_value_info(inits[i].name, inits[i].data_type, list(inits[i].dims)) for i in node.input if i in inits]
    graph = helper.make_graph([node], "one", inputs + weights, [info[o] for o in node.output])
    return helper.make_model(graph, opset_imports=model.opset_import)


@pytest.mark.parametrize(
    "node, recorded",
    [("/fc/Gemm", "_fc_Gemm"), ("/layer4/layer4.0/downsample/downsample.0/Conv", "_layer4_layer4.0_downsample_downsample.0_Conv")],
)
def test_bundled_tpu_like_reproduces_its_resnet18_layers(node, recorded):
    import onnx

    model = onnx.load(str(ZZ / "workload" / "resnet18.onnx"), load_external_data=False)
    expected = json.loads((DATA / "zigzag_tpu_like_resnet18.json").read_text())["layers"][recorded]
    job = (str(ZZ / "hardware" / "tpu_like.yaml"), str(ZZ / "mapping" / "tpu_like.yaml"), _single_node(model, node), 6, "latency")
    cwd = os.getcwd()
    result = run_zigzag(job)
    assert os.getcwd() == cwd  # ZigZag ran in its own folder
    assert "error" not in result, result.get("error")
    assert result["energy_pj"] == pytest.approx(expected["energy_pj"], rel=1e-9)
    assert result["latency_cycles"] == expected["latency_cycles"]


def test_backend_on_a_small_layer_caches_and_agrees_with_the_fast_model(tmp_path, monkeypatch):
    design = dict(BASELINE, pe_rows=16, pe_cols=16, dataflow="ws", dram_gbps=16)
    sim = ZigZagSimulator(cache_dir=tmp_path, jobs=1, lpf_limit=4, opt="EDP")
    out = sim.evaluate(design, "resnet18:fc")
    assert len(list(tmp_path.glob("*.json"))) == 1
    assert 0 < out["utilisation"] <= 1
    # A second call reads the cache: no worker pool is started.
    monkeypatch.setattr(zigzag_backend, "ProcessPoolExecutor", None)
    assert sim.evaluate(design, "resnet18:fc") == out
    # Same MAC energy by construction; the fc streams its 512 000 16-bit weights from DRAM once in both
    # tools (20.3 pJ/bit), and at 16 B/cycle that takes 64 000 cycles: ZigZag is DRAM-bound; the fast
    # model pays SCALE-Sim's weight preload, fill and drain on each of the 32·63 folds of a GEMV
    # (2016 · 47 = 94 752 cycles), which ZigZag overlaps.
    fast = DNNAccelSimulator().layer_report(design, find_layer("resnet18:fc"))
    assert out["mac_energy_uj"] * 1e6 == pytest.approx(fast["energy_mac_pj"], rel=1e-9)
    weights_pj = 512 * 1000 * tables.e_dram_word(16)
    assert out["dram_energy_uj"] * 1e6 == pytest.approx(weights_pj, rel=0.02)
    assert fast["energy_dram_pj"] == pytest.approx(weights_pj, rel=0.02)
    assert out["latency_cycles"] == pytest.approx(64_000, rel=0.1)
    assert fast["compute_cycles"] == 2016 * (2 * 16 + 16 + 1 - 2) and fast["cycles"] >= 64_000


def test_zigzag_fails_when_the_arrays_register_files_outgrow_the_glb():
    # Why about one random design in five has no ZigZag mapping (docs/accelerator.md): ZigZag's
    # memory hierarchy is inclusive and LOMA allocates loops bottom-up, greedily. On a 96 × 64 ws
    # array (8-bit, 128-byte RFs) every PE's share of the fc weights (⌈512/96⌉·⌈1000/64⌉ = 96 words)
    # fits in its RF, so every ordering puts all weight loops there and the GLB must then hold all
    # 512,000 weight bytes: a 64 KiB GLB overflows in every ordering, a 512 KiB one maps.
    from archgym.simulators.accelerator.zigzag_translate import zigzag_inputs

    design = {"pe_rows": 96, "pe_cols": 64, "dataflow": "ws", "rf_bytes": 128, "rf_class": "regfile",
              "glb_kib": 64, "glb_banks": 8, "noc_words": 16, "dram_gbps": 128, "precision_bits": 8}
    fc = find_layer("resnet18:fc")
    failed = run_zigzag((*zigzag_inputs(design, fc), 4, "EDP"))
    assert "No valid loop ordering" in failed["error"]
    mapped = run_zigzag((*zigzag_inputs(dict(design, glb_kib=512), fc), 4, "EDP"))
    assert "error" not in mapped and mapped["energy_pj"] > 0
