"""SparseSAT: an analytical model of N:M sparse DNN training on the SAT FPGA accelerator.

| module | what |
|---|---|
| :mod:`.simulator` | ``sparse_sat`` (``archgym/SparseSAT-v0``): problem card, :func:`simulate` |
| :mod:`.config` | :class:`SATConfig`, one design point |
| :mod:`.sparsity` | N:M patterns, pruning schemes (dense, SR-STE, BDWP), accuracy cost |
| :mod:`.layers` | layer tables (shared with the DNN accelerator model) as NumPy arrays |
| :mod:`.model` | per-layer FF/BP/WU GEMMs: STCE cycles, DRAM bytes, SORE and vector-engine work |
| :mod:`.schedule` | the iteration schedule: pre-generation, interleave barriers, offline scheduling |
| :mod:`.resources` | DSP/LUT/BRAM/URAM estimates vs the XCVU9P budget |
| :mod:`.energy` | energy from per-operation and per-byte constants |
| :mod:`.constants` | every stated constant, cited or marked as an assumption |

Importing the package does not import the simulator (it registers lazily).
"""

from archgym.simulators.sparse_sat.config import SATConfig

__all__ = ["SATConfig"]
