"""End-to-end: dataset → trained, reported, saved proxy; and evaluation of a saved proxy.

:func:`train_proxy` reads the dataset, holds out ``test_fraction`` of the designs (with all their rows), selects
and fits one model per metric on the rest, scores it on the held-out rows and — when the data
has several workloads — on a whole workload it never saw, times it against the simulator,
saves it (the saved model is exactly the one scored) and writes the report files.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from archgym.errors import ConfigError
from archgym.proxy.data import load_rows
from archgym.proxy.model import ProxyModel
from archgym.proxy.persist import load_model, save_model, update_card
from archgym.proxy.report import format_table, measure_speed, score_rows, write_report
from archgym.proxy.simulator import ProxySimulator, check_compatible, registered_simulator
from archgym.proxy.train import TrainConfig, fit_proxy, split_masks

__all__ = ["TrainResult", "evaluate_proxy", "train_and_report", "train_proxy"]

logger = logging.getLogger(__name__)


@dataclass
class TrainResult:
    """What :func:`train_proxy` produced: the model, its report, and where they were written."""

    model: ProxyModel
    report: dict[str, Any]
    model_dir: Path | None
    report_path: Path | None

    def table(self) -> str:
        return format_table(self.report)


def _holdout_workload(cfg: TrainConfig, workloads: tuple[str, ...]) -> str | None:
    if cfg.holdout_workload is None or len(workloads) < 2 or not cfg.workload_feature:
        return None
    if cfg.holdout_workload == "auto":
        return workloads[-1]
    if cfg.holdout_workload not in workloads:
        raise ConfigError(f"holdout_workload {cfg.holdout_workload!r} is not in the data; it has: {', '.join(workloads)}")
    return cfg.holdout_workload


def train_proxy(
    dataset: str | os.PathLike[str],
    simulator: str,
    out: str | os.PathLike[str] | None = None,
    config: TrainConfig | None = None,
    version: str | None = None,
    speed: bool = True,
    batch: int = 10_000,
) -> TrainResult:
    """Train, report and (with ``out``) save a proxy of ``simulator`` from ``dataset``.

    Args:
        dataset: an ArchGym dataset folder.
        simulator: whose rows to learn.
        out: model directory to write (card, models, report files); ``None`` keeps it in memory.
        config: training options (:class:`TrainConfig`).
        version: the simulator version, when the dataset holds several.
        speed: time the proxy against the simulator's logged time per call.
        batch: designs in the batched timing.
    """
    cfg = config or TrainConfig()
    t0 = time.perf_counter()
    rows = load_rows(dataset, simulator, version, workload_feature=cfg.workload_feature)
    if len(rows) < 10:
        raise ConfigError(f"dataset {dataset} has only {len(rows)} unique rows of {simulator!r}; a proxy needs at least 10")
    train, test = split_masks(rows.design_ids, cfg.test_fraction, cfg.seed)
    model = fit_proxy(rows, train, cfg)
    for line in model.card.get("fit_warnings", []):
        logger.warning("%s", line)
    fit_s = time.perf_counter() - t0
    kinds = {name: mm.kind for name, mm in model.metric_models.items()}
    heldout, pairs = score_rows(model, rows, test)
    heldout["split"] = "by design: a held-out design is unseen on every workload"
    report: dict[str, Any] = {
        "simulator": rows.simulator,
        "version": rows.version,
        "dataset": str(dataset),
        "metrics": rows.metrics,
        "workloads": list(rows.workloads),
        "rows_read": rows.raw_rows,
        "unique_rows": len(rows),
        "feasible_rows": int(rows.feasible.sum()),
        "training_rows": int(train.sum()),
        "models": kinds,
        "candidates_cv_rmse": {name: mm.cv_rmse for name, mm in model.metric_models.items()},
        "log_target": {name: mm.log_target for name, mm in model.metric_models.items()},
        "train_config": cfg.to_json(),
        "fit_s": fit_s,
        "warnings": list(model.card.get("fit_warnings", [])),
        "heldout": heldout,
    }
    hw = _holdout_workload(cfg, rows.workloads)
    if hw is not None:
        other = rows.workload != hw
        if (train & other & rows.feasible).any():
            wl_model = fit_proxy(rows, train & other, cfg, kinds=kinds)
            wl_scores, _ = score_rows(wl_model, rows, ~other)
            wl_scores["workload"] = hw
            wl_scores["note"] = (
                "trained on the other workloads' training rows with the same model choice; the workload is "
                "a one-hot feature, so this measures how far an unseen workload's behaviour can be guessed"
            )
            report["heldout_workload"] = wl_scores
    real = registered_simulator(rows.simulator)
    extra: dict[str, Any] = {"scores": {"heldout": heldout, "heldout_workload": report.get("heldout_workload")}}
    if real is not None:
        from archgym.simulator import simulator_spec

        extra["default_design"] = real.default_design()
        extra["env_name"] = simulator_spec(rows.simulator).env_name
        try:
            check_compatible({"simulator": rows.simulator, "version": rows.version, "space_fingerprint": rows.space.fingerprint(),
                              "metrics": rows.metrics}, real)
        except ConfigError as exc:
            logger.warning("the registered simulator differs from the dataset's: %s", exc)
            real = None
    extra["sim_wall_s"] = rows.sim_wall_s
    model.card.update(extra)
    model_dir = Path(out) if out is not None else None
    if model_dir is not None:
        save_model(model, model_dir)
    if speed:
        proxy = ProxySimulator(model, check_registered=real is not None)
        report["speed"] = measure_speed(proxy, rows.sim_wall_s, batch=batch, seed=cfg.seed)
    report_path = None
    if model_dir is not None:
        report_path = write_report(report, model_dir, pairs)
        if speed:  # the card carries the speed figures too
            update_card(model_dir, {"speed": report["speed"]})
    return TrainResult(model, report, model_dir, report_path)


def evaluate_proxy(
    model_dir: str | os.PathLike[str],
    dataset: str | os.PathLike[str],
    out: str | os.PathLike[str] | None = None,
    include_training_rows: bool = False,
    speed: bool = True,
    batch: int = 10_000,
) -> tuple[dict[str, Any], Path | None]:
    """Score a saved proxy on a dataset of the same simulator, version and design space.

    Rows the model was trained on are left out (unless ``include_training_rows``), so the
    scores describe designs it never saw. Writes ``eval.json``, ``eval.txt`` and
    ``eval-parity.png`` into ``out`` (default: ``model_dir``).

    Raises:
        ProxyMismatchError: the dataset's simulator version or design space differ from the model's.
    """
    from archgym.proxy.persist import load_card

    card = load_card(model_dir)
    model = load_model(model_dir)
    rows = load_rows(dataset, card["simulator"], str(card["version"]), workload_feature=model.encoder.workload_feature,
                     encoder=model.encoder)
    check_compatible(card, None, rows.simulator, rows.version, rows.space.fingerprint())
    mask = np.ones(len(rows), dtype=bool)
    seen = np.isin(rows.keys, model.train_keys)
    if not include_training_rows:
        mask &= ~seen
    if not mask.any():
        raise ConfigError(f"every row of {dataset} was used to train this proxy; evaluate it on new data")
    scores, pairs = score_rows(model, rows, mask)
    scores["training_rows_left_out"] = int(seen.sum()) if not include_training_rows else 0
    report: dict[str, Any] = {
        "simulator": card["simulator"],
        "version": card["version"],
        "dataset": str(dataset),
        "metrics": card["metrics"],
        "training_rows": card.get("training_rows"),
        "models": {n: m["kind"] for n, m in card["metric_models"].items()},
        "evaluation": scores,
    }
    if speed:
        proxy = ProxySimulator(model, check_registered=False)
        report["speed"] = measure_speed(proxy, rows.sim_wall_s, batch=batch)
    path = write_report(report, out or model_dir, pairs, name="eval")
    return report, path


def train_and_report(dataset: str | os.PathLike[str], simulator: str, out: str | os.PathLike[str], models: str = "rf,et,hgb,knn") -> Path:
    """Train a proxy on a sweep's dataset folder and return the path of its report (JSON).

    The report's table is in ``report.txt`` and the parity plot in ``report-parity.png``
    next to it. Meant for demos: the quicker candidates only (no GP, no MLP).
    """
    result = train_proxy(dataset, simulator, out, TrainConfig(models=tuple(models.split(","))))
    return Path(out) / "report.json" if result.report_path is None else result.report_path
