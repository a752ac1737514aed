"""Joining a Ray cluster (``--address``) before anything is created, with a timeout.

``ray.init(address=...)`` to an address nobody answers at blocks inside Ray's C++ client for
minutes, deaf to Ctrl-C and SIGTERM. :func:`connect_ray` therefore first opens a plain TCP
connection to ``HOST:PORT`` (an unreachable or closed address fails here, fast), then runs
``ray.init`` in a helper thread while the main thread waits at most ``timeout_s`` in total and
stays responsive to signals. Either failure is one :class:`~archgym.errors.ConfigError` line.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from typing import Any

from archgym.errors import ConfigError

__all__ = ["DEFAULT_CONNECT_TIMEOUT_S", "connect_ray", "parse_address"]

logger = logging.getLogger(__name__)

DEFAULT_CONNECT_TIMEOUT_S = 30.0


def parse_address(address: str) -> tuple[str, int] | None:
    """``(host, port)`` of ``HOST:PORT`` or ``ray://HOST:PORT``; ``None`` for ``auto``/``local``.

    Raises:
        ConfigError: the address is not of that form.
    """
    text = address.strip()
    if text in ("auto", "local"):
        return None
    rest = text.split("://", 1)[1] if "://" in text else text
    host, sep, port = rest.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"--address {address!r} is not HOST:PORT (e.g. 10.0.0.5:6379), ray://HOST:PORT or 'auto'")
    return host, int(port)


def _check_reachable(address: str, host: str, port: int, timeout_s: float) -> None:
    t0 = time.monotonic()
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            pass
    except OSError as exc:
        waited = time.monotonic() - t0
        why = "no answer" if isinstance(exc, (TimeoutError, socket.timeout)) else (exc.strerror or type(exc).__name__)
        raise ConfigError(
            f"cannot reach the Ray cluster at --address {address} ({why} after {waited:.1f} s); "
            f"start it with `ray start --head`, check the address, or raise --connect-timeout"
        ) from None


def connect_ray(address: str, timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S, **init_kwargs: Any) -> None:
    """``ray.init(address=address, **init_kwargs)``, giving up after ``timeout_s`` seconds.

    Raises:
        ConfigError: the address is malformed or unreachable, Ray refuses, or it does not answer
            within ``timeout_s`` (one line naming the address and what to do).
    """
    if not timeout_s > 0:
        raise ConfigError(f"--connect-timeout must be > 0 seconds, got {timeout_s!r}")
    t0 = time.monotonic()
    target = parse_address(address)
    if target is not None:
        _check_reachable(address, *target, timeout_s)
    import ray

    outcome: dict[str, BaseException | None] = {}

    def _init() -> None:
        try:
            ray.init(address=address, **init_kwargs)
            outcome["error"] = None
        except BaseException as exc:  # noqa: BLE001 - reported by the waiting thread
            outcome["error"] = exc

    # Ray warns that it cannot set its SIGTERM handler outside the main thread: that is the point.
    worker_log = logging.getLogger("ray._private.worker")
    level = worker_log.level
    worker_log.setLevel(logging.ERROR)
    thread = threading.Thread(target=_init, name="archgym-ray-connect", daemon=True)
    try:
        thread.start()
        while thread.is_alive():
            left = timeout_s - (time.monotonic() - t0)
            if left <= 0:
                raise ConfigError(
                    f"the Ray cluster at --address {address} accepted a connection but did not answer within "
                    f"{timeout_s:g} s; is a Ray head running there (`ray start --head`)? or raise --connect-timeout"
                )
            thread.join(min(left, 0.2))  # short waits: signals reach the main thread
    finally:
        worker_log.setLevel(level)
    error = outcome.get("error")
    if error is not None:
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise ConfigError(f"cannot join the Ray cluster at --address {address}: {first}") from None
    logger.info("joined the Ray cluster at %s in %.1f s", address, time.monotonic() - t0)
