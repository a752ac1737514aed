"""One evaluation path: cache, simulator call, objective, dataset row.

:class:`Evaluator` is what every environment step (and so every agent) goes through:

1. a design already evaluated in this run is answered from the cache (``cache_hit=True``,
   logged, not counted against the budget);
2. a design violating a constraint of the design space is recorded infeasible without
   running the simulator;
3. otherwise the simulator runs; :class:`~archgym.errors.InfeasibleDesign` or any other
   exception from the simulator becomes a ``feasible=False`` record with the error text,
   so the search goes on;
4. the objective turns metrics into a :class:`~archgym.objective.Score`;
5. one row goes to the dataset writer, if any.

``unique_calls`` counts steps 2–3: designs new to this run. Budgets count these.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from archgym.datasets import DatasetWriter
from archgym.errors import InfeasibleDesign, InvalidDesignError, UnknownWorkloadError
from archgym.objective import Objective, Score
from archgym.simulator import Simulator
from archgym.space import Design

__all__ = ["EvalRecord", "Evaluator"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EvalRecord:
    """The outcome of one evaluation request.

    Attributes:
        step: 0-based index of the request in this evaluator (cache hits included).
        design: the validated design.
        metrics: ``{metric: value}``, or ``None`` when the simulator did not produce any.
        score: reward, feasibility, reward vector and infeasibility reason.
        cache_hit: answered from the cache, no simulator call.
        error: why the evaluation failed or the design is infeasible, else ``None``.
        sim_wall_s: seconds spent in the simulator (0 for cache hits).
        call_index: index among unique calls (the budget counter) of the original evaluation.
    """

    step: int
    design: Design
    metrics: dict[str, float] | None
    score: Score
    cache_hit: bool
    error: str | None
    sim_wall_s: float
    call_index: int

    @property
    def reward(self) -> float:
        return self.score.reward

    @property
    def feasible(self) -> bool:
        return self.score.feasible


class Evaluator:
    """Evaluates designs of one simulator on one workload under one objective.

    Args:
        simulator: the simulator.
        workload: the workload (validated here).
        objective: turns metrics into a reward.
        writer: dataset writer; every request (cache hits too) becomes a row.
        cache: reuse results of designs already seen in this evaluator.
    """

    def __init__(
        self,
        simulator: Simulator,
        workload: str,
        objective: Objective,
        writer: DatasetWriter | None = None,
        cache: bool = True,
    ):
        self.simulator = simulator
        self.workload = simulator.check_workload(workload)
        self.objective = objective
        self.writer = writer
        self.use_cache = cache
        self._cache: dict[tuple, EvalRecord] = {}
        self._names = simulator.design_space.names
        self.steps = 0
        self.unique_calls = 0
        self.last_record: EvalRecord | None = None

    def key(self, design: Mapping[str, Any]) -> tuple:
        """The cache key of a validated design."""
        return tuple(design[n] for n in self._names)

    def seen(self, design: Mapping[str, Any]) -> bool:
        """Whether ``design`` would be a cache hit."""
        return self.use_cache and self.key(self.simulator.design_space.validate(design)) in self._cache

    def evaluate(self, design: Mapping[str, Any]) -> EvalRecord:
        """Evaluate one design (see the module docstring for the steps).

        Raises:
            InvalidDesignError: the design is not in the simulator's design space.
        """
        space = self.simulator.design_space
        design = space.validate(design)
        key = self.key(design)
        step = self.steps
        self.steps += 1
        hit = self._cache.get(key) if self.use_cache else None
        if hit is not None:
            rec = EvalRecord(step, hit.design, hit.metrics, hit.score, True, hit.error, 0.0, hit.call_index)
        else:
            rec = self._run(step, design)
            if self.use_cache:
                self._cache[key] = rec
        if self.writer is not None:
            self.writer.append(
                step=step,
                workload=self.workload,
                design=design,
                metrics=rec.metrics,
                reward=rec.score.reward,
                feasible=rec.score.feasible,
                cache_hit=rec.cache_hit,
                error=rec.error,
                sim_wall_s=rec.sim_wall_s,
            )
        self.last_record = rec
        return rec

    def _run(self, step: int, design: Design) -> EvalRecord:
        call_index = self.unique_calls
        self.unique_calls += 1
        ok, reason = self.simulator.design_space.feasibility(design)
        if not ok:
            return EvalRecord(step, design, None, self.objective.failure(reason or "infeasible"), False, reason, 0.0, call_index)
        t0 = time.perf_counter()
        try:
            metrics = self.simulator.evaluate(design, self.workload)
        except (InvalidDesignError, UnknownWorkloadError):
            raise
        except InfeasibleDesign as exc:
            wall = time.perf_counter() - t0
            return EvalRecord(step, design, None, self.objective.failure(str(exc)), False, str(exc), wall, call_index)
        except Exception as exc:  # noqa: BLE001 - a failing design must not end the search
            wall = time.perf_counter() - t0
            msg = f"{type(exc).__name__}: {exc}"
            logger.warning("simulator %s failed on %s: %s", self.simulator.name, design, msg)
            return EvalRecord(step, design, None, self.objective.failure(msg), False, msg, wall, call_index)
        wall = time.perf_counter() - t0
        score = self.objective.score(metrics)
        return EvalRecord(step, design, metrics, score, False, score.reason, wall, call_index)

    def close(self) -> None:
        """Flush the dataset writer."""
        if self.writer is not None:
            self.writer.close()
