"""Training: one regressor per metric, chosen among scikit-learn candidates by cross-validation.

For each metric the feasible training rows are fitted by every candidate in
:data:`CANDIDATES` under ``cv_folds``-fold cross-validation on (a subsample of) the training
split; the candidate with the lowest cross-validated RMSE, in the metric's own unit, is refit
on the whole training split. Targets are standardised (and optionally log-transformed) before
fitting. Rows where the simulator reported the design infeasible are left out of regression
and train a feasibility classifier instead.

The estimators run on one thread (``n_jobs=1``): the machines this runs on are shared.
"""

from __future__ import annotations

import logging
import math
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from archgym.errors import ConfigError
from archgym.proxy.data import Rows
from archgym.proxy.model import ALL_WORKLOADS, MetricModel, ProxyModel

__all__ = ["CANDIDATES", "TrainConfig", "fit_proxy", "make_candidate", "split_masks"]

logger = logging.getLogger(__name__)


#: leaves per tree of the forest candidates: bounds model size (and file size, and prediction
#: time) on large datasets; 50 trees x 4,095 nodes is about 15 MB per metric on disk
_MAX_LEAVES = 2048


def _rf(seed: int) -> Any:
    from sklearn.ensemble import RandomForestRegressor

    return RandomForestRegressor(n_estimators=50, max_leaf_nodes=_MAX_LEAVES, max_features=1.0, random_state=seed, n_jobs=1)


def _et(seed: int) -> Any:
    from sklearn.ensemble import ExtraTreesRegressor

    return ExtraTreesRegressor(n_estimators=50, max_leaf_nodes=_MAX_LEAVES, max_features=1.0, random_state=seed, n_jobs=1)


def _hgb(seed: int) -> Any:
    from sklearn.ensemble import HistGradientBoostingRegressor

    return HistGradientBoostingRegressor(
        max_iter=500, learning_rate=0.1, max_leaf_nodes=63, min_samples_leaf=5, l2_regularization=1e-3,
        early_stopping=True, validation_fraction=0.1, n_iter_no_change=20, random_state=seed,
    )


def _knn(seed: int) -> Any:
    from sklearn.neighbors import KNeighborsRegressor
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    return Pipeline([("scale", StandardScaler()), ("knn", KNeighborsRegressor(n_neighbors=5, weights="distance"))])


def _gp(seed: int) -> Any:
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    kernel = ConstantKernel(1.0) * Matern(length_scale=1.0, nu=2.5) + WhiteKernel(1e-3, (1e-8, 1e-1))
    gp = GaussianProcessRegressor(kernel=kernel, normalize_y=True, n_restarts_optimizer=0, random_state=seed)
    return Pipeline([("scale", StandardScaler()), ("gp", gp)])


def _mlp(seed: int) -> Any:
    from sklearn.neural_network import MLPRegressor
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    mlp = MLPRegressor(
        hidden_layer_sizes=(128, 128), learning_rate_init=1e-3, batch_size=128, max_iter=300,
        early_stopping=True, n_iter_no_change=20, random_state=seed,
    )
    return Pipeline([("scale", StandardScaler()), ("mlp", mlp)])


#: candidate key -> (what it is, factory(seed) -> unfitted regressor)
CANDIDATES: dict[str, tuple[str, Callable[[int], Any]]] = {
    "rf": ("random forest, 50 trees of at most 2,048 leaves", _rf),
    "et": ("extra trees, 50 trees of at most 2,048 leaves", _et),
    "hgb": ("histogram gradient boosting, early stopping", _hgb),
    "knn": ("5 nearest neighbours (distance-weighted, standardised features)", _knn),
    "gp": ("Gaussian process, Matern 5/2 + white noise (at most gp_max_rows rows)", _gp),
    "mlp": ("MLP 128-128, early stopping (standardised features)", _mlp),
}


def make_candidate(key: str, seed: int = 0) -> Any:
    """An unfitted regressor for candidate ``key``."""
    if key not in CANDIDATES:
        raise ConfigError(f"unknown proxy model {key!r}; allowed: {', '.join(CANDIDATES)}")
    return CANDIDATES[key][1](seed)


