"""Torch thread control shared by the torch-based agents (BO, RL).

On a small shared machine torch's default (one thread per core) made Stable-Baselines3 and
BoTorch 10–30× slower whenever anything else ran (see the dependencies note); agents set one
thread by default. The setting is process-wide, as torch's is.
"""

from __future__ import annotations

import logging

__all__ = ["set_torch_threads"]

logger = logging.getLogger(__name__)


def set_torch_threads(n: int) -> None:
    """Set torch's intra-op threads to ``n`` (``0`` leaves torch's setting alone)."""
    if n and n > 0:
        import torch

        if torch.get_num_threads() != n:
            logger.debug("torch threads %d -> %d", torch.get_num_threads(), n)
            torch.set_num_threads(int(n))
