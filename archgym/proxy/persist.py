"""Saving and loading proxies without unsafe pickle.

A model directory holds:

* ``card.json`` — the model card: simulator name and version, design space (and its
  fingerprint), metrics, workloads, the feature columns, per-metric model choice and target
  transform, training rows, scores, the training configuration, the date, and the SHA-256 of
  ``models.skops``;
* ``models.skops`` — the fitted scikit-learn estimators, written with :func:`skops.io.dump`;
* ``train_keys.npy`` — 64-bit keys of the training rows (``numpy.load(allow_pickle=False)``),
  so an evaluation can leave out rows the model was trained on.

Loading never runs code from the files: the card is JSON, the keys are a plain array, and
``models.skops`` is read by :func:`skops.io.load` only after :func:`skops.io.get_untrusted_types`
has shown that every type it would build is in :data:`TRUSTED_TYPES` (a list this module
controls) or trusted by skops by default. A file naming any other type is refused with
:class:`UntrustedModelError`; a ``models.skops`` whose hash differs from the card's is refused
too. ``pickle`` and ``joblib`` are never used.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any

import numpy as np

from archgym.errors import ArchGymError, ConfigError
from archgym.proxy.features import FeatureEncoder
from archgym.proxy.model import MetricModel, ProxyModel

__all__ = [
    "CARD",
    "FORMAT",
    "MODELS",
    "TRUSTED_TYPES",
    "UntrustedModelError",
    "load_card",
    "load_model",
    "save_model",
    "update_card",
]

logger = logging.getLogger(__name__)

FORMAT = "archgym-proxy"
FORMAT_VERSION = 1
CARD = "card.json"
MODELS = "models.skops"
KEYS = "train_keys.npy"

#: Types beyond skops' defaults that a proxy file may contain: exactly what the candidates of
#: :data:`archgym.proxy.train.CANDIDATES` and the feasibility classifier are made of.
TRUSTED_TYPES: tuple[str, ...] = (
    "sklearn.tree._tree.Tree",  # rf, et, feasibility classifier
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",  # hgb
    "sklearn.metrics._dist_metrics.EuclideanDistance64",  # knn
    "sklearn.neighbors._kd_tree.KDTree",
    "sklearn.neighbors._ball_tree.BallTree",
    "sklearn.gaussian_process.kernels.ConstantKernel",  # gp
    "sklearn.gaussian_process.kernels.Matern",
    "sklearn.gaussian_process.kernels.Product",
    "sklearn.gaussian_process.kernels.Sum",
    "sklearn.gaussian_process.kernels.WhiteKernel",
    "sklearn.neural_network._stochastic_optimizers.AdamOptimizer",  # mlp
)


class UntrustedModelError(ArchGymError):
    """A model file contains types outside the trusted list, or was changed after saving."""


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def save_model(model: ProxyModel, model_dir: str | os.PathLike[str], extra_card: dict[str, Any] | None = None) -> Path:
    """Write ``model`` to ``model_dir`` (created); returns the card's path.

    Args:
        model: a fitted proxy.
        model_dir: target folder; existing proxy files in it are replaced.
        extra_card: more card fields (scores, training configuration, default design …).
    """
    import skops.io as sio

    out = Path(model_dir)
    out.mkdir(parents=True, exist_ok=True)
    payload = {
        "regressors": {name: dict(mm.estimators) for name, mm in model.metric_models.items()},
        "classifiers": dict(model.classifiers),
    }
    tmp = out / f".{MODELS}.tmp"
    sio.dump(payload, tmp, compression=8)
    os.replace(tmp, out / MODELS)
    np.save(out / KEYS, np.asarray(model.train_keys, dtype=np.uint64), allow_pickle=False)
    card = dict(model.card)
    card.update(extra_card or {})
    card.update(
        {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "simulator": model.simulator,
            "version": model.version,
            "space_fingerprint": model.space.fingerprint(),
            "design_space": model.space.to_json(),
            "metrics": model.metrics,
            "workloads": list(model.workloads),
            "encoder": model.encoder.to_json(),
            "metric_models": {
                name: {
                    "kind": mm.kind,
                    "log_target": mm.log_target,
                    "y_mean": mm.y_mean,
                    "y_std": mm.y_std,
                    "groups": list(mm.estimators),
                    "cv_rmse": mm.cv_rmse,
                    "calibration": mm.calibration,
                }
                for name, mm in model.metric_models.items()
            },
            "feasible_rate": model.feasible_rate,
            "classifier_groups": list(model.classifiers),
            "training_rows": int(len(model.train_keys)),
            "models_sha256": _sha256(out / MODELS),
            "saved": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        }
    )
    card.setdefault("created", card["saved"])
    model.card = card
    tmp = out / f".{CARD}.tmp"
    tmp.write_text(json.dumps(card, indent=2, default=_json_default))
    os.replace(tmp, out / CARD)
    return out / CARD


def update_card(model_dir: str | os.PathLike[str], fields: dict[str, Any]) -> dict[str, Any]:
    """Add ``fields`` to a saved model card (the model file is not touched)."""
    card = load_card(model_dir)
    card.update(fields)
    path = Path(model_dir) / CARD
    tmp = path.with_name(f".{CARD}.tmp")
    tmp.write_text(json.dumps(card, indent=2, default=_json_default))
    os.replace(tmp, path)
    return card


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return str(obj)


def load_card(model_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """The model card of ``model_dir`` (JSON only; no model is loaded).

    Raises:
        ConfigError: the folder is not a proxy model directory or the card is malformed.
    """
    path = Path(model_dir) / CARD
    if not path.is_file():
        raise ConfigError(f"{model_dir} is not a proxy model directory (no {CARD}); train one with `archgym proxy train`")
    try:
        card = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}:{exc.lineno}: malformed model card ({exc.msg})") from None
    if not isinstance(card, dict) or card.get("format") != FORMAT:
        raise ConfigError(f"{path}: not an ArchGym proxy model card (format is not {FORMAT!r})")
    if int(card.get("format_version", 0)) > FORMAT_VERSION:
        raise ConfigError(f"{path}: model format version {card['format_version']} is newer than this ArchGym reads ({FORMAT_VERSION})")
    for key in ("simulator", "version", "design_space", "metrics", "encoder", "metric_models", "models_sha256"):
        if key not in card:
            raise ConfigError(f"{path}: model card lacks {key!r}")
    return card


def check_trusted(path: Path) -> list[str]:
    """The non-default types ``path`` would build, or :class:`UntrustedModelError` if any is not trusted."""
    import skops.io as sio

    try:
        types = sio.get_untrusted_types(file=path)
    except Exception as exc:  # noqa: BLE001 - skops raises several types for a malformed file
        raise UntrustedModelError(f"{path}: not a readable skops file ({type(exc).__name__}: {exc})") from None
    bad = sorted(t for t in types if t not in TRUSTED_TYPES)
    if bad:
        raise UntrustedModelError(
            f"{path}: refusing to load: it contains type(s) outside the trusted list: {', '.join(bad)}"
        )
    return list(types)


def load_model(model_dir: str | os.PathLike[str], space: Any = None) -> ProxyModel:
    """Load a proxy saved by :func:`save_model`, without running code from its files.

    Args:
        model_dir: the model directory.
        space: a :class:`~archgym.space.ParameterSpace` equal to the card's (e.g. the real
            simulator's, which carries constraint predicates) to use instead of the JSON one.

    Raises:
        ConfigError: malformed or missing card.
        UntrustedModelError: the estimator file changed after saving or holds untrusted types.
    """
    import skops.io as sio

    card = load_card(model_dir)
    path = Path(model_dir) / MODELS
    if not path.is_file():
        raise ConfigError(f"{model_dir}: missing {MODELS}")
    if _sha256(path) != card["models_sha256"]:
        raise UntrustedModelError(f"{path}: file differs from the one the model card describes (SHA-256 mismatch); refusing to load")
    trusted = check_trusted(path)
    try:
        payload = sio.load(path, trusted=trusted)
    except Exception as exc:  # noqa: BLE001
        raise UntrustedModelError(f"{path}: could not load ({type(exc).__name__}: {exc})") from None
    if not isinstance(payload, dict) or set(payload) != {"regressors", "classifiers"}:
        raise UntrustedModelError(f"{path}: unexpected content (expected regressors and classifiers)")
    encoder = FeatureEncoder.from_json(card["encoder"], space)
    metric_models = {}
    for name, meta in card["metric_models"].items():
        if name not in payload["regressors"]:
            raise UntrustedModelError(f"{path}: no regressor for metric {name!r}")
        metric_models[name] = MetricModel(
            name, meta["kind"], bool(meta["log_target"]), float(meta["y_mean"]), float(meta["y_std"]),
            dict(payload["regressors"][name]), dict(meta.get("cv_rmse", {})), dict(meta.get("calibration", {})),
        )
    keys_path = Path(model_dir) / KEYS
    keys = np.load(keys_path, allow_pickle=False) if keys_path.is_file() else np.zeros(0, np.uint64)
    return ProxyModel(
        simulator=card["simulator"],
        version=str(card["version"]),
        encoder=encoder,
        metrics=[dict(m) for m in card["metrics"]],
        metric_models=metric_models,
        classifiers=dict(payload["classifiers"]),
        feasible_rate={k: float(v) for k, v in card.get("feasible_rate", {}).items()},
        card=card,
        train_keys=keys,
    )
