"""Design spaces: the single source of truth for what a simulator's knobs may take.

A :class:`ParameterSpace` maps parameter names to parameter domains:

* :class:`Categorical` — unordered choices (``PagePolicy in {Open, Closed, ...}``);
* :class:`Integer` — every integer in ``[low, high]``;
* :class:`PowerOfTwo` — ``low, 2·low, ..., high`` (both powers of two);
* :class:`Ordinal` — an ordered list of numbers (``{7, 14}``, ``{16, 32, 64, 128}``);
* :class:`Real` — a continuous interval, optionally log-scaled.

Every search agent sees the same space through one of three encodings:

* **index vectors** (``encode``/``decode``): one integer per parameter, ``0 <= i < nvec[j]``;
  a :class:`Real` is discretised on a fixed grid of ``grid`` points for this encoding;
* **unit-cube vectors** (``encode_unit``/``decode_unit``): one float in ``[0, 1]`` per
  parameter; discrete parameters map to the centres of equal bins so the round trip is exact;
* **Gymnasium spaces** (``to_gymnasium``): ``MultiDiscrete(nvec)`` when every parameter is
  discrete, otherwise ``Box(0, 1, (d,))`` over the unit cube (Stable-Baselines3 rejects ``Dict``
  actions, so neither is a ``Dict``).

Constraints are predicates over a whole design; a design that violates one is *infeasible*
(marked, evaluated as such, never silently dropped), not *invalid*.

Example:
    >>> space = ParameterSpace({"rows": PowerOfTwo(4, 64), "dataflow": Categorical(["os", "ws"])})
    >>> space.size
    10
    >>> space.decode(space.encode({"rows": 16, "dataflow": "ws"}))
    {'rows': 16, 'dataflow': 'ws'}
"""


from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from archgym.errors import InvalidDesignError, did_you_mean
from archgym.parameters import (
    Categorical,
    Integer,
    Ordinal,
    Parameter,
    PowerOfTwo,
    Real,
    _ListParameter,
    parameter_from_json,
)
from archgym.parameters import to_plain as _plain

Design = dict[str, Any]

__all__ = [
    "Categorical",
    "Constraint",
    "Design",
    "Integer",
    "Ordinal",
    "Parameter",
    "ParameterSpace",
    "PowerOfTwo",
    "Real",
]

@dataclass(frozen=True)
class Constraint:
    """A predicate over a whole design; ``predicate(design)`` is True when the design is feasible.

    Attributes:
        name: short identifier, reported when violated.
        predicate: ``design -> bool``.
        description: what the constraint requires, in words.
    """

    name: str
    predicate: Callable[[Design], bool] = field(compare=False)
    description: str = ""


