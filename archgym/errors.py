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

    The evaluation machinery records the call with ``outcome="infeasible"`` (``feasible=False``)
    and this message as the error text; the search goes on. Any other exception from a
    simulator is recorded ``outcome="error"`` instead (see :class:`RepeatedSimulatorError`).
    ``metrics`` may carry the figures that could be computed anyway (``archgym evaluate`` prints
    them next to the reason).
    """

    def __init__(self, reason: str, metrics: dict[str, float] | None = None):
        super().__init__(reason)
        self.metrics = dict(metrics) if metrics else {}


class RepeatedSimulatorError(ArchGymError):
    """A simulator raised an unexpected exception on ``count`` designs in a row; the run stops.

    Such exceptions are ``outcome="error"`` rows (a failure of the simulator, not a property of
    the design). One may be a bad corner of the simulator; several in a row usually mean it is
    broken (a missing tool, a bad configuration), so the evaluator stops instead of filling the
    dataset with errors.

    Attributes:
        simulator: the simulator's name.
        count: consecutive errors.
        last_error: ``"<ExceptionType>: <message>"`` of the last one.
        last_traceback: its formatted traceback.
    """

    def __init__(self, simulator: str, count: int, last_error: str, last_traceback: str):
        self.simulator = simulator
        self.count = count
        self.last_error = last_error
        self.last_traceback = last_traceback
        super().__init__(
            f"simulator {simulator!r} raised an error on {count} designs in a row; stopping the run "
            f"(last: {last_error})"
        )

    def __reduce__(self):  # picklable across Ray workers
        return (type(self), (self.simulator, self.count, self.last_error, self.last_traceback))


def did_you_mean(word: str, allowed: Iterable[str]) -> str:
    """Return ``" (did you mean 'x'?)"`` when a close match to ``word`` exists, else ``""``."""
    close = difflib.get_close_matches(str(word), [str(a) for a in allowed], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
