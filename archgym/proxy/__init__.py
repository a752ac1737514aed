"""Proxy cost models: scikit-learn models trained on logged simulator calls.

A proxy learns one simulator's metrics from an ArchGym dataset (one model per metric, chosen
by cross-validation), is reported honestly on rows it never saw, is saved without pickle
(skops + a JSON model card), and stands in for the simulator through the same protocol::

    from archgym.proxy import train_proxy, register_proxy
    result = train_proxy("out/sweep/dataset", "dram", "out/proxy-dram")
    print(result.table())
    register_proxy("out/proxy-dram")        # simulator "dram-proxy", env archgym/DRAM-proxy-v0

Set ``ARCHGYM_PROXIES=out/proxy-dram`` (``os.pathsep``-separated) so that new processes
(Ray workers, ``archgym run --env archgym/DRAM-proxy-v0``) register it too
(:func:`register_from_env`). Heavy libraries (scikit-learn, skops, numba) load only when a
model is trained or loaded; registering reads the JSON card only.
"""

from __future__ import annotations

from typing import Any

from archgym.proxy.registry import ENV_VAR, make_proxy, register_from_env, register_proxy

__all__ = [
    "ENV_VAR",
    "ProxySimulator",
    "TrainConfig",
    "evaluate_proxy",
    "guided_search",
    "load_model",
    "make_proxy",
    "register_from_env",
    "register_proxy",
    "save_model",
    "train_and_report",
    "train_proxy",
]

_LAZY = {
    "ProxySimulator": "archgym.proxy.simulator",
    "ProxyMismatchError": "archgym.proxy.simulator",
    "TrainConfig": "archgym.proxy.train",
    "evaluate_proxy": "archgym.proxy.pipeline",
    "train_and_report": "archgym.proxy.pipeline",
    "train_proxy": "archgym.proxy.pipeline",
    "load_model": "archgym.proxy.persist",
    "save_model": "archgym.proxy.persist",
    "UntrustedModelError": "archgym.proxy.persist",
    "guided_search": "archgym.proxy.guided",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'archgym.proxy' has no attribute {name!r}")
