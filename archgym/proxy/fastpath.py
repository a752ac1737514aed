"""Fast prediction paths for fitted scikit-learn models.

scikit-learn's ``predict`` costs milliseconds per call whatever the batch size (input
validation, thread-pool start-up), which would make a proxy no faster than the simulator for
one design at a time. This module copies a fitted model's parameters into flat NumPy arrays
and predicts with a small Numba kernel (tree ensembles) or plain NumPy (MLP):

* :class:`~sklearn.ensemble.RandomForestRegressor`, :class:`~sklearn.ensemble.ExtraTreesRegressor`
  — every tree's nodes in one array; the mean of the leaves (inputs rounded to float32, as
  scikit-learn's trees do);
* :class:`~sklearn.ensemble.HistGradientBoostingRegressor` (squared error) — baseline plus
  the sum of the leaves;
* a ``Pipeline(StandardScaler, MLPRegressor)`` — the forward pass.

Other models (k-nearest neighbours, Gaussian process) keep scikit-learn's own ``predict``.
:func:`compile_model` checks the fast path against ``predict`` on sample inputs and returns
``None`` (with a warning) when they disagree, so a fast path can never silently change a
prediction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["compile_classifier", "compile_model"]

logger = logging.getLogger(__name__)

Predict = Callable[[np.ndarray], np.ndarray]

def _kernels() -> Any:
    """The compiled walks (:mod:`archgym.proxy._kernels`), imported on first use (Numba)."""
    from archgym.proxy import _kernels

    return _kernels


class _Forest:
    """Flat arrays of many binary trees; ``predict`` = ``offset + scale * sum of leaves``."""

    def __init__(self, trees: list[tuple[np.ndarray, ...]], offset: float, scale: float, float32_inputs: bool):
        lefts, rights, feats, thrs, vals, roots = [], [], [], [], [], []
        base = 0
        for left, right, feature, threshold, value in trees:
            n = len(left)
            leaf = left < 0
            lefts.append(np.where(leaf, -1, left + base))
            rights.append(np.where(leaf, -1, right + base))
            feats.append(np.where(leaf, 0, feature))
            thrs.append(threshold)
            vals.append(value)
            roots.append(base)
            base += n
        left = np.concatenate(lefts).astype(np.int64)
        if base >= 2**31:
            raise ValueError(f"{base} tree nodes are too many for the fast path")
        self.node = np.ascontiguousarray(
            np.stack([np.concatenate(feats), left, np.concatenate(rights)], axis=1).astype(np.int32)
        )
        self.thr = np.where(left < 0, np.concatenate(vals), np.concatenate(thrs)).astype(np.float64)
        self.roots = np.asarray(roots, dtype=np.int32)
        self.offset, self.scale, self.float32_inputs = float(offset), float(scale), float32_inputs
        self._kernel = _kernels().forest_sum

    def _inputs(self, x: np.ndarray) -> np.ndarray:
        """Rows as the kernels take them: contiguous float64, rounded to float32 first for trees
        that split on float32 inputs (scikit-learn's)."""
        return np.ascontiguousarray(x.astype(np.float32).astype(np.float64) if self.float32_inputs else x, dtype=np.float64)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = self._inputs(x)
        out = np.empty(x.shape[0])
        self._kernel(x, self.node, self.thr, self.roots, out)
        return self.offset + self.scale * out

    def moments(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(prediction, spread)`` per row from one walk of every tree: the prediction as
        :meth:`__call__` (to rounding), the spread the standard deviation of the trees' leaves."""
        x = self._inputs(x)
        total, std = np.empty(x.shape[0]), np.empty(x.shape[0])
        _kernels().forest_moments(x, self.node, self.thr, self.roots, total, std)
        return self.offset + self.scale * total, std

    def spread(self, x: np.ndarray) -> np.ndarray:
        """The standard deviation of the trees' leaf values per row (a forest's raw spread)."""
        return self.moments(x)[1]


def _compile_forest(est: Any) -> _Forest:
    trees = []
    for tree in est.estimators_:
        t = tree.tree_
        if t.n_outputs != 1:
            raise TypeError("multi-output trees are not supported")
        trees.append((t.children_left, t.children_right, t.feature, t.threshold, t.value[:, 0, 0]))
    return _Forest(trees, 0.0, 1.0 / len(trees), float32_inputs=True)


def _compile_hgb(est: Any) -> _Forest:
    if getattr(est, "loss", "squared_error") != "squared_error":
        raise TypeError(f"loss {est.loss!r} is not supported")
    if getattr(est, "is_categorical_", None) is not None and np.any(est.is_categorical_):
        raise TypeError("native categorical splits are not supported")
    trees = []
    for predictors in est._predictors:
        nodes = predictors[0].nodes
        leaf = nodes["is_leaf"].astype(bool)
        left = np.where(leaf, -1, nodes["left"].astype(np.int64))
        trees.append((left, nodes["right"].astype(np.int64), nodes["feature_idx"], nodes["num_threshold"], nodes["value"]))
    baseline = float(np.ravel(est._baseline_prediction)[0])
    return _Forest(trees, baseline, 1.0, float32_inputs=False)


class _MLP:
    def __init__(self, scaler: Any, mlp: Any):
        if mlp.out_activation_ != "identity" or mlp.activation not in ("relu", "tanh", "logistic", "identity"):
            raise TypeError(f"MLP activation {mlp.activation!r}/{mlp.out_activation_!r} is not supported")
        self.mean = np.asarray(scaler.mean_, dtype=np.float64) if scaler.with_mean else 0.0
        self.scale = np.asarray(scaler.scale_, dtype=np.float64) if scaler.with_std else 1.0
        self.weights = [np.asarray(w, dtype=np.float64) for w in mlp.coefs_]
        self.biases = [np.asarray(b, dtype=np.float64) for b in mlp.intercepts_]
        self.activation = mlp.activation

    def __call__(self, x: np.ndarray) -> np.ndarray:
        h = (x - self.mean) / self.scale
        last = len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            h = h @ w + b
            if i < last:
                if self.activation == "relu":
                    np.maximum(h, 0.0, out=h)
                elif self.activation == "tanh":
                    np.tanh(h, out=h)
                elif self.activation == "logistic":
                    h = 1.0 / (1.0 + np.exp(-h))
        return h[:, 0] if h.ndim == 2 else h


def _build(model: Any) -> Predict | None:
    from sklearn.ensemble import ExtraTreesRegressor, HistGradientBoostingRegressor, RandomForestRegressor
    from sklearn.neural_network import MLPRegressor
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    if isinstance(model, (RandomForestRegressor, ExtraTreesRegressor)):
        return _compile_forest(model)
    if isinstance(model, HistGradientBoostingRegressor):
        return _compile_hgb(model)
    if isinstance(model, Pipeline) and len(model.steps) == 2:
        scaler, last = model.steps[0][1], model.steps[1][1]
        if isinstance(scaler, StandardScaler) and isinstance(last, MLPRegressor):
            return _MLP(scaler, last)
    return None


def compile_model(model: Any, sample: np.ndarray, rtol: float = 1e-7) -> Predict | None:
    """A fast ``predict`` equivalent to ``model.predict``, or ``None`` when there is none.

    Args:
        model: a fitted scikit-learn regressor.
        sample: inputs (shape ``(n, n_features)``) on which the fast path must agree with
            ``model.predict`` to within ``rtol`` (relative to the predictions' spread).
    """
    try:
        fast = _build(model)
    except (TypeError, AttributeError, KeyError, ValueError) as exc:
        logger.info("no fast path for %s: %s", type(model).__name__, exc)
        return None
    if fast is None:
        return None
    ref = np.asarray(model.predict(sample), dtype=np.float64)
    got = fast(sample)
    tol = rtol * max(1.0, float(np.max(np.abs(ref))) if len(ref) else 1.0)
    if got.shape != ref.shape or not np.allclose(got, ref, rtol=rtol, atol=tol):
        logger.warning("fast path for %s disagrees with predict(); using predict()", type(model).__name__)
        return None
    return fast


def _compile_forest_classifier(clf: Any, positive: int) -> _Forest:
    trees = []
    for tree in clf.estimators_:
        t = tree.tree_
        counts = t.value[:, 0, :]
        frac = counts[:, positive] / np.maximum(counts.sum(axis=1), 1e-300)
        trees.append((t.children_left, t.children_right, t.feature, t.threshold, frac))
    return _Forest(trees, 0.0, 1.0 / len(trees), float32_inputs=True)


def compile_classifier(clf: Any, sample: np.ndarray, rtol: float = 1e-7) -> Predict | None:
    """A fast ``predict_proba(x)[:, True]`` for a fitted forest classifier, checked like :func:`compile_model`."""
    from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier

    if not isinstance(clf, (RandomForestClassifier, ExtraTreesClassifier)):
        return None
    classes = list(clf.classes_)
    if True not in classes or getattr(clf, "n_outputs_", 1) != 1:
        return None
    try:
        fast = _compile_forest_classifier(clf, classes.index(True))
    except (TypeError, AttributeError, ValueError) as exc:
        logger.info("no fast path for %s: %s", type(clf).__name__, exc)
        return None
    ref = clf.predict_proba(sample)[:, classes.index(True)]
    if not np.allclose(fast(sample), ref, rtol=rtol, atol=1e-9):
        logger.warning("fast path for %s disagrees with predict_proba(); using predict_proba()", type(clf).__name__)
        return None
    return fast


class MultiForest:
    """Several compiled forests (one per metric) walked in one kernel call.

    ``__call__(x)`` returns shape ``(n, k)``: column ``k`` equals ``forests[k](x)``.
    """

    def __init__(self, forests: list[Any]):
        nodes, thrs, roots, owner = [], [], [], []
        base = 0
        for k, f in enumerate(forests):
            node = f.node.astype(np.int64)
            leaf = node[:, 1] < 0
            node[~leaf, 1:] += base
            nodes.append(node)
            thrs.append(f.thr)
            roots.append(f.roots.astype(np.int64) + base)
            owner.append(np.full(len(f.roots), k, dtype=np.int32))
            base += len(f.node)
        if base >= 2**31:
            raise ValueError("too many tree nodes for the fast path")
        self.node = np.ascontiguousarray(np.concatenate(nodes).astype(np.int32))
        self.thr = np.concatenate(thrs)
        self.roots = np.concatenate(roots).astype(np.int32)
        self.forest = np.concatenate(owner)
        self.use32 = np.array([f.float32_inputs for f in forests], dtype=np.bool_)
        self.offset = np.array([f.offset for f in forests])
        self.scale = np.array([f.scale for f in forests])
        self.any32 = bool(self.use32.any())
        self._kernel = _kernels().multi_sum

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.ascontiguousarray(x, dtype=np.float64)
        x32 = x.astype(np.float32).astype(np.float64) if self.any32 else x
        out = np.empty((x.shape[0], len(self.offset)))
        self._kernel(x, x32, self.node, self.thr, self.roots, self.forest, self.use32, out)
        return self.offset + self.scale * out


def combine_forests(fast_paths: list[Any]) -> MultiForest | None:
    """One :class:`MultiForest` when every fast path is a compiled forest, else ``None``."""
    if not fast_paths or not all(isinstance(f, _Forest) for f in fast_paths):
        return None
    return MultiForest(fast_paths)
