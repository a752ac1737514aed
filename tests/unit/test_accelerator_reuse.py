"""Spatial under-use, reuse-driven access counts and size-dependent access energy: hand-derived golden values."""

from __future__ import annotations

import numpy as np
import pytest

from archgym.simulators.accelerator import tables
from archgym.simulators.accelerator.costmodel import RF_PER_MAC, Hardware, LayerArrays, evaluate_layers, loop_nest
from archgym.simulators.accelerator.loops import layer_loops, spatial_unrolling
from archgym.simulators.accelerator.simulator import BASELINE, DNNAccelSimulator
from archgym.simulators.networks import Layer, find_layer
from archgym.simulators.systolic import gemm_cycles


def _hw(**overrides):
    return Hardware.from_designs([{**BASELINE, "glb_kib": 2048, "glb_banks": 64, "noc_words": 1024, "dram_gbps": 256, **overrides}])


# -- spatial under-use --------------------------------------------------------------------------
def test_a_3_channel_first_layer_uses_3_of_16_channel_rows():
    conv1 = find_layer("resnet18:conv1")  # K=64, C=3, 112×112 out, 7×7 filters
    # The named-loop unrolling (data movement, the ZigZag translation): ws puts C on the rows, so
    # only 3 of 16 rows hold a channel.
    u = spatial_unrolling(layer_loops(conv1), 16, 16, "ws")
    assert (int(u["C"]), int(u["K"])) == (3, 16)
    # Row-stationary timing runs on that unrolling: rows take FY 7, then ⌊16/7⌋ = 2 channels
    # (⌈3/2⌉ = 2 folds, the second half empty); columns OY 16 (7 folds), then K 1 (64 folds).
    # 2 · 7 · 64 folds of T = OX·FX = 112·7 = 784: 702,464 cycles, utilisation 14/16 · 3/4 = 21/32.
    la = LayerArrays.from_layers([conv1])
    compute, *_ = loop_nest(la, _hw(pe_rows=16, pe_cols=16), "rs")
    assert compute[0, 0] == 2 * 7 * 64 * 784 == 702_464
    assert conv1.macs() / (702_464 * 256) == pytest.approx(21 / 32, rel=1e-12)
    # A systolic array streams the im2col GEMM (SCALE-Sim): ws rows take the flattened C·R·S = 147
    # (⌈147/16⌉ = 10 folds, 147 of 160 rows busy), columns K (4 folds), T = 112·112 = 12,544 pixels
    # per fold plus the preload + fill + drain 2·16 + 16 − 2 = 46: 40 · 12,590 = 503,600 cycles.
    compute, *_ = loop_nest(la, _hw(pe_rows=16, pe_cols=16), "ws")
    assert compute[0, 0] == 40 * (112 * 112 + 46) == 503_600


def test_mixed_unrolling_fills_what_the_first_loop_leaves():
    # rs on 12 × 14: 3 filter rows, then ⌊12/3⌋ = 4 channels down the rows; 14 output rows across
    # the columns leave ⌊14/14⌋ = 1 filter. os on 8 rows with a 7-wide output: OX 7, then OY ⌊8/7⌋ = 1.
    u = spatial_unrolling(layer_loops(find_layer("resnet18:conv2_1a")), 12, 14, "rs")
    assert {d: int(u[d]) for d in ("FY", "C", "OY", "K")} == {"FY": 3, "C": 4, "OY": 14, "K": 1}
    u = spatial_unrolling(layer_loops(find_layer("resnet18:conv5_1b")), 8, 8, "os")
    assert {d: int(u[d]) for d in ("OX", "OY", "K")} == {"OX": 7, "OY": 1, "K": 8}


def test_gemm_like_layers_keep_scalesims_systolic_cycles():
    # A fully-connected layer's loops are one GEMM (OX = M tokens, K = N, C = Kred), so the loop-nest
    # timing is the shared systolic formula that equals SCALE-Sim's demand matrices.
    layer = Layer("g", "gemm", K=200, C=96, Y=50)
    la = LayerArrays.from_layers([layer])
    for df in ("os", "ws", "is"):
        for rows, cols in ((8, 8), (16, 32), (12, 14)):
            compute, *_ = loop_nest(la, _hw(pe_rows=rows, pe_cols=cols), df)
            assert compute[0, 0] == gemm_cycles(50, 200, 96, rows, cols, df)


