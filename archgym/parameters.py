"""Parameter domains of a design space: what one knob may take, and its encodings.

:class:`Categorical`, :class:`Ordinal`, :class:`Integer`, :class:`PowerOfTwo` and :class:`Real`
each know their values, how to validate and coerce a value, and how to map it to an index (for
index-vector agents) and to the unit interval (for BO). :class:`archgym.space.ParameterSpace`
combines them; import them from :mod:`archgym.space` or :mod:`archgym`.
"""

from __future__ import annotations

import json
import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from archgym.errors import InvalidDesignError

__all__ = ["Categorical", "Integer", "Ordinal", "Parameter", "PowerOfTwo", "Real", "parameter_from_json", "to_plain"]


def to_plain(value: Any) -> Any:
    """Turn NumPy scalars into the equivalent Python scalar (designs hold plain values)."""
    if isinstance(value, np.generic):
        return value.item()
    return value


class Parameter(ABC):
    """One design knob's domain. Subclasses are immutable value objects."""

    #: ``"str"``, ``"int"``, ``"float"`` or ``"bool"``: the column type of ``p_<name>``.
    dtype: str = "str"

    @property
    @abstractmethod
    def cardinality(self) -> int:
        """Number of index positions (the grid size for :class:`Real`)."""

    @property
    def is_discrete(self) -> bool:
        return True

    @abstractmethod
    def value_at(self, index: int) -> Any:
        """The value at index position ``index`` (``0 <= index < cardinality``)."""

    @abstractmethod
    def index_of(self, value: Any) -> int:
        """The index position of ``value`` (nearest grid point for :class:`Real`)."""

    @abstractmethod
    def contains(self, value: Any) -> bool:
        """Whether ``value`` lies in the domain."""

    @abstractmethod
    def describe(self) -> str:
        """What is allowed, in words, for error messages."""

    @abstractmethod
    def to_json(self) -> dict[str, Any]:
        """A JSON-serialisable description; :func:`parameter_from_json` inverts it."""

    def values(self) -> list[Any]:
        """All values, in index order (discrete parameters only)."""
        return [self.value_at(i) for i in range(self.cardinality)]

    def to_unit(self, value: Any) -> float:
        """Map a value into ``[0, 1]``; discrete values land on bin centres."""
        return (self.index_of(value) + 0.5) / self.cardinality

    def from_unit(self, u: float) -> Any:
        """Map ``u`` in ``[0, 1]`` back to a value (clipped)."""
        i = int(math.floor(float(u) * self.cardinality))
        return self.value_at(min(max(i, 0), self.cardinality - 1))

    def sample(self, rng: np.random.Generator, n: int) -> list[Any]:
        """``n`` uniformly random values."""
        return [self.value_at(int(i)) for i in rng.integers(0, self.cardinality, size=n)]

    def parse(self, text: str) -> Any:
        """Parse a command-line string into a value of this domain (may raise ValueError)."""
        return text

    def to_tune(self) -> Any:
        """The equivalent Ray Tune search-space domain."""
        from ray import tune

        return tune.choice(self.values())

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.to_json() == other.to_json()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(json.dumps(self.to_json(), sort_keys=True))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.to_json().items() if k != "kind")
        return f"{type(self).__name__}({args})"


def _infer_dtype(values: Sequence[Any]) -> str:
    if all(isinstance(v, bool) for v in values):
        return "bool"
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "int"
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return "float"
    return "str"


