"""The fitted proxy: one regressor per metric (per workload, optionally) and a feasibility classifier.

:class:`ProxyModel` holds plain fitted scikit-learn estimators plus everything needed to use
them (the feature encoder, per-metric target transforms), and predicts for many designs at
once. Persistence lives in :mod:`archgym.proxy.persist`, the simulator protocol in
:mod:`archgym.proxy.simulator`.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from archgym.errors import ConfigError
from archgym.proxy.fastpath import compile_model
from archgym.proxy.features import FeatureEncoder
from archgym.proxy.uncertainty import compile_spread

__all__ = ["ALL_WORKLOADS", "MetricModel", "ProxyModel", "design_keys"]

logger = logging.getLogger(__name__)

#: the estimator key of a model shared by every workload (workload as a feature)
ALL_WORKLOADS = "*"


def design_keys(features: np.ndarray, workloads: Sequence[str], n_design: int) -> np.ndarray:
    """A 64-bit key per (design, workload) row: a hash of the design's feature values and workload.

    Feature values are canonical (``8`` and ``8.0`` encode alike), so the key identifies a
    design whatever Python type carried its values.
    """
    block = np.ascontiguousarray(features[:, :n_design], dtype=np.float64)
    out = np.empty(len(block), dtype=np.uint64)
    for i, (row, w) in enumerate(zip(block, workloads)):
        h = hashlib.blake2b(row.tobytes(), digest_size=8)
        h.update(str(w).encode())
        out[i] = np.frombuffer(h.digest(), dtype=np.uint64)[0]
    return out


#: the smallest half-width of an interval, relative to the (standardised) target: far below any
#: model error, far above the rounding of the target transform (about 1e-15)
RESOLUTION = 1e-12


@dataclass
class MetricModel:
    """The regressor(s) of one metric.

    Attributes:
        name: the metric (``latency_ns``).
        kind: candidate key of the chosen model (``rf``, ``et``, ``hgb``, ``knn``, ``gp``, ``mlp``).
        log_target: the model predicts ``ln(value)``.
        y_mean, y_std: standardisation of the (possibly logged) target.
        estimators: ``{workload or "*": fitted regressor}``.
        cv_rmse: cross-validated RMSE (metric units) of every candidate tried.
        calibration: ``{workload or "*": conformal calibration}`` of the per-prediction
            uncertainty, per workload where it has calibration rows (Mondrian), else pooled ("*")
            (see :mod:`archgym.proxy.uncertainty`); empty for a model trained without a
            calibration split.
    """

    name: str
    kind: str
    log_target: bool
    y_mean: float
    y_std: float
    estimators: dict[str, Any]
    cv_rmse: dict[str, dict[str, float]] = field(default_factory=dict)
    calibration: dict[str, dict[str, Any]] = field(default_factory=dict)
    _fast: dict[str, Any] = field(default_factory=dict, repr=False)
    #: the estimators whose compiled walk gives a checked spread (``predict_interval`` then
    #: takes prediction and spread from one walk, ``_fast[key].moments``)
    _spread: dict[str, Any] = field(default_factory=dict, repr=False)

    def to_target(self, y: np.ndarray) -> np.ndarray:
        """Metric values -> the standardised quantity the regressor fits."""
        z = np.log(y) if self.log_target else np.asarray(y, dtype=np.float64)
        return (z - self.y_mean) / self.y_std

    def from_target(self, z: np.ndarray) -> np.ndarray:
        """Inverse of :meth:`to_target`."""
        v = np.asarray(z, dtype=np.float64) * self.y_std + self.y_mean
        return np.exp(v) if self.log_target else v

    def predict(self, x: np.ndarray, workload: str) -> np.ndarray:
        """Predicted metric values for feature rows ``x`` of one workload."""
        key = workload if workload in self.estimators else ALL_WORKLOADS
        fast = self._fast.get(key)
        z = fast(x) if fast is not None else self.estimators[key].predict(x)
        return self.from_target(z)

    def predict_interval(self, x: np.ndarray, workload: str, level: float = 0.9) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(prediction, low, high)`` in metric units: the calibrated ``level`` interval per row.

        Raises:
            ConfigError: the model was trained without a calibration split.
        """
        from archgym.proxy.uncertainty import conformal_quantile, raw_spread

        key = workload if workload in self.estimators else ALL_WORKLOADS
        cal = self.calibration.get(workload)
        if not cal or not cal.get("n"):
            cal = self.calibration.get(key)
        if not cal or not cal.get("n"):
            raise ConfigError(
                f"the proxy of {self.name!r} has no uncertainty calibration (trained without a calibration split); "
                "retrain it with calibration_fraction > 0 (the default)"
            )
        fast = self._fast.get(key)
        if key in self._spread:  # a compiled forest: prediction and spread from one walk
            z, spread = fast.moments(x)
        else:
            z = fast(x) if fast is not None else self.estimators[key].predict(x)
            spread = raw_spread(self.estimators[key], x)
        half = conformal_quantile(cal, level) * (spread + float(cal["beta"]))
        # at least a few thousand ulps wide: an exact prediction (trees that agree on a value
        # the metric takes for many designs) stays inside its own interval after the round trip
        # through the target transform
        half = half + RESOLUTION * (1.0 + np.abs(z))
        return self.from_target(z), self.from_target(z - half), self.from_target(z + half)

    def compile(self, samples: Mapping[str, np.ndarray]) -> None:
        """Build the fast paths, checked against ``predict`` on ``samples[workload key]``."""
        for key, est in self.estimators.items():
            sample = samples.get(key, next(iter(samples.values())))
            fast = compile_model(est, sample)
            if fast is not None:
                self._fast[key] = fast
                spread = compile_spread(est, fast, sample)
                if spread is not None:
                    self._spread[key] = spread