def test_systolic_timing_is_the_im2col_gemm_on_every_layer():
    # Version 5: ws/os/is time the lowered GEMM (SCALE-Sim's mechanism; the kernel equals SCALE-Sim's
    # demand matrices on every ResNet-18 shape, tests/integration/test_scalesim_crosscheck.py), e.g.
    # conv2_1a (M = 56·56 = 3136, N = 64, K = 64·9 = 576) on 16 × 16 ws: 36 · 4 folds of
    # 3136 + 2·16 + 16 − 2 = 3182 cycles = 458,208.
    layers = [find_layer(f"resnet18:{n}") for n in ("conv1", "conv2_1a", "conv3_1s", "conv5_1b", "fc")]
    la = LayerArrays.from_layers(layers)
    designs = [{"pe_rows": r, "pe_cols": c} for r, c in ((16, 16), (12, 14), (32, 8), (256, 64))]
    hw = Hardware.from_designs([{**BASELINE, **d} for d in designs])
    for df in ("ws", "os", "is"):
        compute, *_ = loop_nest(la, hw, df)
        for i, layer in enumerate(layers):
            M, N, K = layer.gemm()
            for d, design in enumerate(designs):
                assert compute[d, i] == gemm_cycles(M, N, K, design["pe_rows"], design["pe_cols"], df)
    compute, *_ = loop_nest(LayerArrays.from_layers([layers[1]]), _hw(pe_rows=16, pe_cols=16), "ws")
    assert compute[0, 0] == 36 * 4 * 3182 == 458_208


# -- reuse-driven access counts on a small layer, per dataflow ----------------------------------
# K = C = 4, 4 × 4 outputs, 3 × 3 filters, stride 1 (6 × 6 input), on a 4 × 4 array. MACs = 2304.
SMALL = Layer("small", "conv", K=4, C=4, Y=4, X=4, R=3, S=3)
# dataflow: (compute cycles, GLB words read into the array, words written back) with 16-byte RFs
# (4 words a half: too small to keep a fold's words for the next fold, except rs' 3 inputs per PE).
# Systolic cycles are the im2col GEMM's (M = 16 pixels, N = 4, K = C·R·S = 36), traffic the
# named-loop unrolling's.
GOLDEN_SMALL_RF = {
    # ws: C 4 × K 4 fill the array, one fold; reads = weights 144 + inputs 4·6·6 = 144; writes =
    # outputs 64. Cycles: ⌈36/4⌉ = 9 row folds of T = M = 16, each 16 + 2·4 + 4 − 2 = 26: 234.
    "ws": (234, 288, 64),
    # os: OX 4 down the rows (OY 1 more fits in ⌊4/4⌋ = 1), K 4 across: 4 folds (one per output row).
    # Cycles: ⌈16/4⌉ = 4 folds of the 16 pixels, T = K = 36: 4 · (36 + 4 + 4 − 2) = 168. Each fold needs all 144 weights and 4 channels
    # × 3 × 6 input rows = 72 inputs; but an output-stationary PE can keep its output of all 4 folds
    # (4 words ≤ 4) while the weights stream once in reduction chunks: 144 + 4 · 72 = 432; writes 64.
    "os": (168, 432, 64),
    # is: C 4 down, OX 4 across: 4 folds, each reading 144 weights and 72 inputs, no room to keep
    # the 36 weights a PE needs: 4 · 216 = 864; writes 64. Cycles: ⌈36/4⌉ · ⌈16/4⌉ = 36 folds of
    # T = N = 4, each 4 + 2·4 + 4 − 2 = 14: 504.
    "is": (504, 864, 64),
    # rs: FY 3 then C 1 down, OY 4 then K 1 across: 4 · 4 = 16 folds of T = OX·FX = 12 (cycles 192).
    # Weights: 9 a fold, 144. Inputs: a PE holds 36 / 12 = 3 ≤ 4, so a channel's 6 × 6 plane is read
    # once for the 4 filter folds: 4 · 36 = 144. Partial sums: 4 per PE ≤ 4 stay in the RF across
    # the 4 channel folds, so outputs are written once (64) and never read back: 144 + 144 = 288.
    "rs": (192, 288, 64),
}
# With 512-byte RFs (128 words a half) is also keeps its weights (36 per PE) across the 4 pixel
# folds: 144 weights + 288 inputs = 432 reads; ws, os and rs are as above.
GOLDEN_BIG_RF = {"ws": (234, 288, 64), "os": (168, 432, 64), "is": (504, 432, 64), "rs": (192, 288, 64)}


