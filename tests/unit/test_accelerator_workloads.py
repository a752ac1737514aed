"""Layer tables: MAC totals against the published figures, GEMM lowering, errors."""

from __future__ import annotations

import pytest

from archgym.errors import UnknownWorkloadError
from archgym.simulators.networks import NETWORKS, Layer, find_layer, load_network, network_macs

# Well-known MAC counts (multiply-accumulates, batch 1).
PUBLISHED_MACS = {
    "alexnet": 724e6,  # Eyeriss (Chen et al., ISSCC 2016), 2-group AlexNet, 227×227
    "vgg16": 15.47e9,  # Simonyan & Zisserman; torchvision 15.47 GFLOPS (MACs)
    "resnet18": 1.81e9,  # torchvision 1.81 GFLOPS (MACs)
    "resnet50": 4.09e9,  # torchvision v1.5: 4.09 GMACs
    "mobilenet_v2": 300e6,  # Sandler et al. 2018: 300 M multiply-adds
    "bert_base": 11.17e9,  # 12 × (128·(4·768² + 2·768·3072) + 2·12·128²·64), hand-derived
    "vit_b16": 17.56e9,  # Dosovitskiy et al. / timm: 17.6 GMACs at 224×224
}


@pytest.mark.parametrize("name", NETWORKS)
def test_total_macs_match_published(name):
    assert network_macs(name) == pytest.approx(PUBLISHED_MACS[name], rel=0.01)


def test_exact_mac_counts_hand_derived():
    # AlexNet, layer by layer: 105,415,200 + 223,948,800 + 149,520,384 + 112,140,288 + 74,760,192
    # + 37,748,736 + 16,777,216 + 4,096,000
    assert network_macs("alexnet") == 724_406_816
    per_layer = 128 * (4 * 768 * 768 + 2 * 768 * 3072) + 2 * 12 * 128 * 128 * 64
    assert network_macs("bert_base") == 12 * per_layer


def test_layer_counts():
    assert len(load_network("resnet18")) == 21  # 1 stem + 16 block convs + 3 projections + fc
    assert len(load_network("resnet50")) == 54  # 1 stem + 48 + 4 projections + fc
    assert len(load_network("vgg16")) == 16


def test_gemm_lowering_conv():
    layer = find_layer("resnet18:conv2_1a")
    assert layer.gemm() == (56 * 56, 64, 64 * 9)
    assert layer.gemm(batch=4) == (4 * 56 * 56, 64, 64 * 9)
    assert layer.macs() == 56 * 56 * 64 * 64 * 9


def test_gemm_lowering_depthwise():
    dw = find_layer("mobilenet_v2:b1_dw")
    assert dw.groups == dw.C == dw.K == 96
    assert dw.gemm() == (56 * 56, 1, 9)
    assert dw.repeats() == 96
    assert dw.macs() == 56 * 56 * 96 * 9


def test_attention_gemms_repeat_per_head_and_sample():
    layers = {layer.name: layer for layer in load_network("bert_base", batch=2, seq_len=64)}
    scores = layers["enc1_scores"]
    assert scores.gemm() == (64, 64, 64)
    assert scores.repeats() == 12 * 2
    qkv = layers["enc1_qkv"]
    assert qkv.gemm() == (2 * 64, 3 * 768, 768)
    assert qkv.repeats() == 1


def test_batch_scales_macs():
    assert network_macs("resnet18", batch=3) == 3 * network_macs("resnet18")
    assert network_macs("bert_base", batch=2) == 2 * network_macs("bert_base")


def test_unknown_names():
    with pytest.raises(UnknownWorkloadError, match="resnet18"):
        load_network("resnet19")
    with pytest.raises(UnknownWorkloadError, match="conv2_1a"):
        find_layer("resnet18:conv2_1")
    with pytest.raises(UnknownWorkloadError):
        find_layer("resnet18")


def test_bad_arguments():
    with pytest.raises(ValueError):
        load_network("resnet18", seq_len=128)
    with pytest.raises(ValueError):
        load_network("vit_b16", seq_len=100)
    with pytest.raises(ValueError):
        load_network("alexnet", batch=0)
    with pytest.raises(ValueError):
        Layer("bad", "conv", K=3, C=4, groups=2)
