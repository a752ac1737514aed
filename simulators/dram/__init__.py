"""Cycle-level DRAM memory-controller simulator reading DRAMSys configs and traces.

See :mod:`archgym.simulators.dram.simulator` for the problem card and ``docs/dram.md``.
"""

from .simulator import DramSimulator

__all__ = ["DramSimulator"]
