"""The one translation of a ``dnn_accel`` design and a layer into ZigZag's inputs.

Used by the ``zigzag`` backend (:mod:`.zigzag_backend`) and by
``benchmarks/bench_accel_fidelity.py``, so both compare the same machine design by design.

| ``dnn_accel`` parameter | ZigZag accelerator (YAML fields) |
|---|---|
| ``pe_rows × pe_cols`` | ``operational_array.sizes: [rows, cols]`` (D1, D2); ``systolic_dimensions: [D1, D2]`` for ``os``/``ws``/``is`` |
| ``precision_bits`` | every operand's precision (partial sums kept at the word width, as the analytical model counts words) |
| ``rf_bytes``, ``rf_class`` | one register file per PE (``served_dimensions: []``) of ``rf_bytes·8`` bits holding all three operands, one read and one write port of one word per operand (two for outputs: to the MAC and to the GLB); access energy :func:`~.tables.e_rf_word` |
| ``glb_kib``, ``glb_banks``, ``noc_words`` | a shared global buffer of ``glb_kib·8192`` bits serving the whole array, one read and one write port of ``min(glb_banks·64, noc_words·bits)`` bits per cycle (the banks and the NoC width are both limits on the same path); access energy :func:`~.tables.e_glb_word` at the buffer's total size |
| ``dram_gbps`` | DRAM with one read-write port of ``⌊8·dram_gbps / clock_ghz⌋`` bits per cycle; :func:`~.tables.e_dram_word` |
| ``dataflow`` | the mapping's ``spatial_mapping``: the unrolling factors of :func:`.loops.spatial_unrolling` for the layer; temporal ordering left to ZigZag's LOMA search |
| MAC | ``operational_array.unit_energy`` = :func:`~.tables.e_mac` |

Ports have ``bandwidth_min`` one word so ZigZag counts word accesses; the energy per access at
``bandwidth_max`` is the per-word energy times the words per access, so both tools charge the
same energy per word moved. The per-access energies come from :mod:`.tables` (Horowitz 2014
scaling), not CACTI, so a disagreement between the backends is a disagreement in *counts*.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from archgym.simulators.accelerator import tables
from archgym.simulators.accelerator.loops import LOOP_DIMS, SPATIAL, layer_loops, spatial_unrolling
from archgym.simulators.networks import Layer

__all__ = ["scalesim_design", "zigzag_accelerator", "zigzag_inputs", "zigzag_layer", "zigzag_mapping"]

SYSTOLIC = ("os", "ws", "is")


def _port(name: str, kind: str, bw: int, word: int, allocation: list[str]) -> dict[str, Any]:
    return {"name": name, "type": kind, "bandwidth_min": int(word), "bandwidth_max": int(bw), "allocation": allocation}


def _memory(size_bits: int, e_word: float, bw: int, bits: int, operands: list[str], ports: list[dict], served: list[str]):
    cost = float(e_word) * bw / bits  # energy of one access of bandwidth_max bits
    return {
        "size": int(size_bits),
        "r_cost": cost,
        "w_cost": cost,
        "area": 0.0,
        "latency": 1,
        "operands": operands,
        "ports": ports,
        "served_dimensions": served,
    }


def zigzag_accelerator(design: Mapping[str, Any], clock_ghz: float = 1.0) -> dict[str, Any]:
    """The ZigZag accelerator description (the YAML as a dict) of a ``dnn_accel`` design."""
    bits = int(design["precision_bits"])
    rows, cols = int(design["pe_rows"]), int(design["pe_cols"])
    rf_bytes = int(design["rf_bytes"])
    glb_bytes = int(design["glb_kib"]) * 1024
    glb_bw = min(int(design["glb_banks"]) * tables.SRAM_PORT_BITS, int(design["noc_words"]) * bits)
    dram_bw = max(bits, int(8 * float(design["dram_gbps"]) / clock_ghz))
    e_rf = float(tables.e_rf_word(rf_bytes, bits, design["rf_class"] == "sram"))
    rf_ports = [
        _port("r_port_1", "read", bits, bits, ["I1, tl"]),
        _port("r_port_2", "read", bits, bits, ["I2, tl"]),
        _port("r_port_3", "read", bits, bits, ["O, tl"]),
        _port("r_port_4", "read", bits, bits, ["O, th"]),
        _port("w_port_1", "write", bits, bits, ["I1, fh"]),
        _port("w_port_2", "write", bits, bits, ["I2, fh"]),
        _port("w_port_3", "write", bits, bits, ["O, fh"]),
        _port("w_port_4", "write", bits, bits, ["O, fl"]),
    ]
    glb_ports = [
        _port("r_port_1", "read", glb_bw, bits, ["I1, tl", "I2, tl", "O, tl", "O, th"]),
        _port("w_port_1", "write", glb_bw, bits, ["I1, fh", "I2, fh", "O, fh", "O, fl"]),
    ]
    all_dirs = [f"{op}, {d}" for op in ("I1", "I2") for d in ("fh", "tl")] + [f"O, {d}" for d in ("fh", "tl", "fl", "th")]
    dram_ports = [_port("rw_port_1", "read_write", dram_bw, bits, all_dirs)]
    operational_array: dict[str, Any] = {
        "unit_energy": float(tables.e_mac(bits)),
        "unit_area": 1.0,
        "dimensions": ["D1", "D2"],
        "sizes": [rows, cols],
    }
    if design["dataflow"] in SYSTOLIC:
        operational_array["systolic_dimensions"] = ["D1", "D2"]
    return {
        "name": "archgym_dnn_accel",
        "memories": {
            "rf": _memory(rf_bytes * 8, e_rf, bits, bits, ["I1", "I2", "O"], rf_ports, []),
            "glb": _memory(glb_bytes * 8, float(tables.e_glb_word(glb_bytes, bits)), glb_bw, bits, ["I1", "I2", "O"], glb_ports, ["D1", "D2"]),
            "dram": _memory(10**10, float(tables.e_dram_word(bits)), dram_bw, bits, ["I1", "I2", "O"], dram_ports, ["D1", "D2"]),
        },
        "operational_array": operational_array,
    }


def zigzag_mapping(design: Mapping[str, Any], layer: Layer) -> list[dict[str, Any]]:
    """ZigZag's mapping file (as a list of dicts): the dataflow's unrolling of this layer's loops."""
    loops = layer_loops(layer)
    u = spatial_unrolling(loops, int(design["pe_rows"]), int(design["pe_cols"]), design["dataflow"])
    rows_dims, cols_dims = SPATIAL[design["dataflow"]]
    spatial = {
        "D1": [f"{d}, {int(u[d])}" for d in rows_dims],
        "D2": [f"{d}, {int(u[d])}" for d in cols_dims],
    }
    return [{"name": "default", "spatial_mapping": spatial, "memory_operand_links": {"O": "O", "W": "I2", "I": "I1"}}]


