"""Exceptions raised by ArchGym.

Every error a user can cause by bad input derives from :class:`ArchGymError`, so the CLI can
print it as one line (exit code 2) while library callers catch the specific subclass. Each
message names the offending thing and what is allowed.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class ArchGymError(Exception):
    """Base class of every user-facing ArchGym error."""


class InvalidDesignError(ArchGymError, ValueError):
    """A design names an unknown parameter, misses one, or holds a value out of its domain."""


class UnknownSimulatorError(ArchGymError, KeyError):
    """No simulator is registered under the requested name."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class UnknownWorkloadError(ArchGymError, ValueError):
    """A simulator was asked for a workload it does not know."""


class ConfigError(ArchGymError, ValueError):
    """A configuration file or option is malformed."""


class DatasetError(ArchGymError, ValueError):
    """A path is not an ArchGym dataset, or a dataset file is corrupt or of another schema."""


class InfeasibleDesign(ArchGymError):
    """Raised by a simulator's ``_evaluate`` when a (valid) design cannot be built or mapped.

    The evaluation machinery records the call with ``feasible=False`` and this message as the
    error text; the search goes on. ``metrics`` may carry the figures that could be computed
    anyway (``archgym evaluate`` prints them next to the reason).
    """

    def __init__(self, reason: str, metrics: dict[str, float] | None = None):
        super().__init__(reason)
        self.metrics = dict(metrics) if metrics else {}


def did_you_mean(word: str, allowed: Iterable[str]) -> str:
    """Return ``" (did you mean 'x'?)"`` when a close match to ``word`` exists, else ``""``."""
    close = difflib.get_close_matches(str(word), [str(a) for a in allowed], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