@pytest.mark.parametrize("dataflow", sorted(GOLDEN_SMALL_RF))
def test_small_layer_traffic_per_dataflow(dataflow):
    la = LayerArrays.from_layers([SMALL])
    for rf_bytes, golden in ((16, GOLDEN_SMALL_RF), (512, GOLDEN_BIG_RF)):
        compute, reads, writes, _ = loop_nest(la, _hw(pe_rows=4, pe_cols=4, rf_bytes=rf_bytes), dataflow)
        assert (int(compute[0, 0]), int(reads[0, 0]), int(writes[0, 0])) == golden[dataflow], rf_bytes


# Register-file accesses (version 4) = per-MAC operand traffic (RF_PER_MAC: stationary input 0,
# streamed input 1, partial sum read + written 2) − MAC reads a MAC-stationary operand saves
# + fills (each GLB word written into the RF of every PE it reaches) + drains (words written back).
GOLDEN_RF = {
    # ws: weights 144 to their own PE (fan-out 1); each of the 16 PEs gets its channel's 6 × 6 input
    # plane: 576 = 144 GLB words × fan-out u_K = 4. 3·2304 + 144 + 576 + 64 = 7,696 (either RF).
    "ws": (7_696, 7_696),
    # os: 4 pixel folds; the outputs of the 4 folds fit (4 ≤ 4 words a half), so the weights stream
    # once (144 GLB words) with the pixel folds innermost: each weight stays in the MAC for 4 folds,
    # saving 2304·(1 − 1/4) = 1728 MAC reads; 144 weights × 4 rows = 576 fills; inputs are read
    # per fold (288) and each PE gets its own 4 × 3 × 3 windows: 288 × 16·36/72 = 2304 fills.
    # 4·2304 − 1728 + 576 + 2304 + 64 = 10,432 (either RF).
    "os": (10_432, 10_432),
    # is: the weights are re-read every fold with a 16-byte RF (576 GLB words, 4 columns each: 2304
    # fills) but kept across the 4 pixel folds with 512 bytes (144 words, 576 fills); inputs: 288 GLB
    # words, each PE's 3 × 3 window per fold: 288 × 16·9/72 = 576 fills.
    # 16 B: 3·2304 + 2304 + 576 + 64 = 9,856; 512 B: 3·2304 + 576 + 576 + 64 = 8,128.
    "is": (9_856, 8_128),
    # rs: 144 weight words to 4 PE columns each (576 fills); 144 input words (each channel's plane once
    # for the 4 filter folds), an input row reaching 12 PEs / 6 rows = 2 of them (288 fills); partial
    # sums stay in the RFs: 3·2304 + 576 + 288 + 64 = 7,840 (either RF).
    "rs": (7_840, 7_840),
}


@pytest.mark.parametrize("dataflow", sorted(GOLDEN_RF))
def test_register_file_accesses_count_fills_per_pe(dataflow):
    la = LayerArrays.from_layers([SMALL])
    assert RF_PER_MAC[dataflow] == {"ws": 1 + 2, "os": 1 + 1 + 2, "is": 1 + 2, "rs": 1 + 2}[dataflow]
    for rf_bytes, golden in zip((16, 512), GOLDEN_RF[dataflow]):
        *_, rf_acc = loop_nest(la, _hw(pe_rows=4, pe_cols=4, rf_bytes=rf_bytes), dataflow)
        assert rf_acc[0, 0] == pytest.approx(golden), rf_bytes
        costs = evaluate_layers(la, _hw(pe_rows=4, pe_cols=4, dataflow=dataflow, rf_bytes=rf_bytes), dataflow)
        assert costs.energy_pj["rf"][0, 0] == pytest.approx(golden * tables.e_rf_word(rf_bytes, 16, False))


