"""Built-in simulators, registered lazily (importing this package imports none of them).

| registry name | Gymnasium id | module |
|---|---|---|
| ``dram`` | ``archgym/DRAM-v0`` | :mod:`archgym.simulators.dram` |
| ``dnn_accel`` | ``archgym/DNNAccel-v0`` | :mod:`archgym.simulators.accelerator` |
| ``dnn_mapping`` | ``archgym/DNNMapping-v0`` | :mod:`archgym.simulators.accelerator` |
| ``scalesim`` | ``archgym/ScaleSim-v0`` | :mod:`archgym.simulators.accelerator` (SCALE-Sim adapter) |
| ``zigzag`` | ``archgym/ZigZag-v0`` | :mod:`archgym.simulators.accelerator` (ZigZag adapter) |
| ``sparse_sat`` | ``archgym/SparseSAT-v0`` | :mod:`archgym.simulators.sparse_sat` |
| ``qnet`` | ``archgym/QNetSched-v0`` | :mod:`archgym.simulators.qnet` |
"""

from __future__ import annotations

from pathlib import Path

from archgym.simulator import register_simulator

_HERE = Path(__file__).parent

# (registry name, "module:attribute" relative to this package, Gymnasium id stem, one line)
BUILTINS: tuple[tuple[str, str, str, str], ...] = (
    ("dram", "dram.simulator:DramSimulator", "DRAM", "cycle-level DRAM memory controller (DRAMSys formats)"),
    ("dnn_accel", "accelerator.simulator:DNNAccelSimulator", "DNNAccel", "spatial DNN accelerator, analytical cost model with mapper"),
    ("dnn_mapping", "accelerator.mapping:DNNMappingSimulator", "DNNMapping", "one layer's mapping on a fixed spatial array"),
    ("scalesim", "accelerator.scalesim_backend:ScaleSimSimulator", "ScaleSim", "SCALE-Sim systolic-array simulator (external, PyPI)"),
    ("zigzag", "accelerator.zigzag_backend:ZigZagSimulator", "ZigZag", "ZigZag DNN-accelerator cost model over the dnn_accel design space (external, PyPI)"),
    ("sparse_sat", "sparse_sat.simulator:SparseSATSimulator", "SparseSAT", "N:M sparse training accelerator (SAT) on an FPGA"),
    ("qnet", "qnet.simulator:QNetSimulator", "QNetSched", "QoS-aware entanglement scheduling in a quantum network"),
)


def _register_builtins() -> None:
    from archgym.registry import _REGISTRY  # noqa: PLC0415  (a name taken at run time first keeps its owner)

    for name, target, env_name, description in BUILTINS:
        if name in _REGISTRY:
            continue
        module, _, attr = target.partition(":")
        if not (_HERE / (module.replace(".", "/") + ".py")).exists():
            continue  # not part of this build
        register_simulator(
            name,
            f"{__name__}.{module}:{attr}",
            env_name=env_name,
            description=description,
            source="builtin",
        )


_register_builtins()