@dataclass
class TrainConfig:
    """How a proxy is trained.

    Attributes:
        models: candidate keys tried per metric (see :data:`CANDIDATES`).
        log_target: fit ``ln(metric)`` (metrics with a value <= 0 stay linear, with a warning).
        workload_feature: one-hot the workload (``True``) or keep one model per workload.
        cv_folds: folds of the model-selection cross-validation (no CV with one candidate).
        select_rows: rows of the training split used for selection (a random subsample).
        gp_max_rows: a Gaussian process is fitted on at most this many rows (O(n³)).
        test_fraction: share of the designs held out for the report (with every workload of each).
        holdout_workload: the workload held out for the cross-workload report ("auto": the
            last one in sorted order; None: no cross-workload report).
        calibration_fraction: share of the TRAINING designs set aside to calibrate the
            per-prediction uncertainty (split-conformal, see :mod:`archgym.proxy.uncertainty`);
            the final model is still fitted on every training row. 0 = no uncertainty.
        seed: seeds splits, subsamples and estimators.
        threads: BLAS/OpenMP threads while fitting (1: the machines are shared).
    """

    models: Sequence[str] = ("rf", "et", "hgb", "knn", "gp", "mlp")
    log_target: bool = False
    workload_feature: bool = True
    cv_folds: int = 3
    select_rows: int = 4000
    gp_max_rows: int = 1500
    test_fraction: float = 0.2
    holdout_workload: str | None = "auto"
    calibration_fraction: float = 0.2
    seed: int = 0
    threads: int = 1

    def __post_init__(self) -> None:
        self.models = tuple(self.models)
        if not self.models:
            raise ConfigError("TrainConfig.models is empty; allowed: " + ", ".join(CANDIDATES))
        for m in self.models:
            make_candidate(m)  # validates the key
        if self.cv_folds < 2:
            raise ConfigError(f"cv_folds must be >= 2, got {self.cv_folds}")
        if not 0.0 < self.test_fraction < 1.0:
            raise ConfigError(f"test_fraction must be in (0, 1), got {self.test_fraction}")
        if not 0.0 <= self.calibration_fraction < 1.0:
            raise ConfigError(f"calibration_fraction must be in [0, 1), got {self.calibration_fraction}")

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["models"] = list(self.models)
        return d