def zigzag_layer(layer: Layer, bits: int) -> list[dict[str, Any]]:
    """ZigZag's workload file (one layer, one group) as a list of dicts."""
    loops = layer_loops(layer)
    s = loops["stride"]
    return [
        {
            "id": 0,
            "name": layer.name,
            "operator_type": "Conv",
            "equation": "O[b][k][oy][ox]+=W[k][c][fy][fx]*I[b][c][iy][ix]",
            "dimension_relations": [f"ix={s}*ox+1*fx", f"iy={s}*oy+1*fy"],
            "loop_dims": list(LOOP_DIMS),
            "loop_sizes": [int(loops[d]) for d in LOOP_DIMS],
            "operand_precision": {"W": bits, "I": bits, "O": bits, "O_final": bits},
            "operand_source": {"I": 0, "W": 0},
        }
    ]


def scalesim_design(design: Mapping[str, Any]) -> dict[str, Any]:
    """The SCALE-Sim design of a systolic ``dnn_accel`` design (the third backend of the same space).

    Array shape and dataflow carry over; the GLB is split evenly into SCALE-Sim's three SRAMs (each
    rounded down to a power of two, at least 16 KiB). SCALE-Sim has no register file, NoC or ``rs``.

    Raises:
        ValueError: the design is row-stationary or its array sides are not powers of two in 8 … 256.
    """
    rows, cols, df = int(design["pe_rows"]), int(design["pe_cols"]), design["dataflow"]
    if df not in SYSTOLIC:
        raise ValueError(f"SCALE-Sim runs the systolic dataflows {', '.join(SYSTOLIC)} only, not {df!r}")
    for side in (rows, cols):
        if side & (side - 1) or not 8 <= side <= 256:
            raise ValueError(f"SCALE-Sim's array sides are powers of two in 8..256, got {rows}x{cols}")
    third = max(16, 1 << (max(int(design["glb_kib"]) // 3, 1).bit_length() - 1))
    return {"array_rows": rows, "array_cols": cols, "dataflow": df,
            "ifmap_sram_kib": third, "filter_sram_kib": third, "ofmap_sram_kib": third}


def zigzag_inputs(design: Mapping[str, Any], layer: Layer, clock_ghz: float = 1.0):
    """``(accelerator, mapping, workload)`` dicts for one ``dnn_accel`` design and one layer."""
    return zigzag_accelerator(design, clock_ghz), zigzag_mapping(design, layer), zigzag_layer(layer, int(design["precision_bits"]))