class _ListParameter(Parameter):
    """A parameter whose domain is an explicit list of values."""

    def __init__(self, values: Iterable[Any]):
        vals = [to_plain(v) for v in values]
        if not vals:
            raise ValueError(f"{type(self).__name__} needs at least one value")
        if len(set(map(repr, vals))) != len(vals):
            raise ValueError(f"{type(self).__name__} values must be distinct, got {vals!r}")
        self._values = tuple(vals)
        self._index = {self._key(v): i for i, v in enumerate(vals)}
        self.dtype = _infer_dtype(vals)

    @staticmethod
    def _key(value: Any) -> Any:
        value = to_plain(value)
        # 1 == 1.0 == True in Python; keep bools apart from numbers, merge ints with floats.
        if isinstance(value, bool):
            return ("bool", value)
        if isinstance(value, (int, float)):
            return ("num", float(value))
        return ("obj", value)

    @property
    def cardinality(self) -> int:
        return len(self._values)

    def value_at(self, index: int) -> Any:
        return self._values[int(index)]

    def index_of(self, value: Any) -> int:
        try:
            return self._index[self._key(value)]
        except (KeyError, TypeError):
            raise InvalidDesignError(f"{value!r} is not one of {list(self._values)!r}") from None

    def contains(self, value: Any) -> bool:
        try:
            return self._key(value) in self._index
        except TypeError:
            return False

    def values(self) -> list[Any]:
        return list(self._values)

    def parse(self, text: str) -> Any:
        for v in self._values:
            if str(v) == text or (isinstance(v, str) and v.lower() == text.lower()):
                return v
        if self.dtype in ("int", "float"):
            try:
                return float(text) if "." in text or "e" in text.lower() else int(text)
            except ValueError:
                pass
        return text


class Categorical(_ListParameter):
    """Unordered choices, e.g. ``Categorical(["Open", "Closed"])``."""

    def describe(self) -> str:
        return f"one of {list(self._values)!r}"

    def to_json(self) -> dict[str, Any]:
        return {"kind": "categorical", "choices": list(self._values)}


class Ordinal(_ListParameter):
    """An ordered list of numbers, e.g. ``Ordinal([7, 14])``; kept sorted ascending."""

    def __init__(self, values: Iterable[float]):
        vals = sorted(to_plain(v) for v in values)
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals):
            raise ValueError(f"Ordinal values must be numbers, got {vals!r}")
        super().__init__(vals)

    def describe(self) -> str:
        return f"one of {list(self._values)!r}"

    def to_json(self) -> dict[str, Any]:
        return {"kind": "ordinal", "values": list(self._values)}


class Integer(Parameter):
    """Every integer in ``[low, high]`` (inclusive)."""

    dtype = "int"

    def __init__(self, low: int, high: int):
        if int(low) != low or int(high) != high or high < low:
            raise ValueError(f"Integer needs integers low <= high, got [{low}, {high}]")
        self.low, self.high = int(low), int(high)

    @property
    def cardinality(self) -> int:
        return self.high - self.low + 1

    def value_at(self, index: int) -> int:
        return self.low + int(index)

    def index_of(self, value: Any) -> int:
        if not self.contains(value):
            raise InvalidDesignError(f"{value!r} is not {self.describe()}")
        return int(value) - self.low

    def contains(self, value: Any) -> bool:
        value = to_plain(value)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        return float(value).is_integer() and self.low <= value <= self.high

    def describe(self) -> str:
        return f"an integer in [{self.low}, {self.high}]"

    def to_json(self) -> dict[str, Any]:
        return {"kind": "integer", "low": self.low, "high": self.high}

    def parse(self, text: str) -> int:
        return int(text)

    def to_tune(self) -> Any:
        from ray import tune

        return tune.randint(self.low, self.high + 1)


class PowerOfTwo(Parameter):
    """Powers of two ``low, 2·low, ..., high``; both bounds must be powers of two."""

    dtype = "int"

    def __init__(self, low: int, high: int):
        for b in (low, high):
            if int(b) != b or b < 1 or (int(b) & (int(b) - 1)):
                raise ValueError(f"PowerOfTwo bounds must be powers of two >= 1, got {b!r}")
        if high < low:
            raise ValueError(f"PowerOfTwo needs low <= high, got [{low}, {high}]")
        self.low, self.high = int(low), int(high)
        self._lo_exp = self.low.bit_length() - 1

    @property
    def cardinality(self) -> int:
        return self.high.bit_length() - self.low.bit_length() + 1

    def value_at(self, index: int) -> int:
        return 1 << (self._lo_exp + int(index))

    def index_of(self, value: Any) -> int:
        if not self.contains(value):
            raise InvalidDesignError(f"{value!r} is not {self.describe()}")
        return int(value).bit_length() - 1 - self._lo_exp

    def contains(self, value: Any) -> bool:
        value = to_plain(value)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not float(value).is_integer():
            return False
        v = int(value)
        return self.low <= v <= self.high and v & (v - 1) == 0

    def describe(self) -> str:
        return f"a power of two in [{self.low}, {self.high}]"

    def to_json(self) -> dict[str, Any]:
        return {"kind": "power_of_two", "low": self.low, "high": self.high}

    def parse(self, text: str) -> int:
        return int(text)


