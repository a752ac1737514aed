"""A network's layer table as NumPy arrays, cached per (network, batch).

Reuses :mod:`archgym.simulators.accelerator.workloads` (the one source of layer tables). Each
layer is lowered to its forward GEMM ``(M, N, Kred)`` of one repeat (group, or head × sample
for attention), and the training GEMMs follow from it (see :mod:`.model`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from archgym.simulators.networks import load_network

__all__ = ["LayerTable", "layer_table", "table_from_layers"]


@dataclass(frozen=True, eq=False)
class LayerTable:
    """Per-layer arrays (shape ``(L,)``, int64 unless stated) of one network at one batch size.

    Attributes:
        names: layer names (tuple of str).
        M, N, K: forward GEMM of one repeat: output rows (pixels or tokens × batch), output
            columns (output channels per group), reduction length (``C/groups·R·S``).
        rep: independent repeats of that GEMM (groups; heads × batch for attention).
        has_weights: bool; False for activation × activation GEMMs (attention scores/context).
        b_words: words of the second forward operand over all repeats (the weights when
            ``has_weights``).
        in_words, out_words: words of the input and output activation over the batch.
        first: bool; True for the first layer, whose input gradient is not computed.
        batch: the batch size.
    """

    names: tuple[str, ...]
    M: np.ndarray
    N: np.ndarray
    K: np.ndarray
    rep: np.ndarray
    has_weights: np.ndarray
    b_words: np.ndarray
    in_words: np.ndarray
    out_words: np.ndarray
    first: np.ndarray
    batch: int

    def __len__(self) -> int:
        return len(self.names)

    @property
    def weight_words(self) -> np.ndarray:
        """Trainable weights per layer (0 for activation × activation GEMMs)."""
        return np.where(self.has_weights, self.b_words, 0)

    def macs(self) -> int:
        """Forward multiply-accumulates of the whole table."""
        return int(np.sum(self.rep * self.M * self.N * self.K))


def table_from_layers(layers, batch: int = 1) -> LayerTable:
    """Build a :class:`LayerTable` from :class:`~archgym.simulators.accelerator.workloads.Layer` objects.

    Args:
        layers: the layers in execution order; their own ``batch`` field is respected and
            ``batch`` multiplies it (as :meth:`Layer.gemm` does).
        batch: extra batch multiplier.
    """
    layers = tuple(layers)
    if not layers:
        raise ValueError("a layer table needs at least one layer")
    rows = []
    for layer in layers:
        m, n, k = layer.gemm(batch)
        rep = layer.repeats(batch)
        rows.append(
            (m, n, k, rep, not layer.per_sample, rep * n * k, layer.input_words(batch), layer.output_words(batch))
        )
    arr = np.array(rows, dtype=np.int64)
    first = np.zeros(len(layers), dtype=bool)
    first[0] = True
    arr.setflags(write=False)
    return LayerTable(
        names=tuple(layer.name for layer in layers),
        M=arr[:, 0],
        N=arr[:, 1],
        K=arr[:, 2],
        rep=arr[:, 3],
        has_weights=arr[:, 4].astype(bool),
        b_words=arr[:, 5],
        in_words=arr[:, 6],
        out_words=arr[:, 7],
        first=first,
        batch=batch * layers[0].batch,
    )


@lru_cache(maxsize=128)
def layer_table(network: str, batch: int) -> LayerTable:
    """The cached :class:`LayerTable` of ``network`` (a name known to ``load_network``) at ``batch``."""
    return table_from_layers(load_network(network, batch))
