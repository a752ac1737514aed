"""DNN workloads as data: the layer tables of seven networks, shared by every accelerator model.

Every layer is a :class:`Layer` — a convolution (``"conv"``), a fully-connected layer
(``"fc"``) or a plain matrix multiply (``"gemm"``, the activation × activation products of
attention) — written with the loop bounds used by Eyeriss, Timeloop and MAESTRO:

| field | meaning |
|---|---|
| ``K`` | output channels (fc: output features; gemm: total output columns over all groups) |
| ``C`` | input channels (fc: input features; gemm: total reduction length over all groups) |
| ``Y``, ``X`` | output height and width (fc: 1 × 1; gemm: tokens × 1) |
| ``R``, ``S`` | filter height and width (1 × 1 for fc and gemm) |
| ``stride`` | convolution stride (1 for fc and gemm) |
| ``groups`` | number of independent groups (depthwise conv: ``groups == C == K``; attention: heads) |
| ``batch`` | samples per pass (set by :func:`load_network`) |
| ``per_sample`` | True when both GEMM operands are activations (attention): batch repeats the GEMM instead of growing ``M`` |

Lowered to a GEMM (:meth:`Layer.gemm`) a layer is ``repeats`` independent products of
``M × Kred`` by ``Kred × N``: ``M = batch·Y·X`` output pixels or tokens, ``N = K / groups``
output channels per group, ``Kred = C / groups · R · S`` reduction length, repeated
``groups`` times (``groups · batch`` for ``per_sample`` layers); so
``macs = repeats · M · N · Kred = batch · Y · X · K · C / groups · R · S``.

The networks, from their public definitions (input 224 × 224 unless stated):

* ``alexnet`` — Krizhevsky et al. 2012, the original two-group version (227 × 227 input)
  as used by Eyeriss (Chen et al., ISSCC 2016): 724 M MACs.
* ``vgg16`` — Simonyan & Zisserman 2015, configuration D: 15.47 G MACs.
* ``resnet18``, ``resnet50`` — He et al. 2016 as in torchvision (ResNet-50 "v1.5", stride in
  the 3 × 3 convolution): 1.81 G and 4.09 G MACs.
* ``mobilenet_v2`` — Sandler et al. 2018, width 1.0: 300 M MACs.
* ``bert_base`` — Devlin et al. 2019, 12 encoder layers, hidden 768, 12 heads, FFN 3072,
  sequence length 128 by default (fused Q/K/V projection; embeddings, pooler and task head
  left out): 11.17 G MACs at 128 tokens.
* ``vit_b16`` — Dosovitskiy et al. 2021, ViT-B/16 at 224 × 224 (197 tokens), patch embedding
  as a 16 × 16 stride-16 convolution plus the 1000-way head: 17.56 G MACs.

Layer names: ``conv1``, ``conv<stage>_<block><a|b|c>`` and ``conv<stage>_<block>s`` (the
projection shortcut) for ResNets; ``conv1_1`` … ``conv5_3``, ``fc6`` … ``fc8`` for VGG;
``conv1`` … ``conv5``, ``fc6`` … ``fc8`` for AlexNet; ``conv1``, ``b<block>_expand``,
``b<block>_dw``, ``b<block>_project``, ``conv_last``, ``fc`` for MobileNetV2;
``enc<i>_qkv``, ``enc<i>_scores``, ``enc<i>_context``, ``enc<i>_proj``, ``enc<i>_ffn1``,
``enc<i>_ffn2`` for the transformers (plus ``patch_embed`` and ``head`` for ViT).
Pooling, normalisation, activations, softmax and element-wise additions are not MACs and are
left out.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Literal

from archgym.errors import UnknownWorkloadError, did_you_mean

__all__ = ["Layer", "NETWORKS", "UnknownWorkloadError", "load_network", "find_layer", "network_macs", "resolve_workload"]

NETWORKS: tuple[str, ...] = ("alexnet", "vgg16", "resnet18", "resnet50", "mobilenet_v2", "bert_base", "vit_b16")

#: Default sequence length of each transformer (tokens per sample).
DEFAULT_SEQ_LEN = {"bert_base": 128, "vit_b16": 197}


@dataclass(frozen=True)
class Layer:
    """One layer of a network, in Eyeriss/Timeloop loop bounds (see the module docstring)."""

    name: str
    kind: Literal["conv", "fc", "gemm"]
    K: int
    C: int
    Y: int = 1
    X: int = 1
    R: int = 1
    S: int = 1
    stride: int = 1
    groups: int = 1
    batch: int = 1
    per_sample: bool = False

    def __post_init__(self) -> None:
        if self.kind not in ("conv", "fc", "gemm"):
            raise ValueError(f"layer {self.name!r}: kind must be 'conv', 'fc' or 'gemm', got {self.kind!r}")
        for f in ("K", "C", "Y", "X", "R", "S", "stride", "groups", "batch"):
            v = getattr(self, f)
            if not isinstance(v, int) or v < 1:
                raise ValueError(f"layer {self.name!r}: {f} must be a positive integer, got {v!r}")
        if self.K % self.groups or self.C % self.groups:
            raise ValueError(f"layer {self.name!r}: groups={self.groups} must divide K={self.K} and C={self.C}")

    def gemm(self, batch: int = 1) -> tuple[int, int, int]:
        """The layer as one GEMM ``(M, N, Kred)`` of a single group.

        Args:
            batch: extra batch multiplier on top of :attr:`batch` (samples per pass).

        Returns:
            ``M`` output pixels or tokens (``batch · self.batch · Y · X``; for ``per_sample``
            layers ``Y · X``), ``N = K / groups`` output channels or features per group and
            ``Kred = C / groups · R · S`` reduction length. The GEMM runs :meth:`repeats`
            times (``groups`` for ordinary layers).
        """
        b = batch * self.batch
        m = self.Y * self.X * (1 if self.per_sample else b)
        return m, self.K // self.groups, (self.C // self.groups) * self.R * self.S

    def repeats(self, batch: int = 1) -> int:
        """How many independent copies of :meth:`gemm` the layer runs (groups, times batch for ``per_sample``)."""
        return self.groups * (batch * self.batch if self.per_sample else 1)

    def macs(self, batch: int = 1) -> int:
        """Multiply-accumulates of the layer: ``repeats · M · N · Kred``."""
        m, n, k = self.gemm(batch)
        return self.repeats(batch) * m * n * k

    @property
    def input_hw(self) -> tuple[int, int]:
        """Input height and width the output needs (``(Y−1)·stride + R`` without padding overhang)."""
        return (self.Y - 1) * self.stride + self.R, (self.X - 1) * self.stride + self.S

    def weight_words(self) -> int:
        """Words of the weight (second GEMM) operand, over all repeats of one sample."""
        _, n, k = self.gemm()
        return self.groups * n * k

    def input_words(self, batch: int = 1) -> int:
        """Words of the input activation over the whole batch (halo included, padding not)."""
        b = batch * self.batch
        if self.kind == "conv":
            h, w = self.input_hw
            return b * self.C * h * w
        return b * self.Y * self.X * self.C

    def output_words(self, batch: int = 1) -> int:
        """Words of the output activation over the whole batch."""
        return batch * self.batch * self.Y * self.X * self.K


# ----------------------------------------------------------------------------------------
# Network definitions (architecture tables as tuples; builders lower them to layers)
# ----------------------------------------------------------------------------------------

def _conv(name: str, K: int, C: int, out: int, R: int, stride: int = 1, groups: int = 1) -> Layer:
    return Layer(name, "conv", K=K, C=C, Y=out, X=out, R=R, S=R, stride=stride, groups=groups)


def _fc(name: str, K: int, C: int) -> Layer:
    return Layer(name, "fc", K=K, C=C)


def _alexnet() -> list[Layer]:
    # (name, K, C, out, R, stride, groups) — the original two-tower AlexNet on 227 × 227.
    convs = (
        ("conv1", 96, 3, 55, 11, 4, 1),
        ("conv2", 256, 96, 27, 5, 1, 2),
        ("conv3", 384, 256, 13, 3, 1, 1),
        ("conv4", 384, 384, 13, 3, 1, 2),
        ("conv5", 256, 384, 13, 3, 1, 2),
    )
    layers = [_conv(*c) for c in convs]
    layers += [_fc("fc6", 4096, 256 * 6 * 6), _fc("fc7", 4096, 4096), _fc("fc8", 1000, 4096)]
    return layers


def _vgg16() -> list[Layer]:
    # (stage, number of 3×3 convs, channels, output size)
    stages = ((1, 2, 64, 224), (2, 2, 128, 112), (3, 3, 256, 56), (4, 3, 512, 28), (5, 3, 512, 14))
    layers, c_in = [], 3
    for stage, n, c, out in stages:
        for i in range(1, n + 1):
            layers.append(_conv(f"conv{stage}_{i}", c, c_in, out, 3))
            c_in = c
    layers += [_fc("fc6", 4096, 512 * 7 * 7), _fc("fc7", 4096, 4096), _fc("fc8", 1000, 4096)]
    return layers


# (stage, blocks, width, output size) of the ResNet stages after the 7×7 stem and max-pool.
_RESNET18 = ((2, 2, 64, 56), (3, 2, 128, 28), (4, 2, 256, 14), (5, 2, 512, 7))
_RESNET50 = ((2, 3, 64, 56), (3, 4, 128, 28), (4, 6, 256, 14), (5, 3, 512, 7))


def _resnet18() -> list[Layer]:
    layers, c_in = [_conv("conv1", 64, 3, 112, 7, 2)], 64
    for stage, blocks, w, out in _RESNET18:
        for b in range(1, blocks + 1):
            s = 2 if (b == 1 and stage > 2) else 1
            layers.append(_conv(f"conv{stage}_{b}a", w, c_in, out, 3, s))
            layers.append(_conv(f"conv{stage}_{b}b", w, w, out, 3))
            if s != 1 or c_in != w:
                layers.append(_conv(f"conv{stage}_{b}s", w, c_in, out, 1, s))
            c_in = w
    layers.append(_fc("fc", 1000, 512))
    return layers


def _resnet50() -> list[Layer]:
    layers, c_in = [_conv("conv1", 64, 3, 112, 7, 2)], 64
    for stage, blocks, w, out in _RESNET50:
        for b in range(1, blocks + 1):
            s = 2 if (b == 1 and stage > 2) else 1
            in_size = out * s
            layers.append(_conv(f"conv{stage}_{b}a", w, c_in, in_size, 1))
            layers.append(_conv(f"conv{stage}_{b}b", w, w, out, 3, s))
            layers.append(_conv(f"conv{stage}_{b}c", 4 * w, w, out, 1))
            if s != 1 or c_in != 4 * w:
                layers.append(_conv(f"conv{stage}_{b}s", 4 * w, c_in, out, 1, s))
            c_in = 4 * w
    layers.append(_fc("fc", 1000, 2048))
    return layers


# MobileNetV2 inverted-residual settings (expansion t, output channels c, repeats n, stride s).
_MBV2 = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1))


def _mobilenet_v2() -> list[Layer]:
    layers, c_in, size, block = [_conv("conv1", 32, 3, 112, 3, 2)], 32, 112, 0
    for t, c, n, s in _MBV2:
        for i in range(n):
            stride = s if i == 0 else 1
            hidden = c_in * t
            out = size // stride
            if t != 1:
                layers.append(_conv(f"b{block}_expand", hidden, c_in, size, 1))
            layers.append(_conv(f"b{block}_dw", hidden, hidden, out, 3, stride, groups=hidden))
            layers.append(_conv(f"b{block}_project", c, hidden, out, 1))
            c_in, size, block = c, out, block + 1
    layers.append(_conv("conv_last", 1280, c_in, size, 1))
    layers.append(_fc("fc", 1000, 1280))
    return layers


def _encoder(prefix: str, seq: int, hidden: int = 768, heads: int = 12, ffn: int = 3072) -> list[Layer]:
    d = hidden // heads
    return [
        Layer(f"{prefix}_qkv", "gemm", K=3 * hidden, C=hidden, Y=seq),
        # Q·Kᵀ per head: (seq × d) · (d × seq); both operands are activations of the same sample.
        Layer(f"{prefix}_scores", "gemm", K=heads * seq, C=heads * d, Y=seq, groups=heads, per_sample=True),
        # softmax(scores)·V per head: (seq × seq) · (seq × d).
        Layer(f"{prefix}_context", "gemm", K=heads * d, C=heads * seq, Y=seq, groups=heads, per_sample=True),
        Layer(f"{prefix}_proj", "gemm", K=hidden, C=hidden, Y=seq),
        Layer(f"{prefix}_ffn1", "gemm", K=ffn, C=hidden, Y=seq),
        Layer(f"{prefix}_ffn2", "gemm", K=hidden, C=ffn, Y=seq),
    ]


def _bert_base(seq: int) -> list[Layer]:
    return [layer for i in range(1, 13) for layer in _encoder(f"enc{i}", seq)]


def _vit_b16(seq: int) -> list[Layer]:
    layers = [_conv("patch_embed", 768, 3, 14, 16, 16)]
    layers += [layer for i in range(1, 13) for layer in _encoder(f"enc{i}", seq)]
    layers.append(_fc("head", 1000, 768))
    return layers


_CNN_BUILDERS = {
    "alexnet": _alexnet,
    "vgg16": _vgg16,
    "resnet18": _resnet18,
    "resnet50": _resnet50,
    "mobilenet_v2": _mobilenet_v2,
}


def _check_name(name: str) -> None:
    if name not in NETWORKS:
        raise UnknownWorkloadError(
            f"unknown network {name!r}{did_you_mean(name, NETWORKS)}; allowed: {', '.join(NETWORKS)}"
        )


@lru_cache(maxsize=64)
def load_network(name: str, batch: int = 1, seq_len: int | None = None) -> tuple[Layer, ...]:
    """The layer table of network ``name``.

    Args:
        name: one of :data:`NETWORKS`.
        batch: samples per pass (stored in each layer's ``batch``), ≥ 1.
        seq_len: tokens per sample for ``bert_base`` (default 128); ``vit_b16`` accepts only its
            fixed 197 tokens (224 × 224 image, 16 × 16 patches, one class token); CNNs take none.

    Returns:
        The layers in execution order (immutable; cached).

    Raises:
        UnknownWorkloadError: ``name`` is not a known network.
        ValueError: bad ``batch`` or ``seq_len``.
    """
    _check_name(name)
    if not isinstance(batch, int) or batch < 1:
        raise ValueError(f"batch must be a positive integer, got {batch!r}")
    if name in _CNN_BUILDERS:
        if seq_len is not None:
            raise ValueError(f"network {name!r} is a CNN and takes no seq_len (got {seq_len!r})")
        layers = _CNN_BUILDERS[name]()
    else:
        default = DEFAULT_SEQ_LEN[name]
        seq = default if seq_len is None else seq_len
        if not isinstance(seq, int) or seq < 1:
            raise ValueError(f"seq_len must be a positive integer, got {seq_len!r}")
        if name == "vit_b16" and seq != default:
            raise ValueError(f"vit_b16 has a fixed sequence length of {default} tokens, got {seq_len!r}")
        layers = _bert_base(seq) if name == "bert_base" else _vit_b16(seq)
    if batch != 1:
        layers = [replace(layer, batch=batch) for layer in layers]
    return tuple(layers)


def find_layer(identifier: str) -> Layer:
    """The layer named by ``"<network>:<layer>"``, e.g. ``"resnet18:conv2_1a"``.

    Raises:
        UnknownWorkloadError: unknown network or layer (the message lists what exists).
    """
    net, sep, layer_name = identifier.partition(":")
    if not sep:
        raise UnknownWorkloadError(f"layer identifier {identifier!r} must look like '<network>:<layer>', e.g. 'resnet18:conv2_1a'")
    _check_name(net)
    layers = load_network(net)
    for layer in layers:
        if layer.name == layer_name:
            return layer
    names = [layer.name for layer in layers]
    raise UnknownWorkloadError(
        f"network {net!r} has no layer {layer_name!r}{did_you_mean(layer_name, names)}; layers: {', '.join(names)}"
    )


def network_macs(name: str, batch: int = 1, seq_len: int | None = None) -> int:
    """Total multiply-accumulates of a network (sum of :meth:`Layer.macs`)."""
    return sum(layer.macs() for layer in load_network(name, batch, seq_len))


def resolve_workload(spec: str, batch: int = 1) -> tuple[Layer, ...]:
    """The layers a workload string names: a network, one layer, or a subset of one network's layers.

    ``"resnet18"`` (the whole network), ``"resnet18:conv1"`` (one layer) or
    ``"resnet18:conv1+conv2_1a"`` (several layers of one network, in the order given).

    Raises:
        UnknownWorkloadError: unknown network or layer (the message lists what exists).
    """
    if not isinstance(spec, str):
        raise UnknownWorkloadError(f"a workload must be a network name or '<network>:<layer>[+<layer>...]', got {spec!r}")
    net, sep, names = spec.partition(":")
    if not sep:
        return load_network(net, batch=batch)
    layers = tuple(find_layer(f"{net}:{name}") for name in names.split("+"))
    return layers if batch == 1 else tuple(replace(layer, batch=batch) for layer in layers)