class Real(Parameter):
    """A continuous interval ``[low, high]``, optionally log-scaled.

    For index encodings (GA, ACO, MultiDiscrete) the interval is discretised on ``grid``
    evenly spaced points (evenly in log space when ``log``).
    """

    dtype = "float"

    def __init__(self, low: float, high: float, log: bool = False, grid: int = 65):
        if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
            raise ValueError(f"Real needs finite low < high, got [{low}, {high}]")
        if log and low <= 0:
            raise ValueError(f"a log-scaled Real needs low > 0, got {low}")
        if grid < 2:
            raise ValueError(f"Real grid needs at least 2 points, got {grid}")
        self.low, self.high, self.log, self.grid = float(low), float(high), bool(log), int(grid)

    @property
    def is_discrete(self) -> bool:
        return False

    @property
    def cardinality(self) -> int:
        return self.grid

    def _u(self, value: float) -> float:
        if self.log:
            return (math.log(value) - math.log(self.low)) / (math.log(self.high) - math.log(self.low))
        return (value - self.low) / (self.high - self.low)

    def _from_u(self, u: float) -> float:
        u = min(max(float(u), 0.0), 1.0)
        if self.log:
            v = math.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))
        else:
            v = self.low + u * (self.high - self.low)
        return min(max(v, self.low), self.high)

    def value_at(self, index: int) -> float:
        return self._from_u(int(index) / (self.grid - 1))

    def index_of(self, value: Any) -> int:
        if not self.contains(value):
            raise InvalidDesignError(f"{value!r} is not {self.describe()}")
        return int(round(self._u(float(value)) * (self.grid - 1)))

    def contains(self, value: Any) -> bool:
        value = to_plain(value)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        return math.isfinite(value) and self.low <= value <= self.high

    def to_unit(self, value: Any) -> float:
        if not self.contains(value):
            raise InvalidDesignError(f"{value!r} is not {self.describe()}")
        return self._u(float(value))

    def from_unit(self, u: float) -> float:
        return self._from_u(u)

    def sample(self, rng: np.random.Generator, n: int) -> list[float]:
        return [self._from_u(u) for u in rng.random(n)]

    def values(self) -> list[Any]:
        raise TypeError("a Real parameter has no finite list of values")

    def describe(self) -> str:
        return f"a number in [{self.low:g}, {self.high:g}]" + (" (log scale)" if self.log else "")

    def to_json(self) -> dict[str, Any]:
        return {"kind": "real", "low": self.low, "high": self.high, "log": self.log, "grid": self.grid}

    def parse(self, text: str) -> float:
        return float(text)

    def to_tune(self) -> Any:
        from ray import tune

        return tune.loguniform(self.low, self.high) if self.log else tune.uniform(self.low, self.high)


_KINDS: dict[str, Callable[..., Parameter]] = {
    "categorical": lambda d: Categorical(d["choices"]),
    "ordinal": lambda d: Ordinal(d["values"]),
    "integer": lambda d: Integer(d["low"], d["high"]),
    "power_of_two": lambda d: PowerOfTwo(d["low"], d["high"]),
    "real": lambda d: Real(d["low"], d["high"], d.get("log", False), d.get("grid", 65)),
}


def parameter_from_json(data: Mapping[str, Any]) -> Parameter:
    """Inverse of :meth:`Parameter.to_json`."""
    kind = data.get("kind")
    if kind not in _KINDS:
        raise ValueError(f"unknown parameter kind {kind!r}; allowed: {sorted(_KINDS)}")
    return _KINDS[kind](data)
