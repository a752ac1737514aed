"""``ProxySimulator``: a trained proxy behind the simulator protocol.

A :class:`ProxySimulator` has the design space, metrics and workloads of the simulator its
data came from and answers :meth:`~ProxySimulator.evaluate` from the fitted models, so every
environment, agent and sweep runs on it unchanged. It

* refuses a design outside the trained space (:class:`~archgym.errors.InvalidDesignError`,
  naming the parameter and what is allowed) and a workload it was not trained on;
* raises :class:`~archgym.errors.InfeasibleDesign` for a design violating a constraint of the
  space or that its feasibility classifier predicts infeasible (probability below 0.5);
* refuses, at construction, a model trained for another simulator name, or — when that
  simulator is registered in this process — another simulator version or design space
  (:class:`ProxyMismatchError`);
* predicts many designs in one vectorised call (:meth:`~ProxySimulator.predict_batch`,
  :meth:`~ProxySimulator.evaluate_batch`);
* knows its uncertainty: :meth:`~ProxySimulator.predict_interval` (calibrated interval per
  metric), :meth:`~ProxySimulator.uncertainty` (a std per metric) and
  ``predict_batch(..., return_std=True)``; its metrics (what :meth:`evaluate` returns) are
  unchanged (see :mod:`archgym.proxy.uncertainty`).

Its registry name is ``<simulator>-proxy`` and its version ``<simulator version>+proxy.<hash>``
(the first 8 hex digits of the model file's SHA-256), so rows logged on a proxy never pass
for rows of the real simulator.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from archgym.errors import ConfigError, InfeasibleDesign
from archgym.proxy.model import ProxyModel
from archgym.simulator import Metric, Simulator, list_simulators, make_simulator
from archgym.space import Design

__all__ = ["ProxyMismatchError", "ProxySimulator", "registered_simulator"]

logger = logging.getLogger(__name__)


class ProxyMismatchError(ConfigError):
    """A proxy model does not belong to the simulator (name, version or design space) it is used for."""


def registered_simulator(name: str) -> Simulator | None:
    """An instance of the registered simulator ``name``, or ``None`` when it is not available here."""
    if name not in list_simulators():
        return None
    try:
        return make_simulator(name)
    except Exception as exc:  # noqa: BLE001 - a broken plugin must not stop the proxy
        logger.warning("simulator %r is registered but could not be built (%s); proxy checks skipped", name, exc)
        return None


def check_compatible(card: Mapping[str, Any], real: Simulator | None, simulator: str | None = None, version: str | None = None, fingerprint: str | None = None) -> None:
    """Raise :class:`ProxyMismatchError` unless the model card matches what is expected.

    Args:
        card: the model card.
        real: the real simulator, when registered (its version and space are compared).
        simulator, version, fingerprint: explicit expectations (compared when given).
    """
    name, ver, fp = card["simulator"], str(card["version"]), card.get("space_fingerprint")
    if simulator is not None and simulator != name:
        raise ProxyMismatchError(f"this proxy was trained on simulator {name!r}, not {simulator!r}")
    if version is not None and str(version) != ver:
        raise ProxyMismatchError(f"this proxy was trained on {name!r} v{ver}, not v{version}; retrain it on v{version} data")
    if fingerprint is not None and fingerprint != fp:
        raise ProxyMismatchError(
            f"this proxy was trained on a different design space of {name!r} (fingerprint {fp}, expected {fingerprint})"
        )
    if real is None:
        return
    if str(real.version) != ver:
        raise ProxyMismatchError(
            f"this proxy was trained on {name!r} v{ver}, but the registered {name!r} is v{real.version}; "
            "retrain the proxy on data from the current version"
        )
    if real.design_space.fingerprint() != fp:
        raise ProxyMismatchError(
            f"this proxy was trained on a design space of {name!r} with fingerprint {fp}, but the registered "
            f"simulator's space has fingerprint {real.design_space.fingerprint()}; retrain the proxy"
        )
    real_metrics = list(real.metric_names)
    card_metrics = [m["name"] for m in card["metrics"]]
    if real_metrics != card_metrics:
        raise ProxyMismatchError(f"this proxy predicts {card_metrics}, but {name!r} reports {real_metrics}; retrain the proxy")


class ProxySimulator(Simulator):
    """A trained proxy model implementing the simulator protocol.

    Args:
        model: a :class:`~archgym.proxy.model.ProxyModel` or a model directory.
        simulator, version, fingerprint: refuse the model unless it was trained for this
            simulator name / version / design-space fingerprint.
        check_registered: compare against the real simulator when it is registered here.
        threshold: a design whose predicted feasibility probability is below this is infeasible.
    """

    fast = True
    fidelity = "proxy"

    def __init__(
        self,
        model: ProxyModel | str | os.PathLike[str],
        *,
        simulator: str | None = None,
        version: str | None = None,
        fingerprint: str | None = None,
        check_registered: bool = True,
        threshold: float = 0.5,
    ):
        from archgym.proxy.persist import load_card, load_model

        model_dir = None if isinstance(model, ProxyModel) else str(model)
        card = model.card if isinstance(model, ProxyModel) else load_card(model)
        real = registered_simulator(card["simulator"]) if check_registered else None
        check_compatible(card, real, simulator, version, fingerprint)
        if not isinstance(model, ProxyModel):
            model = load_model(model, space=real.design_space if real is not None else None)
        elif real is not None and model.space.fingerprint() == real.design_space.fingerprint():
            model.encoder.space = real.design_space  # carries the constraint predicates
        self.model = model
        self.model_dir = model_dir
        self.base_simulator = model.simulator
        self.name = f"{model.simulator}-proxy"  # type: ignore[misc]
        sha = str(card.get("models_sha256", ""))[:8] or "unsaved"
        self.version = f"{model.version}+proxy.{sha}"  # type: ignore[misc]
        self.design_space = model.space
        descriptions = {m.name: m.description for m in real.metrics} if real is not None else {}
        self.metrics = tuple(
            Metric(m["name"], m["unit"], m["direction"], "proxy estimate: " + descriptions.get(m["name"], m["name"]))  # type: ignore[arg-type]
            for m in model.metrics
        )
        self.workloads = tuple(model.workloads)
        self.threshold = float(threshold)
        if real is not None:
            self._default = dict(real.default_design())
        elif card.get("default_design"):
            self._default = dict(card["default_design"])
        else:
            self._default = self.design_space.decode(self.design_space.nvec // 2)
        self._default = self.design_space.validate(self._default)
        self._real_objective = real.default_objective if real is not None else None

    def default_design(self) -> Design:
        return dict(self._default)

    # -- prediction --------------------------------------------------------------------
    def predict_batch(self, designs: Sequence[Mapping[str, Any]], workload: str | None = None, return_std: bool = False):
        """Vectorised prediction that never raises for infeasible designs.

        Returns:
            ``({metric: values of shape (n,)}, feasible of shape (n,) bool)``; a design is
            feasible when it meets every constraint of the space and the classifier's
            probability is at least ``threshold``. With ``return_std``, a third item
            ``{metric: std of shape (n,)}`` (see :meth:`uncertainty`).

        Raises:
            InvalidDesignError, UnknownWorkloadError: bad input, naming the culprit.
            ConfigError: ``return_std`` on a proxy trained without uncertainty calibration.
        """
        workload = self.check_workload(workload)
        x = self.model.encoder.transform_designs(designs, workload)
        preds, prob = self.model.predict_features(x, workload)
        feasible = prob >= self.threshold
        if self.design_space.constraints:
            feasible &= np.fromiter((self.design_space.is_feasible(d) for d in designs), bool, len(designs))
        if return_std:
            return preds, feasible, self.model.std_features(x, workload)
        return preds, feasible

    def predict_interval(self, designs: Sequence[Mapping[str, Any]], workload: str | None = None, level: float = 0.9) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """``{metric: (low, high)}``: the calibrated ``level`` interval of each design's metric.

        Raises:
            ConfigError: the proxy was trained without uncertainty calibration.
            ValueError: ``level`` outside (0, 1).
        """
        workload = self.check_workload(workload)
        x = self.model.encoder.transform_designs(designs, workload)
        return self.model.interval_features(x, workload, level)

    def uncertainty(self, designs: Sequence[Mapping[str, Any]], workload: str | None = None,
                    metrics: Sequence[str] | None = None) -> dict[str, np.ndarray]:
        """``{metric: std}`` in metric units per design: the calibrated 90 % interval's
        half-width / 1.645 (a Gaussian with the same 90 % interval); every metric, or ``metrics``."""
        workload = self.check_workload(workload)
        x = self.model.encoder.transform_designs(designs, workload)
        return self.model.std_features(x, workload, metrics)

    def evaluate(self, design: Mapping[str, Any], workload: str | None = None) -> dict[str, float]:
        """Predict one design's metrics (see :meth:`Simulator.evaluate`)."""
        workload = self.check_workload(workload)
        preds, prob = self.model.predict([design], workload)
        self._raise_if_infeasible(design, float(prob[0]))
        return self._check_metrics({k: float(v[0]) for k, v in preds.items()})

    def _evaluate(self, design: Design, workload: str) -> dict[str, float]:
        return self.evaluate(design, workload)

    def evaluate_batch(self, designs: Sequence[Mapping[str, Any]], workload: str | None = None) -> list[dict[str, float]]:
        """Predict many designs in one vectorised call; an infeasible one raises as in :meth:`evaluate`."""
        workload = self.check_workload(workload)
        preds, prob = self.model.predict(designs, workload)
        bad = np.nonzero(prob < self.threshold)[0]
        if len(bad):
            self._raise_if_infeasible(designs[int(bad[0])], float(prob[bad[0]]))
        if self.design_space.constraints:
            for d in designs:
                self._raise_if_infeasible(d, 1.0)
        names = list(preds)
        cols = [preds[n].tolist() for n in names]
        return [dict(zip(names, row)) for row in zip(*cols)]

    def _raise_if_infeasible(self, design: Mapping[str, Any], prob: float) -> None:
        if self.design_space.constraints:
            ok, reason = self.design_space.feasibility(design)
            if not ok:
                raise InfeasibleDesign(reason or "constraint violated")
        if prob < self.threshold:
            raise InfeasibleDesign(f"the proxy predicts this design infeasible (probability feasible {prob:.2f})")

    def default_objective(self, workload: str | None = None):  # noqa: ANN201 - Objective
        """The real simulator's default objective when it is registered here (same targets), else the base default."""
        if self._real_objective is not None:
            try:
                return self._real_objective(workload)
            except Exception as exc:  # noqa: BLE001
                logger.info("real default objective unavailable (%s); using targets from the proxy's baseline", exc)
        return super().default_objective(workload)

    def __repr__(self) -> str:
        where = f" from {Path(self.model_dir)}" if self.model_dir else ""
        return f"<ProxySimulator {self.name!r} v{self.version}{where}>"