def test_output_stationary_pes_keep_the_outputs_of_a_group_of_folds():
    # SMALL with 8 output rows on a 4 × 4 os array: 8 pixel folds (OX 4 down the rows, OY 8 temporal
    # folds), T = 36. A 16-byte RF holds 4 outputs a half: the weights (144 words a fold) stream once
    # per group of 4 folds, 2 groups: 288 GLB words (version 3: every fold, 1152); inputs 8 · 72 = 576;
    # writes 8 · 16 = 128. MACs 4608; each weight stays in the MAC for 4 folds: 4608·3/4 = 3456 MAC
    # reads saved; fills 288 × 4 rows + 576 × 8 = 5760. RF: 4·4608 − 3456 + 5760 + 128 = 20,864.
    tall = Layer("tall", "conv", K=4, C=4, Y=8, X=4, R=3, S=3)
    compute, reads, writes, rf_acc = loop_nest(LayerArrays.from_layers([tall]), _hw(pe_rows=4, pe_cols=4, rf_bytes=16), "os")
    assert (int(compute[0, 0]), int(reads[0, 0]), int(writes[0, 0])) == (8 * (36 + 4 + 4 - 2), 288 + 576, 128)
    assert rf_acc[0, 0] == pytest.approx(20_864)


# -- access energy grows with the memory -------------------------------------------------------
def test_access_energy_depends_on_memory_size():
    # Horowitz fit E64(S) = 1.27 + 3.09·√(S/KiB) pJ at the GLB's total size; 16-bit word = E64/4.
    assert tables.e_glb_word(64 * 1024, 16) == pytest.approx((1.27 + 3.09 * 8) / 4)  # 6.4975 pJ
    assert tables.e_glb_word(1024 * 1024, 16) == pytest.approx((1.27 + 3.09 * 32) / 4)  # 25.0 pJ
    # Flip-flop RF: 0.887 pJ per 16-bit word at 512 B, linear in size: 64 B → 0.111 pJ.
    assert tables.e_rf_word(64, 16, False) == pytest.approx(tables.MAC16_PJ / 8)
    # The model charges the GLB at its total size: 4× the buffer, same accesses → 2× the per-access cost + 1.27/4 offset.
    la = LayerArrays.from_layers([SMALL])
    small, big = (evaluate_layers(la, _hw(pe_rows=4, pe_cols=4, glb_kib=k, dataflow="ws"), "ws") for k in (64, 256))
    acc_small = small.glb_accesses[0, 0]
    assert acc_small == big.glb_accesses[0, 0]
    assert small.energy_pj["glb"][0, 0] == pytest.approx(acc_small * tables.e_glb_word(64 * 1024, 16))
    assert big.energy_pj["glb"][0, 0] == pytest.approx(acc_small * tables.e_glb_word(256 * 1024, 16))


def test_energy_moves_with_array_size_and_dataflow():
    sim = DNNAccelSimulator()
    grid = [dict(BASELINE, pe_rows=s, pe_cols=s, dataflow=df) for s in (8, 16, 32) for df in ("ws", "os", "rs")]
    energy = np.array([m["energy_uj"] for m in sim.evaluate_batch(grid, "resnet18")])
    assert len(set(np.round(energy, 3))) == len(grid)  # every design has its own energy


# -- a GLB tile spans whole filter windows ------------------------------------------------------
def test_reduction_tiles_hold_whole_filter_windows():
    # SMALL as a GEMM: M = 16 pixels, N = 4, K = 4·3·3 = 36; its real input is 4 × 6 × 6 = 144
    # words, ρ = 144 / (16·36) = 1/4. On a 4 × 4 os array the smallest tile is 4 pixels × 4 output
    # channels × one 3 × 3 window (9 taps): 2·(ρ·4·9 + 9·4 + 4·4) = 2·(9 + 36 + 16) = 122 words
    # double-buffered (version 2 allowed one tap: 2·(1 + 4 + 16) = 42, fewer input words than the
    # 4 pixels a single tap reads).
    la = LayerArrays.from_layers([SMALL])
    costs = evaluate_layers(la, _hw(pe_rows=4, pe_cols=4, dataflow="os"), "os")
    assert costs.min_glb_words[0, 0] == pytest.approx(122)
    # Every chosen tiling of ResNet-18's 3 × 3 and 7 × 7 layers keeps at least one window per tile.
    sim = DNNAccelSimulator()
    for design in ({**BASELINE, "glb_kib": 8, "dataflow": "os"}, {**BASELINE, "glb_kib": 16, "dataflow": "ws", "pe_rows": 8, "pe_cols": 8}):
        for row in sim.report(design, "resnet18"):
            layer = find_layer(f"resnet18:{row['layer']}")
            assert row["tiles_mnk"][2] >= layer.R * layer.S, row
