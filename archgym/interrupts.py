"""Ctrl-C and SIGTERM as one thing: an interrupt that stops a run or a sweep cleanly.

``archgym run`` and ``archgym sweep`` stop on Ctrl-C (SIGINT, Python's ``KeyboardInterrupt``)
and on SIGTERM (what ``kill``, ``timeout``, systemd and batch schedulers send) the same way:
the work in progress stops, every completed row is published, the command says how to resume
and exits with ``128 + signal number`` (130 for Ctrl-C, 143 for SIGTERM).

:func:`sigterm_as_interrupt` turns SIGTERM into :class:`Interrupted` (a ``KeyboardInterrupt``)
in the main thread; :func:`shielded` holds further signals while completed rows are written.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Iterator

__all__ = ["Interrupted", "exit_code", "raise_if_interrupted", "shielded", "sigterm_as_interrupt", "signal_name"]

logger = logging.getLogger(__name__)


class Interrupted(KeyboardInterrupt):
    """An interrupt by a signal other than SIGINT (``signum``), handled like Ctrl-C."""

    def __init__(self, signum: int):
        super().__init__(signal_name(signum))
        self.signum = signum


def signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def exit_code(exc: BaseException) -> int:
    """The shell's exit code for a process ended by the signal behind ``exc`` (130 for Ctrl-C)."""
    return 128 + int(getattr(exc, "signum", signal.SIGINT))


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


#: signals received inside :func:`sigterm_as_interrupt` (see :func:`raise_if_interrupted`)
_received: list[int] = []


def raise_if_interrupted() -> None:
    """Raise again an interrupt that arrived but was swallowed on its way up.

    Compiled code (Numba) can turn the ``KeyboardInterrupt`` raised in it into another
    exception, which a caller may then treat as an ordinary failure; a loop calls this after
    each step so the interrupt still stops it.
    """
    if _received:
        signum = _received[-1]
        raise KeyboardInterrupt() if signum == signal.SIGINT else Interrupted(signum)


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`Interrupted` and SIGINT ``KeyboardInterrupt`` in the
    main thread, and both are remembered for :func:`raise_if_interrupted` (elsewhere: no-op)."""
    if not _main_thread():
        yield
        return

    def _raise(signum: int, frame: object) -> None:
        _received.append(signum)
        raise KeyboardInterrupt() if signum == signal.SIGINT else Interrupted(signum)

    _received.clear()
    old = {s: signal.signal(s, _raise) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        _received.clear()


@contextlib.contextmanager
def shielded(what: str = "writing the completed rows") -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM only log that ``what`` is under way (main thread only).

    For the short clean-up after an interrupt, so a second Ctrl-C cannot tear it.
    """
    if not _main_thread():
        yield
        return

    def _wait(signum: int, frame: object) -> None:
        logger.warning("%s received while %s; please wait", signal_name(signum), what)

    old = {s: signal.signal(s, _wait) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)
