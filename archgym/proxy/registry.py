"""Registering trained proxies as simulators (``<simulator>-proxy``, ``archgym/<Env>-proxy-v0``).

:func:`register_proxy` reads only the model card (JSON), so registering is cheap; the model
is loaded when the simulator is first built, once per process and model file.
:func:`register_from_env` registers every model directory listed in the environment variable
``ARCHGYM_PROXIES`` (``os.pathsep``-separated), so new processes — Ray workers,
``archgym run --env archgym/DRAM-proxy-v0`` — find the same proxies.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from pathlib import Path
from typing import Any

from archgym.errors import ArchGymError
from archgym.simulator import list_simulators, register_simulator, simulator_spec

__all__ = ["ENV_VAR", "make_proxy", "proxy_env_id", "register_from_env", "register_proxy"]

logger = logging.getLogger(__name__)

#: environment variable listing proxy model directories to register in every process
ENV_VAR = "ARCHGYM_PROXIES"

_LOCK = threading.Lock()
_MODELS: dict[tuple[str, str], Any] = {}


def make_proxy(model_dir: str, **kwargs: Any) -> Any:
    """Build a :class:`~archgym.proxy.simulator.ProxySimulator` from ``model_dir`` (the model is
    loaded once per process and file content, then shared)."""
    from archgym.proxy.persist import load_card, load_model
    from archgym.proxy.simulator import ProxySimulator, check_compatible, registered_simulator

    card = load_card(model_dir)
    key = (str(Path(model_dir).resolve()), str(card["models_sha256"]))
    with _LOCK:
        model = _MODELS.get(key)
        if model is None:
            real = registered_simulator(card["simulator"]) if kwargs.get("check_registered", True) else None
            check_compatible(card, real)
            model = load_model(model_dir, space=real.design_space if real is not None else None)
            _MODELS[key] = model
    sim = ProxySimulator(model, **kwargs)
    sim.model_dir = model_dir
    return sim


def _env_stem(simulator: str, card: dict[str, Any]) -> str:
    if simulator in list_simulators():
        return simulator_spec(simulator).env_name
    if card.get("env_name"):
        return str(card["env_name"])
    return "".join(p[:1].upper() + p[1:] for p in simulator.replace("-", "_").split("_"))


def proxy_env_id(card: dict[str, Any]) -> str:
    """The Gymnasium id a proxy with model card ``card`` is registered under (default name)."""
    return f"archgym/{_env_stem(str(card['simulator']), card)}-proxy-v0"


def register_proxy(model_dir: str | os.PathLike[str], name: str | None = None, overwrite: bool = False) -> str:
    """Register the proxy in ``model_dir`` as a simulator with its own Gymnasium id.

    Args:
        model_dir: a directory written by ``archgym proxy train`` (or :func:`save_model`).
        name: registry name (default ``<simulator>-proxy``); the Gymnasium id is
            ``archgym/<EnvName of the simulator>-proxy-v0``, e.g. ``archgym/DRAM-proxy-v0``.
        overwrite: replace a proxy registered under the same name from another directory.

    Returns:
        The registry name.

    Raises:
        ConfigError: ``model_dir`` is not a proxy model directory.
        ArchGymError: ``name`` is taken by another simulator and ``overwrite`` is False.
    """
    from archgym.proxy.persist import load_card

    path = str(Path(model_dir).resolve())
    card = load_card(path)
    name = name or f"{card['simulator']}-proxy"
    if name in list_simulators():
        factory = simulator_spec(name).factory
        if isinstance(factory, functools.partial) and factory.args == (path,):
            return name
    stem = _env_stem(card["simulator"], card)
    register_simulator(
        name,
        functools.partial(make_proxy, path),
        env_name=f"{stem}-proxy",
        description=f"proxy of {card['simulator']} v{card['version']} ({path})",
        overwrite=overwrite,
        source="runtime",
    )
    return name


def register_from_env(environ: dict[str, str] | None = None) -> list[str]:
    """Register every model directory in ``$ARCHGYM_PROXIES``; returns the registered names.

    A directory that cannot be registered is logged and skipped, so one stale path cannot
    break ``import archgym``.
    """
    value = (environ if environ is not None else os.environ).get(ENV_VAR, "")
    names = []
    for entry in filter(None, (p.strip() for p in value.split(os.pathsep))):
        try:
            names.append(register_proxy(entry, overwrite=True))
        except (ArchGymError, OSError) as exc:
            logger.warning("%s: cannot register proxy %s: %s", ENV_VAR, entry, exc)
    return names