@dataclass
class ProxyModel:
    """A trained proxy of one simulator.

    Attributes:
        simulator, version: the simulator the data came from.
        encoder: design (+ workload) -> features; its ``space`` is the trained design space.
        metrics: the simulator's metric cards (``name``, ``unit``, ``direction``).
        metric_models: ``{metric: MetricModel}``.
        classifiers: ``{workload or "*": fitted classifier}`` of feasibility, empty when every
            training row was feasible.
        feasible_rate: ``{workload or "*": share of feasible training rows}``, used where
            there is no classifier (all rows feasible, or all infeasible).
        card: the model card (see :mod:`archgym.proxy.persist`).
        train_keys: :func:`design_keys` of the training rows (to keep evaluations honest).
    """

    simulator: str
    version: str
    encoder: FeatureEncoder
    metrics: list[dict[str, str]]
    metric_models: dict[str, MetricModel]
    classifiers: dict[str, Any] = field(default_factory=dict)
    feasible_rate: dict[str, float] = field(default_factory=dict)
    card: dict[str, Any] = field(default_factory=dict)
    train_keys: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint64))
    _fast_clf: dict[str, Any] = field(default_factory=dict, repr=False)
    _multi: dict[str, Any] = field(default_factory=dict, repr=False)
    _compiled: bool = field(default=False, repr=False)

    @property
    def space(self):  # noqa: ANN201 - ParameterSpace
        return self.encoder.space

    @property
    def workloads(self) -> tuple[str, ...]:
        return self.encoder.workloads

    @property
    def metric_names(self) -> tuple[str, ...]:
        return tuple(m["name"] for m in self.metrics)

    # -- prediction --------------------------------------------------------------------
    def compile(self, seed: int = 0) -> None:
        """Build and check the fast prediction paths (done once, on first use)."""
        if self._compiled:
            return
        rng = np.random.default_rng(seed)
        samples: dict[str, np.ndarray] = {}
        for w in self.workloads:
            x = self.encoder.transform_designs(self.space.sample(rng, 64), w)
            samples[w] = x
        samples[ALL_WORKLOADS] = np.concatenate(list(samples.values()))
        for mm in self.metric_models.values():
            mm.compile(samples)
        from archgym.proxy.fastpath import combine_forests, compile_classifier

        groups = {g for mm in self.metric_models.values() for g in mm.estimators}
        for g in groups:
            if all(g in mm._fast for mm in self.metric_models.values()):
                multi = combine_forests([mm._fast[g] for mm in self.metric_models.values()])
                if multi is not None:
                    check = samples.get(g, samples[ALL_WORKLOADS])
                    ref = np.column_stack([mm._fast[g](check) for mm in self.metric_models.values()])
                    if np.allclose(multi(check), ref, rtol=1e-9, atol=1e-9 * max(1.0, float(np.abs(ref).max()))):
                        self._multi[g] = multi

        for key, clf in self.classifiers.items():
            fast = compile_classifier(clf, samples.get(key, samples[ALL_WORKLOADS]))
            if fast is not None:
                self._fast_clf[key] = fast
        self._compiled = True

    def feasible_probability(self, x: np.ndarray, workload: str) -> np.ndarray:
        """Probability that each feature row is feasible (1 or 0 when there is no classifier)."""
        key = workload if workload in self.classifiers or workload in self.feasible_rate else ALL_WORKLOADS
        if key not in self.classifiers:
            return np.full(len(x), float(self.feasible_rate.get(key, 1.0)))
        fast = self._fast_clf.get(key)
        if fast is not None:
            return fast(x)
        clf = self.classifiers[key]
        proba = clf.predict_proba(x)
        classes = list(clf.classes_)
        return proba[:, classes.index(True)] if True in classes else np.zeros(len(x))

    def predict_features(self, x: np.ndarray, workload: str) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """``({metric: values}, feasible probability)`` for feature rows of one workload."""
        self.compile()
        key = workload if workload in self._multi else ALL_WORKLOADS
        multi = self._multi.get(key)
        if multi is not None:
            z = multi(x)
            preds = {name: mm.from_target(z[:, k]) for k, (name, mm) in enumerate(self.metric_models.items())}
        else:
            preds = {name: mm.predict(x, workload) for name, mm in self.metric_models.items()}
        return preds, self.feasible_probability(x, workload)

    def predict(self, designs: Sequence[Mapping[str, Any]], workload: str) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Validate and predict many designs of one workload (see :meth:`predict_features`)."""
        x = self.encoder.transform_designs(designs, workload)
        return self.predict_features(x, workload)

    @property
    def calibrated(self) -> bool:
        """Every metric carries an uncertainty calibration."""
        return all(any(c.get("n") for c in mm.calibration.values()) for mm in self.metric_models.values())

    def interval_features(self, x: np.ndarray, workload: str, level: float = 0.9,
                          metrics: Sequence[str] | None = None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """``{metric: (low, high)}``: the calibrated ``level`` interval of each feature row
        (of every metric, or of ``metrics`` only)."""
        self.compile()
        out = {}
        for name, mm in self.metric_models.items():
            if metrics is not None and name not in metrics:
                continue
            _, lo, hi = mm.predict_interval(x, workload, level)
            out[name] = (lo, hi)
        return out

    def std_features(self, x: np.ndarray, workload: str, metrics: Sequence[str] | None = None) -> dict[str, np.ndarray]:
        """``{metric: std}`` in metric units: the calibrated 90 % interval's half-width / 1.645
        (of every metric, or of ``metrics`` only)."""
        from archgym.proxy.uncertainty import Z90

        return {name: (hi - lo) / (2.0 * Z90) for name, (lo, hi) in self.interval_features(x, workload, 0.9, metrics).items()}
