"""Compatibility alias: the layer tables live in :mod:`archgym.simulators.networks`.

Kept so code written against the old location keeps importing; new code imports
``archgym.simulators.networks`` (shared by every accelerator model, never a sibling's module).
"""

from archgym.simulators.networks import (  # noqa: F401
    DEFAULT_SEQ_LEN,
    NETWORKS,
    Layer,
    UnknownWorkloadError,
    find_layer,
    load_network,
    network_macs,
)

__all__ = ["Layer", "NETWORKS", "UnknownWorkloadError", "load_network", "find_layer", "network_macs"]