class ParameterSpace:
    """An ordered mapping ``name -> Parameter`` plus optional constraints.

    Args:
        parameters: ``{name: Parameter}``, in the order used by every vector encoding.
        constraints: feasibility predicates (see :class:`Constraint`).
    """

    def __init__(self, parameters: Mapping[str, Parameter], constraints: Sequence[Constraint] = ()):
        if not parameters:
            raise ValueError("a ParameterSpace needs at least one parameter")
        for name, p in parameters.items():
            if not isinstance(p, Parameter):
                raise TypeError(f"parameter {name!r} must be a Parameter, got {type(p).__name__}")
        self.parameters: dict[str, Parameter] = dict(parameters)
        self.constraints: tuple[Constraint, ...] = tuple(constraints)
        self.names: tuple[str, ...] = tuple(self.parameters)
        self.nvec: np.ndarray = np.array([p.cardinality for p in self.parameters.values()], dtype=np.int64)
        self._params = list(self.parameters.values())
        # Lookup tables for fast vectorised decoding of discrete parameters.
        self._tables = [p.values() if p.is_discrete else None for p in self._params]

    # -- basic properties -------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.names)

    def __iter__(self):
        return iter(self.names)

    def __getitem__(self, name: str) -> Parameter:
        return self.parameters[name]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ParameterSpace) and self.to_json() == other.to_json()

    def __hash__(self) -> int:
        return hash(self.fingerprint())

    def __repr__(self) -> str:
        body = ", ".join(f"{n}={p!r}" for n, p in self.parameters.items())
        return f"ParameterSpace({body})"

    @property
    def is_discrete(self) -> bool:
        """True when every parameter has a finite list of values."""
        return all(p.is_discrete for p in self._params)

    @property
    def size(self) -> int | None:
        """Number of distinct designs, or ``None`` when a parameter is continuous."""
        if not self.is_discrete:
            return None
        return math.prod(int(n) for n in self.nvec)

    # -- validation -------------------------------------------------------------------
    def validate(self, design: Mapping[str, Any]) -> Design:
        """Check a design and return it with plain Python values, in parameter order.

        Raises:
            InvalidDesignError: naming the unknown or missing parameter, or the bad value and
                what is allowed.
        """
        self.check_keys(design)
        out: Design = {}
        for name, p in self.parameters.items():
            value = _plain(design[name])
            if not p.contains(value):
                raise InvalidDesignError(f"parameter {name!r}: {value!r} is not allowed; expected {p.describe()}")
            if isinstance(p, _ListParameter):
                value = p.value_at(p.index_of(value))  # canonical form (e.g. 8.0 -> 8)
            elif p.dtype == "int":
                value = int(value)
            elif p.dtype == "float":
                value = float(value)
            out[name] = value
        return out

    def check_keys(self, design: Any, where: str = "") -> None:
        """Raise :class:`InvalidDesignError` unless ``design`` is a mapping with exactly this space's names.

        Args:
            design: the candidate design.
            where: appended to the message to locate the design (e.g. ``" (design 3)"``).
        """
        if not isinstance(design, Mapping):
            raise InvalidDesignError(f"a design must be a mapping of parameter names to values, got {type(design).__name__}")
        if len(design) == len(self.names) and all(n in design for n in self.names):
            return
        unknown = [k for k in design if k not in self.parameters]
        if unknown:
            k = unknown[0]
            raise InvalidDesignError(
                f"unknown parameter {k!r}{did_you_mean(str(k), self.names)}{where}; allowed: {', '.join(self.names)}"
            )
        missing = [n for n in self.names if n not in design]
        raise InvalidDesignError(f"design is missing parameter(s) {', '.join(map(repr, missing))}{where}")

    def feasibility(self, design: Mapping[str, Any]) -> tuple[bool, str | None]:
        """``(True, None)`` or ``(False, reason)`` for the first violated constraint."""
        for c in self.constraints:
            if not c.predicate(design):
                return False, f"constraint {c.name!r} violated" + (f": {c.description}" if c.description else "")
        return True, None

    def is_feasible(self, design: Mapping[str, Any]) -> bool:
        return self.feasibility(design)[0]

    def parse_design(self, assignments: Iterable[str], base: Mapping[str, Any] | None = None) -> Design:
        """Build a design from ``KEY=VALUE`` strings, starting from ``base`` (e.g. the baseline)."""
        design = dict(base or {})
        given: dict[str, str] = {}
        for item in assignments:
            if "=" not in item:
                raise InvalidDesignError(f"malformed design assignment {item!r}: expected KEY=VALUE")
            key, text = (s.strip() for s in item.split("=", 1))
            if key in given:
                raise InvalidDesignError(f"parameter {key!r} given twice ({given[key]!r} and {text!r}); give each parameter once")
            given[key] = text
            if key not in self.parameters:
                raise InvalidDesignError(
                    f"unknown parameter {key!r}{did_you_mean(key, self.names)}; allowed: {', '.join(self.names)}"
                )
            p = self.parameters[key]
            try:
                design[key] = p.parse(text)
            except ValueError:
                raise InvalidDesignError(f"parameter {key!r}: cannot read {text!r}; expected {p.describe()}") from None
        return self.validate(design)

    # -- sampling ---------------------------------------------------------------------
    def sample(self, rng: np.random.Generator, n: int = 1, feasible_only: bool = False) -> list[Design]:
        """``n`` designs drawn uniformly (independently per parameter).

        With ``feasible_only`` designs violating a constraint are redrawn (up to 1000 rounds).
        """
        if not isinstance(rng, np.random.Generator):
            raise TypeError("sample() needs a numpy.random.Generator (e.g. np.random.default_rng(seed))")
        columns = [p.sample(rng, n) for p in self._params]
        designs = [dict(zip(self.names, row)) for row in zip(*columns)] if n else []
        if feasible_only and self.constraints:
            for i, d in enumerate(designs):
                for _ in range(1000):
                    if self.is_feasible(d):
                        break
                    d = self.sample(rng, 1)[0]
                else:
                    raise RuntimeError("could not sample a feasible design in 1000 tries")
                designs[i] = d
        return designs

    # -- index encoding ---------------------------------------------------------------
    def encode(self, design: Mapping[str, Any]) -> np.ndarray:
        """Design -> index vector (``int64``, shape ``(d,)``)."""
        design = self.validate(design)
        return np.array([p.index_of(design[n]) for n, p in self.parameters.items()], dtype=np.int64)

    def decode(self, index: Sequence[int] | np.ndarray) -> Design:
        """Index vector -> design. Raises :class:`InvalidDesignError` when an index is out of range."""
        idx = np.asarray(index)
        if idx.shape != (len(self),):
            raise InvalidDesignError(f"an index vector for this space has shape ({len(self)},), got {idx.shape}")
        if np.any(idx < 0) or np.any(idx >= self.nvec):
            bad = int(np.argmax((idx < 0) | (idx >= self.nvec)))
            raise InvalidDesignError(
                f"index {idx[bad]} out of range for parameter {self.names[bad]!r} (0 <= index < {self.nvec[bad]})"
            )
        out: Design = {}
        for name, p, table, i in zip(self.names, self._params, self._tables, idx.tolist()):
            out[name] = table[int(i)] if table is not None else p.value_at(int(i))
        return out

    def decode_many(self, indices: np.ndarray) -> list[Design]:
        """Index matrix of shape ``(n, d)`` -> list of ``n`` designs."""
        indices = np.asarray(indices, dtype=np.int64)
        if indices.ndim != 2 or indices.shape[1] != len(self):
            raise InvalidDesignError(f"expected an index matrix of shape (n, {len(self)}), got {indices.shape}")
        if np.any(indices < 0) or np.any(indices >= self.nvec):
            raise InvalidDesignError("index matrix holds out-of-range indices")
        cols = []
        for p, table, col in zip(self._params, self._tables, indices.T):
            cols.append([table[i] for i in col.tolist()] if table is not None else [p.value_at(i) for i in col.tolist()])
        return [dict(zip(self.names, row)) for row in zip(*cols)]

    def encode_many(self, designs: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """List of designs -> index matrix ``(n, d)``."""
        return np.stack([self.encode(d) for d in designs]) if designs else np.zeros((0, len(self)), np.int64)

    # -- unit-cube encoding -----------------------------------------------------------
    def encode_unit(self, design: Mapping[str, Any]) -> np.ndarray:
        """Design -> vector in ``[0, 1]^d`` (``float64``)."""
        design = self.validate(design)
        return np.array([p.to_unit(design[n]) for n, p in self.parameters.items()], dtype=np.float64)

    def decode_unit(self, u: Sequence[float] | np.ndarray) -> Design:
        """Vector in ``[0, 1]^d`` -> design (values outside are clipped)."""
        u = np.asarray(u, dtype=np.float64)
        if u.shape != (len(self),):
            raise InvalidDesignError(f"a unit-cube vector for this space has shape ({len(self)},), got {u.shape}")
        return {n: p.from_unit(x) for n, p, x in zip(self.names, self._params, u.tolist())}

    # -- Gymnasium / Ray Tune ---------------------------------------------------------
    def to_gymnasium(self):
        """``MultiDiscrete(nvec)`` for an all-discrete space, else ``Box(0, 1, (d,))``."""
        from gymnasium import spaces

        if self.is_discrete:
            return spaces.MultiDiscrete(self.nvec.copy())
        return spaces.Box(0.0, 1.0, shape=(len(self),), dtype=np.float32)

    def decode_action(self, action: Any) -> Design:
        """Decode an action of :meth:`to_gymnasium`'s space (or a design mapping) into a design."""
        if isinstance(action, Mapping):
            return self.validate(action)
        if self.is_discrete:
            return self.decode(np.asarray(action, dtype=np.int64))
        return self.decode_unit(action)

    def encode_action(self, design: Mapping[str, Any]) -> np.ndarray:
        """Inverse of :meth:`decode_action` for designs."""
        if self.is_discrete:
            return self.encode(design)
        return self.encode_unit(design).astype(np.float32)

    def to_tune(self) -> dict[str, Any]:
        """``{name: ray.tune domain}`` for every parameter."""
        return {n: p.to_tune() for n, p in self.parameters.items()}

    # -- serialisation ----------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        """JSON-serialisable description (constraints by name and description only)."""
        return {
            "parameters": {n: p.to_json() for n, p in self.parameters.items()},
            "constraints": [{"name": c.name, "description": c.description} for c in self.constraints],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ParameterSpace:
        """Rebuild a space from :meth:`to_json` (constraint predicates cannot travel)."""
        return cls({n: parameter_from_json(p) for n, p in data["parameters"].items()})

    def fingerprint(self) -> str:
        """A short stable hash of the parameter domains (names, kinds, values, order)."""
        blob = json.dumps({n: p.to_json() for n, p in self.parameters.items()}, sort_keys=False)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]
