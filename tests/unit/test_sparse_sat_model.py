"""SparseSAT model: hand-derived golden values for GEMM shapes, cycles, bytes, SORE, schedule."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from archgym.simulators.accelerator.workloads import Layer
from archgym.simulators.sparse_sat.config import SATConfig
from archgym.simulators.sparse_sat.layers import layer_table, table_from_layers
from archgym.simulators.sparse_sat.model import phase_costs, pipelined_cycles, training_gemms
from archgym.simulators.sparse_sat.schedule import iteration_timing
from archgym.simulators.sparse_sat.sparsity import accuracy_cost, make_sparsity, parse_pattern

# One FC layer, 128 → 64 features, batch 32: forward GEMM (M, N, K) = (32, 64, 128).
FC = table_from_layers([Layer("fc1", "fc", K=64, C=128)], batch=32)
SMALL = SATConfig(rows=16, cols=16, interleave=False, dataflow_ff="os", dataflow_bp="os", dataflow_wu="os",
                  act_buffer_kib=256, weight_buffer_kib=256, batch=32)


def test_training_gemm_shapes_of_a_conv_layer():
    # conv 3×3, C=32 → K=64, 8×8 output, batch 2: FF (M, N, K) = (2·8·8, 64, 32·9) = (128, 64, 288);
    # BP dX = dY·Wᵀ: (128, 288, 64); WU dW = Xᵀ·dY: (288, 64, 128).
    t = table_from_layers([Layer("c", "conv", K=64, C=32, Y=8, X=8, R=3, S=3)], batch=2)
    M, N, K = training_gemms(t, make_sparsity("dense", "dense"))
    assert [tuple(int(v) for v in x[:, 0]) for x in (M, N, K)] == [(128, 128, 288), (64, 288, 64), (288, 64, 128)]
    # BDWP 2:8 shrinks FF's reduction 288 → 72 and BP's 64 → 16; WU stays dense.
    _, _, K = training_gemms(t, make_sparsity("bdwp", "2:8"))
    assert K[:, 0].tolist() == [72, 16, 128]
    _, _, K = training_gemms(t, make_sparsity("sr_ste", "2:8"))
    assert K[:, 0].tolist() == [72, 64, 128]


def test_dense_cycles_without_interleave_are_the_shared_kernel():
    # OS fold τ = T + R + C − 2 = T + 30 on 16×16.
    # FF (32, 64, 128): ⌈32/16⌉·⌈64/16⌉ = 8 folds × 158 = 1264
    # BP (32, 128, 64): 2·8 = 16 folds × 94 = 1504;  WU (128, 64, 32): 8·4 = 32 folds × 62 = 1984
    c = phase_costs(replace(SMALL, scheme="dense"), FC)
    assert c.cycles[:, 0].tolist() == [1264, 0, 1984]  # first layer: no BP
    assert c.active[:, 0].tolist() == [True, False, True]
    t2 = table_from_layers([Layer("x", "conv", K=8, C=8), Layer("fc1", "fc", K=64, C=128)], batch=32)
    assert phase_costs(replace(SMALL, scheme="dense"), t2).cycles[1, 1] == 1504


def test_sparse_cycles_without_interleave():
    # BDWP 2:8: FF K' = 32 → 8 folds × 62 = 496; BP K' = ⌈64·2/8⌉ = 16 → 16 folds × 46 = 736.
    t2 = table_from_layers([Layer("x", "conv", K=8, C=8), Layer("fc1", "fc", K=64, C=128)], batch=32)
    c = phase_costs(SMALL, t2)
    assert c.cycles[:, 1].tolist() == [496, 736, 1984]
    assert c.macs[:, 1].tolist() == [32 * 64 * 32, 32 * 128 * 16, 128 * 64 * 32]


def test_pipelined_cycles_golden():
    # OS, 8 folds of T = 128 ≥ R: (8 − 1)·128 + 128 = 1024; fill/drain read off the kernel: 158 − 128 = 30.
    cyc, fd = pipelined_cycles(32, 64, 128, 16, 16, "os")
    assert (int(cyc), int(fd)) == (1024, 30)
    # T = 8 < R = 16: each fold still swaps its stationary tile in R cycles: 7·16 + 8 = 120.
    cyc, _ = pipelined_cycles(32, 64, 8, 16, 16, "os")
    assert int(cyc) == 120
    # WS: fill/drain 2R + C − 2 = 46; 3 repeats of 2 folds each: (6 − 1)·32 + 32 = 192.
    cyc, fd = pipelined_cycles(32, 16, 32, 16, 16, "ws", repeats=3)
    assert (int(cyc), int(fd)) == (192, 46)


def test_interleave_never_slower_per_gemm():
    rng = np.random.default_rng(0)
    M, N, K = (rng.integers(1, 3000, 500) for _ in range(3))
    from archgym.simulators.systolic import gemm_cycles

    for df in ("os", "ws"):
        for R, C in ((8, 8), (16, 64), (64, 16), (128, 128)):
            cyc, fd = pipelined_cycles(M, N, K, R, C, df)
            assert np.all(cyc + fd <= gemm_cycles(M, N, K, R, C, df))


def test_dram_bytes_golden():
    # Weights 64·128·2 = 16384 B, X 32·128·2 = 8192 B, Y 32·64·2 = 4096 B; everything fits.
    c = phase_costs(replace(SMALL, scheme="dense"), FC)
    assert c.dram_bytes[0, 0] == 16384 + 8192 + 4096  # read W and X once, write Y
    # WU: read X and dY once (FP32 dW 32 KiB fits the 256 KiB buffer), write FP16 dW.
    assert c.dram_bytes[2, 0] == 8192 + 4096 + 16384
    # 2:8 weights: 64·32 non-zeros × (2 B + 3 index bits) = 4864 B.
    c = phase_costs(SMALL, FC)
    assert c.dram_bytes[0, 0] == 4864 + 8192 + 4096
    # A 4 KiB weight buffer cannot hold 16 KiB of weights: streaming X 4 times (16384 + 4·8192)
    # loses to holding X (8 KiB in a 256 KiB buffer) and streaming the weights once.
    tight = replace(SMALL, scheme="dense", weight_buffer_kib=4, act_buffer_kib=4)
    # X in 2 blocks of the 4 KiB buffer → weights twice: 8192 + 2·16384 = 40960 < 16384 + 4·8192 = 49152.
    assert phase_costs(tight, FC).dram_bytes[0, 0] == 40960 + 4096


def test_sore_and_vector_work_golden():
    # FF direction: 64 columns × ⌈128/8⌉ groups = 1024 groups / 32 lanes × 8 cycles = 256 cycles.
    c = phase_costs(replace(SMALL, sore_lanes=32), FC)
    assert c.sore_cycles[0, 0] == 256
    assert c.sore_cycles[1, 0] == 0  # the first layer has no BP, so no BP-direction weights
    assert c.sore_bytes[0, 0] == 16384 + 4864  # read dense FP16, write 2:8 values + indices
    # Vector engine: 8192 weights × 2 FMAs / 16 lanes = 1024 cycles; 20 B per weight.
    assert c.vector_cycles[0] == 1024 and c.vector_bytes[0] == 8192 * 20
    dense = phase_costs(replace(SMALL, scheme="dense"), FC)
    assert dense.sore_cycles.sum() == 0


def test_schedule_composition_golden():
    # Dense, one FC layer: slots FF_0 (1264 cycles) and BW_0 (WU only, 1984 cycles) at 200 MHz;
    # memory (28672 B per slot at 65.28 GB/s ≈ 0.44 µs) never binds. With offline scheduling only
    # the last master-weight update is serial: max(1024 cycles, 163840 B / BW) = 5.12 µs.
    cfg = replace(SMALL, scheme="dense")
    t = iteration_timing(cfg, phase_costs(cfg, FC))
    assert t.time_s == pytest.approx((1264 + 1984 + 1024) / 200e6)
    assert t.vector_serial_s == pytest.approx(5.12e-6)
    # Without it the first stationary block of each slot is exposed: W (16 KiB) before FF and
    # the FP32 dW accumulators (32 KiB) before WU.
    off = replace(cfg, offline_scheduling=False)
    t_off = iteration_timing(off, phase_costs(off, FC))
    bw = off.bandwidth_bytes_s
    assert t_off.time_s == pytest.approx(t.time_s + (16384 + 32768) / bw)


def test_pregeneration_hides_sore_except_the_first_layer():
    t = layer_table("resnet18", 4)
    cfg = SATConfig(batch=4)
    on = iteration_timing(cfg, phase_costs(cfg, t))
    off_cfg = replace(cfg, pregeneration=False)
    off = iteration_timing(off_cfg, phase_costs(off_cfg, t))
    c = phase_costs(cfg, t)
    first = max(c.sore_cycles[0, 0] / cfg.clock_hz, c.sore_bytes[0, 0] / cfg.bandwidth_bytes_s)
    assert on.sore_serial_s == pytest.approx(first)
    assert off.sore_serial_s > on.sore_serial_s
    assert off.time_s > on.time_s


def test_patterns_and_accuracy_cost():
    assert parse_pattern("2:8") == (2, 8) and parse_pattern("dense") == (1, 1)
    with pytest.raises(ValueError, match="N:M"):
        parse_pattern("3:2")
    assert accuracy_cost(make_sparsity("bdwp", "2:8")) == (0.56, False)  # the paper's point
    assert accuracy_cost(make_sparsity("dense", "2:8")) == (0.0, False)
    cost, assumed = accuracy_cost(make_sparsity("bdwp", "1:16"))
    assert assumed and cost > 0.56
    cost, assumed = accuracy_cost(make_sparsity("bdwp", "2:4"))
    assert assumed and cost < 0.56
    assert make_sparsity("bdwp", "dense").dense
    assert make_sparsity("bdwp", "2:8").index_bits == 3


@pytest.mark.parametrize(("pattern", "ideal"), [("2:4", 1.5), ("2:8", 2.0), ("1:8", 2.4), ("1:16", 8 / 3)])
def test_ideal_speedup_values(pattern, ideal):
    assert make_sparsity("bdwp", pattern).ideal_speedup() == pytest.approx(ideal)


def test_layer_table_is_cached_and_matches_macs():
    from archgym.simulators.accelerator.workloads import network_macs

    t = layer_table("resnet50", 8)
    assert t is layer_table("resnet50", 8)
    assert t.macs() == network_macs("resnet50", 8)
    vit = layer_table("vit_b16", 2)
    assert not vit.has_weights[[i for i, n in enumerate(vit.names) if n.endswith("_scores")]].any()