def split_masks(groups: np.ndarray, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Random ``(train, test)`` boolean masks that keep each group (design) on one side.

    Args:
        groups: one id per row; rows with the same id (one design on several workloads)
            all land in the training or all in the test split, so a held-out design is new
            on every workload.
        test_fraction: share of the groups held out (at least one on each side when possible).
        seed: seeds the permutation.
    """
    groups = np.asarray(groups)
    uniq = np.unique(groups)
    rng = np.random.default_rng(seed)
    n = len(uniq)
    n_test = min(max(int(round(n * test_fraction)), 1 if n >= 2 else 0), max(n - 1, 0))
    test_groups = uniq[rng.permutation(n)[:n_test]]
    test = np.isin(groups, test_groups)
    return ~test, test


def _fit(key: str, x: np.ndarray, z: np.ndarray, cfg: TrainConfig, rng: np.random.Generator, notes: Counter | None = None) -> Any:
    """Fit candidate ``key``; scikit-learn's convergence warnings are counted into ``notes[key]``."""
    est = make_candidate(key, cfg.seed)
    if key == "gp" and len(x) > cfg.gp_max_rows:
        pick = rng.choice(len(x), cfg.gp_max_rows, replace=False)
        x, z = x[pick], z[pick]
    if key == "knn":
        est.set_params(knn__n_neighbors=max(1, min(5, len(x))))
    if key in ("hgb", "mlp") and len(x) < 50:  # early stopping needs a validation split
        est.set_params(**({"early_stopping": False} if key == "hgb" else {"mlp__early_stopping": False}))
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from threadpoolctl import threadpool_limits

    with warnings.catch_warnings(record=True) as caught, threadpool_limits(cfg.threads):
        warnings.simplefilter("always", ConvergenceWarning)
        est.fit(x, z)
    for w in caught:
        if issubclass(w.category, ConvergenceWarning):
            if notes is not None:
                notes[key] += 1
        else:  # anything else is passed on as it was raised
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return est


def _select(
    name: str, mm: MetricModel, x: np.ndarray, y: np.ndarray, cfg: TrainConfig, notes: Counter | None = None
) -> tuple[str, dict[str, dict[str, float]]]:
    """Cross-validate every candidate; return the best key and each one's CV RMSE."""
    if len(cfg.models) == 1:
        return cfg.models[0], {}
    from sklearn.model_selection import KFold

    rng = np.random.default_rng(cfg.seed)
    if len(x) > cfg.select_rows:
        pick = rng.choice(len(x), cfg.select_rows, replace=False)
        x, y = x[pick], y[pick]
    folds = min(cfg.cv_folds, len(x))
    if folds < 2:
        return cfg.models[0], {}
    z = mm.to_target(y)
    scores: dict[str, dict[str, float]] = {}
    for key in cfg.models:
        t0 = time.perf_counter()
        sq = 0.0
        for tr, te in KFold(folds, shuffle=True, random_state=cfg.seed).split(x):
            est = _fit(key, x[tr], z[tr], cfg, rng, notes)
            pred = mm.from_target(est.predict(x[te]))
            sq += float(np.sum((pred - y[te]) ** 2))
        rmse = math.sqrt(sq / len(x))
        scores[key] = {"cv_rmse": rmse, "fit_s": time.perf_counter() - t0}
        logger.info("%s: %s CV RMSE %.6g (%.1f s)", name, key, rmse, scores[key]["fit_s"])
    best = min(scores, key=lambda k: (scores[k]["cv_rmse"] if math.isfinite(scores[k]["cv_rmse"]) else math.inf))
    return best, scores


def _calibrate(key: str, x: np.ndarray, z: np.ndarray, groups: np.ndarray, workloads: np.ndarray, cfg: TrainConfig,
               rng: np.random.Generator, notes: Counter) -> dict[str, dict[str, Any]]:
    """Split-conformal calibration of candidate ``key`` on ``calibration_fraction`` of these
    (training) designs, fitted on the rest (see :mod:`archgym.proxy.uncertainty`).

    Returns ``{"*": pooled, <workload>: that workload's rows only}`` (Mondrian by workload:
    one model's residuals differ in scale from one workload to another, so each workload gets
    its own quantile; the pooled one serves a workload without calibration rows).
    """
    from archgym.proxy.uncertainty import calibrate

    fit_part, cal_part = split_masks(groups, cfg.calibration_fraction, cfg.seed + 1)
    if not fit_part.any() or not cal_part.any():
        return {ALL_WORKLOADS: {"beta": 0.0, "n": 0, "scores": []}}
    est = _fit(key, x[fit_part], z[fit_part], cfg, rng, notes)
    out = {ALL_WORKLOADS: calibrate(est, x[cal_part], z[cal_part])}
    for w in dict.fromkeys(workloads[cal_part].tolist()):
        sel = cal_part & (workloads == w)
        out[str(w)] = calibrate(est, x[sel], z[sel])
    return out


def _metric_model(name: str, y: np.ndarray, cfg: TrainConfig) -> MetricModel:
    log = cfg.log_target
    if log and np.any(y <= 0):
        logger.warning("metric %s has values <= 0; fitting it without the log transform", name)
        log = False
    z = np.log(y) if log else y
    mean, std = float(np.mean(z)), float(np.std(z))
    return MetricModel(name, "", log, mean, std if std > 0 else 1.0, {})


def fit_proxy(rows: Rows, train: np.ndarray, cfg: TrainConfig, kinds: dict[str, str] | None = None) -> ProxyModel:
    """Fit a :class:`ProxyModel` on the rows where ``train`` is True.

    Args:
        rows: the encoded dataset rows.
        train: boolean mask of training rows.
        cfg: the training configuration.
        kinds: ``{metric: candidate}`` to refit without selection (used for the held-out
            workload report, so it measures the same model family).
    """
    rng = np.random.default_rng(cfg.seed)
    groups = [ALL_WORKLOADS] if rows.encoder.workload_feature else list(rows.workloads)
    metric_models: dict[str, MetricModel] = {}
    notes: Counter = Counter()
    for m in rows.metrics:
        name = m["name"]
        ok = train & rows.feasible
        if not ok.any():
            raise ConfigError(f"no feasible training rows for metric {name!r}: cannot fit a proxy")
        mm = _metric_model(name, rows.y[name][ok], cfg)
        for g in groups:
            sel = ok if g == ALL_WORKLOADS else ok & (rows.workload == g)
            if not sel.any():
                continue
            x, y = rows.x[sel], rows.y[name][sel]
            if kinds and name in kinds:
                key = kinds[name]
            else:
                key, scores = _select(name, mm, x, y, cfg, notes)
                mm.cv_rmse[g] = {k: v["cv_rmse"] for k, v in scores.items()}
            if cfg.calibration_fraction > 0:
                cal = _calibrate(key, x, mm.to_target(y), rows.design_ids[sel], rows.workload[sel], cfg, rng, notes)
                mm.calibration.update(cal if g == ALL_WORKLOADS else {g: cal[ALL_WORKLOADS]})
            mm.estimators[g] = _fit(key, x, mm.to_target(y), cfg, rng, notes)
            mm.kind = key if not mm.kind or mm.kind == key else "mixed"
            logger.info("%s [%s]: fitted %s on %d rows", name, g, key, len(x))
        metric_models[name] = mm
    classifiers: dict[str, Any] = {}
    rates: dict[str, float] = {}
    labels = rows.feasible
    for g in groups:
        sel = train if g == ALL_WORKLOADS else train & (rows.workload == g)
        rates[g] = float(labels[sel].mean()) if sel.any() else 1.0
        if sel.any() and 0 < labels[sel].sum() < sel.sum():
            from sklearn.ensemble import RandomForestClassifier

            clf = RandomForestClassifier(n_estimators=50, max_leaf_nodes=_MAX_LEAVES, random_state=cfg.seed, n_jobs=1)
            from threadpoolctl import threadpool_limits

            with threadpool_limits(cfg.threads):
                clf.fit(rows.x[sel], labels[sel])
            classifiers[g] = clf
    return ProxyModel(
        card={"fit_warnings": fit_notes(rows, train, notes)},  # logged by the caller (train_proxy)
        simulator=rows.simulator,
        version=rows.version,
        encoder=rows.encoder,
        metrics=rows.metrics,
        metric_models=metric_models,
        classifiers=classifiers,
        feasible_rate=rates,
        train_keys=np.sort(rows.keys[train]),
    )


#: fewer feasible training rows than this many per feature draws a warning
MIN_ROWS_PER_FEATURE = 10


def fit_notes(rows: Rows, train: np.ndarray, convergence: Counter) -> list[str]:
    """One line per thing a user should know about a fit: too few rows for the features (per
    metric, grouped), and how many fits scikit-learn reported as not converged (by candidate)."""
    out = []
    need = MIN_ROWS_PER_FEATURE * rows.encoder.n_features
    short: dict[int, list[str]] = {}
    for m in rows.metrics:
        n = int((train & rows.feasible & np.isfinite(rows.y[m["name"]])).sum())
        if n < need:
            short.setdefault(n, []).append(m["name"])
    for n, names in sorted(short.items()):
        out.append(
            f"only {n} feasible training rows for {rows.encoder.n_features} features "
            f"(fewer than {MIN_ROWS_PER_FEATURE} per feature, {need}) for {', '.join(names)}: "
            "expect large errors; log more simulator calls before trusting this proxy"
        )
    if convergence:
        parts = ", ".join(f"{k} {v}" for k, v in sorted(convergence.items()))
        out.append(
            f"scikit-learn reported {sum(convergence.values())} fits as not converged ({parts}; "
            "iteration limits of the MLP or GP kernel bounds); they were kept and scored like every other fit"
        )
    return out
