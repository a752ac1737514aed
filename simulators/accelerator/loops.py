"""A layer as a seven-deep loop nest and how each dataflow unrolls it over the PE array.

This is the one statement of *spatial unrolling* shared by the analytical model
(:mod:`.costmodel`: data movement for every dataflow, timing for ``rs``) and the ZigZag
translation (:mod:`.zigzag_translate`), so both backends map the same loops onto the same PEs.
(The analytical model times the systolic dataflows on the im2col GEMM instead, as SCALE-Sim
does: ZigZag's mapping format has one factor per loop, so it cannot express the flattened
``C·FY·FX`` unrolling of a systolic array; ``docs/accelerator.md``.)

**Loops** (ZigZag's names): ``B`` batch, ``K`` output channels, ``C`` input channels, ``OY``/``OX``
output rows/columns, ``FY``/``FX`` filter rows/columns, of one group (a grouped or depthwise
convolution runs ``groups`` times). Fully-connected and GEMM layers become 1 × 1 convolutions
whose pixel loop ``OX`` carries every GEMM row (``M`` tokens or samples), so ``B = OY = 1``.

**Unrolling** (array rows are ZigZag's ``D1``, columns ``D2``); each array dimension takes the
loops listed for it, in order, each as far as the loop and the PEs left allow
(``u₁ = min(L₁, side)``, ``u₂ = min(L₂, ⌊side / u₁⌋)``):

| dataflow | rows (D1) | columns (D2) | stationary in the PE | temporal (streamed) |
|---|---|---|---|---|
| ``ws`` weight-stationary (TPU-like) | ``C`` | ``K`` | weight | ``B, OY, OX, FY, FX`` |
| ``os`` output-stationary | ``OX``, then ``OY`` | ``K`` | output | ``B, C, FY, FX`` |
| ``is`` input-stationary | ``C`` | ``OX``, then ``OY`` | input | ``B, K, FY, FX`` |
| ``rs`` row-stationary (Eyeriss) | ``FY``, then ``C`` | ``OY``, then ``K`` | filter row | ``B, OX, FX`` |

A loop of length ``L`` unrolled ``u`` wide takes ``⌈L/u⌉`` passes, so only ``L / (⌈L/u⌉·u)``
of those PEs do useful work (a 3-channel first layer on a 16-row channel unroll: ``u = 3``,
3/16 of the rows). The ZigZag mapping pins exactly these factors.
"""

from __future__ import annotations

import numpy as np

from archgym.simulators.networks import Layer

__all__ = ["LOOP_DIMS", "SPATIAL", "STATIONARY", "layer_loops", "spatial_unrolling"]

LOOP_DIMS: tuple[str, ...] = ("B", "K", "C", "OY", "OX", "FY", "FX")

#: Loops unrolled over (rows, columns), in fill order, per dataflow.
SPATIAL: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "ws": (("C",), ("K",)),
    "os": (("OX", "OY"), ("K",)),
    "is": (("C",), ("OX", "OY")),
    "rs": (("FY", "C"), ("OY", "K")),
}

#: The operand held in each PE while the temporal loops stream (W weight, I input, O output).
STATIONARY: dict[str, str] = {"ws": "W", "os": "O", "is": "I", "rs": "W"}


def layer_loops(layer: Layer) -> dict[str, int]:
    """Loop bounds of one group of ``layer`` (see the module docstring), plus its ``stride``."""
    m, n, k = layer.gemm()
    if layer.kind == "conv":
        loops = {"B": layer.batch, "K": n, "C": layer.C // layer.groups, "OY": layer.Y, "OX": layer.X, "FY": layer.R, "FX": layer.S}
        return {**loops, "stride": layer.stride}
    return {"B": 1, "K": n, "C": k, "OY": 1, "OX": m, "FY": 1, "FX": 1, "stride": 1}


def spatial_unrolling(loops, rows, cols, dataflow: str) -> dict[str, np.ndarray]:
    """Unrolling factor of every loop (1 for temporal ones) on a ``rows × cols`` array.

    Args:
        loops: ``{dim: bound}``, scalars or arrays (e.g. ``(L,)`` over layers).
        rows, cols: array shape, scalars or arrays broadcast against the bounds (e.g. ``(D, 1)``).
        dataflow: a key of :data:`SPATIAL`.

    Returns:
        ``{dim: u}`` as ``int64`` arrays of the broadcast shape.
    """
    if dataflow not in SPATIAL:
        raise ValueError(f"unknown dataflow {dataflow!r}; allowed: {', '.join(SPATIAL)}")
    shape = np.broadcast_shapes(*(np.shape(loops[d]) for d in LOOP_DIMS), np.shape(rows), np.shape(cols))
    u = {d: np.ones(shape, dtype=np.int64) for d in LOOP_DIMS}
    for side, dims in zip((rows, cols), SPATIAL[dataflow]):
        left = np.broadcast_to(np.asarray(side, dtype=np.int64), shape)
        for d in dims:
            u[d] = np.maximum(np.minimum(np.asarray(loops[d], dtype=np.int64), left), 1)
            left = left // u[d]
    return u
