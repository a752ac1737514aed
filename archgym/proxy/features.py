"""Features for proxy models, derived from the :class:`~archgym.space.ParameterSpace` alone.

One design (plus its workload) becomes one row of floats:

* :class:`~archgym.space.Categorical` — one-hot, one column per choice (``PagePolicy=Open``);
* :class:`~archgym.space.PowerOfTwo`, and an :class:`~archgym.space.Ordinal` whose values are
  all powers of two — ``log2(value)`` (so 1, 2, 4 … 128 are evenly spaced);
* :class:`~archgym.space.Integer`, other :class:`~archgym.space.Ordinal`, linear
  :class:`~archgym.space.Real` — the value as is; a log-scaled :class:`~archgym.space.Real` —
  its natural log;
* the workload — one-hot over the workloads seen in training (``workload=stream``), unless
  the proxy keeps one model per workload (``workload_feature=False``).

The encoder *validates while it encodes*: a value outside a parameter's domain raises
:class:`~archgym.errors.InvalidDesignError` naming the parameter, the value and what is
allowed, and an unknown workload raises :class:`~archgym.errors.UnknownWorkloadError`. It
has two paths with the same result: a dictionary-lookup loop for a few designs (single
predictions) and a column-wise NumPy path for batches.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from archgym.errors import InvalidDesignError, UnknownWorkloadError, did_you_mean
from archgym.space import Categorical, Integer, Ordinal, ParameterSpace, PowerOfTwo, Real

__all__ = ["FeatureEncoder"]

#: below this many designs the row-by-row path is faster than the column-wise one
_SMALL = 32


def _is_pow2(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 and float(v).is_integer() and (int(v) & (int(v) - 1)) == 0


class _Block:
    """How one parameter becomes feature columns."""

    def __init__(self, name: str, param: Any):
        self.name = name
        self.param = param
        # discrete lists: (is_bool, value) -> row of ``table`` holding its feature values
        self.lut: dict[Any, int] | None = None
        self.table = np.zeros((0, 1))
        if isinstance(param, Categorical):
            self.kind = "onehot"
            choices = param.values()
            self.columns = [f"{name}={c}" for c in choices]
            self.table = np.eye(len(choices))
        elif isinstance(param, PowerOfTwo) or (isinstance(param, Ordinal) and all(_is_pow2(v) for v in param.values())):
            self.kind = "log2"
            self.columns = [f"log2({name})"]
            self.table = np.log2(np.asarray(param.values(), dtype=np.float64))[:, None]
        elif isinstance(param, Ordinal):
            self.kind = "value"
            self.columns = [name]
            self.table = np.asarray(param.values(), dtype=np.float64)[:, None]
        elif isinstance(param, Integer):
            self.kind = "integer"
            self.columns = [name]
        elif isinstance(param, Real):
            self.kind = "ln" if param.log else "real"
            self.columns = [f"ln({name})" if param.log else name]
        else:
            raise TypeError(f"parameter {name!r}: unsupported kind {type(param).__name__}")
        self.width = len(self.columns)
        if self.kind in ("onehot", "log2", "value"):
            self.lut = {(type(v) is bool, v): i for i, v in enumerate(param.values())}
        self.rows: list[list[float]] = self.table.tolist()

    def _bad(self, value: Any, row: int | None = None) -> InvalidDesignError:
        where = f" (design {row})" if row is not None else ""
        return InvalidDesignError(f"parameter {self.name!r}: {value!r} is not allowed{where}; expected {self.param.describe()}")

    def extend(self, feats: list[float], value: Any) -> None:
        """Append the feature values of one ``value`` to ``feats`` (validating it)."""
        if self.lut is not None:
            if isinstance(value, np.generic):
                value = value.item()
            try:
                feats.extend(self.rows[self.lut[(type(value) is bool, value)]])
            except (KeyError, TypeError):
                raise self._bad(value) from None
            return
        if not self.param.contains(value):
            raise self._bad(value)
        feats.append(math.log(value) if self.kind == "ln" else float(value))

    def encode_column(self, column: Sequence[Any], out: np.ndarray) -> None:
        """Write the feature columns of ``column`` (n values) into ``out`` (shape ``(n, width)``)."""
        n = len(column)
        if self.lut is not None:
            lut = self.lut
            try:
                codes = [lut[(type(v) is bool, v.item() if isinstance(v, np.generic) else v)] for v in column]
            except (KeyError, TypeError):
                for i, v in enumerate(column):
                    try:
                        lut[(type(v) is bool, v.item() if isinstance(v, np.generic) else v)]
                    except (KeyError, TypeError):
                        raise self._bad(v, i) from None
                raise  # pragma: no cover - unreachable
            out[:, :] = self.table[np.asarray(codes, dtype=np.intp).reshape(n)]
            return
        arr = np.asarray(column)
        if arr.dtype.kind not in "iuf" or arr.shape != (n,):
            for i, v in enumerate(column):
                if not self.param.contains(v):
                    raise self._bad(v, i)
            arr = np.asarray([float(v) for v in column])
        x = arr.astype(np.float64)
        ok = np.isfinite(x) & (x >= self.param.low) & (x <= self.param.high)
        if self.kind == "integer":
            ok &= x == np.round(x)
        if not ok.all():
            i = int(np.argmin(ok))
            raise self._bad(column[i], i)
        out[:, 0] = np.log(x) if self.kind == "ln" else x


class FeatureEncoder:
    """Turns designs of one :class:`ParameterSpace` (and their workloads) into float features.

    Args:
        space: the design space the proxy is trained on.
        workloads: the workloads seen in training (order fixes the one-hot columns).
        workload_feature: add the workload one-hot columns (``False`` when the proxy keeps
            one model per workload).
    """

    def __init__(self, space: ParameterSpace, workloads: Sequence[str], workload_feature: bool = True):
        self.space = space
        self.workloads = tuple(workloads)
        self.workload_feature = bool(workload_feature)
        self._blocks = [_Block(n, p) for n, p in space.parameters.items()]
        self._names = space.names
        self.columns: list[str] = [c for b in self._blocks for c in b.columns]
        self.n_design = len(self.columns)
        if self.workload_feature:
            self.columns += [f"workload={w}" for w in self.workloads]
        self.n_features = len(self.columns)
        self._wl_index = {w: i for i, w in enumerate(self.workloads)}

    # -- checks ------------------------------------------------------------------------
    def check_workload(self, workload: str) -> int:
        """Index of ``workload`` among the trained workloads, or :class:`UnknownWorkloadError`."""
        try:
            return self._wl_index[workload]
        except (KeyError, TypeError):
            raise UnknownWorkloadError(
                f"the proxy was not trained on workload {workload!r}{did_you_mean(str(workload), self.workloads)}; "
                f"trained on: {', '.join(self.workloads)}"
            ) from None

    def _check_keys(self, design: Any, row: int | None = None) -> None:
        self.space.check_keys(design, f" (design {row})" if row is not None else "")

    # -- encoding ----------------------------------------------------------------------
    def transform_designs(self, designs: Sequence[Mapping[str, Any]], workload: str) -> np.ndarray:
        """Feature matrix ``(n, n_features)`` of ``designs`` on one workload (validated)."""
        w = self.check_workload(workload)
        n = len(designs)
        for i, d in enumerate(designs):
            self._check_keys(d, i if n > 1 else None)
        if n < _SMALL:
            wl_row = [0.0] * len(self.workloads) if self.workload_feature else []
            if wl_row:
                wl_row[w] = 1.0
            rows = []
            for d in designs:
                feats: list[float] = []
                for b, name in zip(self._blocks, self._names):
                    b.extend(feats, d[name])
                rows.append(feats + wl_row)
            return np.array(rows, dtype=np.float64).reshape(n, self.n_features)
        else:
            columns = {name: [d[name] for d in designs] for name in self._names}
            out = self._encode_columns(columns, n)
        if self.workload_feature:
            out[:, self.n_design + w] = 1.0
        return out

    def transform_columns(self, columns: Mapping[str, Sequence[Any]], workloads: Sequence[str] | np.ndarray) -> np.ndarray:
        """Feature matrix from per-parameter columns and a per-row workload column."""
        n = len(workloads)
        out = self._encode_columns(columns, n)
        if self.workload_feature:
            wl = np.asarray(workloads, dtype=object)
            for w in dict.fromkeys(wl.tolist()):
                idx = self.check_workload(w)
                out[wl == w, self.n_design + idx] = 1.0
        return out

    def transform_frame(self, frame: Any) -> np.ndarray:
        """Feature matrix of a dataset DataFrame (``p_<parameter>`` and ``workload`` columns)."""
        missing = [f"p_{n}" for n in self._names if f"p_{n}" not in frame.columns]
        if missing:
            raise InvalidDesignError(f"dataset has no column(s) {', '.join(missing)} for this design space")
        cols = {n: frame[f"p_{n}"].tolist() for n in self._names}
        return self.transform_columns(cols, frame["workload"].to_numpy(dtype=object))

    def _encode_columns(self, columns: Mapping[str, Sequence[Any]], n: int) -> np.ndarray:
        out = np.zeros((n, self.n_features))
        j = 0
        for b, name in zip(self._blocks, self._names):
            if name not in columns:
                raise InvalidDesignError(f"design is missing parameter {name!r}")
            b.encode_column(columns[name], out[:, j : j + b.width])
            j += b.width
        return out

    # -- serialisation -----------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {
            "design_space": self.space.to_json(),
            "workloads": list(self.workloads),
            "workload_feature": self.workload_feature,
            "columns": self.columns,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], space: ParameterSpace | None = None) -> FeatureEncoder:
        """Rebuild an encoder; ``space`` (with constraints) replaces the JSON space if given."""
        enc = cls(space or ParameterSpace.from_json(data["design_space"]), data["workloads"], data["workload_feature"])
        if "columns" in data and list(data["columns"]) != enc.columns:
            raise InvalidDesignError("the stored feature columns do not match this design space")
        return enc
