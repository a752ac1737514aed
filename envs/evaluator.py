"""One evaluation path: cache, simulator call, objective, dataset row.

:class:`Evaluator` is what every environment step (and so every agent) goes through:

1. a design already evaluated in this run is answered from the cache (``cache_hit=True``,
   logged, not counted against the budget);
2. a design violating a constraint of the design space is recorded without running the
   simulator (``outcome="constraint"``);
3. otherwise the simulator runs. :class:`~archgym.errors.InfeasibleDesign` becomes an
   ``outcome="infeasible"`` record; any other exception an ``outcome="error"`` record with the
   error text (a failure of the simulator, not of the design: the proxy never learns it as
   infeasibility). Both are ``feasible=False`` and the search goes on, unless
   ``max_consecutive_errors`` simulator calls in a row end in ``error``: then
   :class:`~archgym.errors.RepeatedSimulatorError` stops the run, carrying the last traceback;
4. the objective turns metrics into a :class:`~archgym.objective.Score`; a violated limit of
   the objective is ``outcome="constraint"`` (metrics kept), else ``outcome="ok"``;
5. one row goes to the dataset writer, if any.

``KeyboardInterrupt`` and ``SystemExit`` always propagate and never become a row; so does a
``KeyboardInterrupt`` that a compiled (Numba) kernel turns into ``SystemError: … returned a
result with an exception set``: the interrupt found in the exception's cause chain is raised.

``unique_calls`` counts steps 2–3: designs new to this run. Budgets count these.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from archgym.datasets import DatasetWriter
from archgym.errors import InfeasibleDesign, InvalidDesignError, RepeatedSimulatorError, UnknownWorkloadError
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
        sim_wall_s: seconds spent in the simulator (0 for cache hits); not compared by ``==``
            (two runs of one design give equal records).
        call_index: index among unique calls (the budget counter) of the original evaluation.
        outcome: ``"ok"``, ``"infeasible"``, ``"constraint"`` or ``"error"`` (see the module
            docstring).
        fidelity: the fidelity tier that produced it (the dataset's ``fidelity`` column).
        cost: cost units this request spent (the tier's cost per call; 0 for a cache hit).
    """

    step: int
    design: Design
    metrics: dict[str, float] | None
    score: Score
    cache_hit: bool
    error: str | None
    sim_wall_s: float = field(compare=False)  # a measurement: equal records may differ in it
    call_index: int
    outcome: str = "ok"
    fidelity: str = ""
    cost: float = 0.0

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
        max_consecutive_errors: stop with :class:`~archgym.errors.RepeatedSimulatorError`
            after this many simulator calls in a row raised an unexpected exception
            (``None``: never stop).
        fidelity: the tier name stamped on every record (default: the simulator's
            ``fidelity_of(workload)``).
        cost: cost units of one simulator call (cache hits cost 0).
    """

    def __init__(
        self,
        simulator: Simulator,
        workload: str,
        objective: Objective,
        writer: DatasetWriter | None = None,
        cache: bool = True,
        max_consecutive_errors: int | None = 5,
        fidelity: str | None = None,
        cost: float = 1.0,
    ):
        if max_consecutive_errors is not None and (
            isinstance(max_consecutive_errors, bool) or not isinstance(max_consecutive_errors, int) or max_consecutive_errors < 1
        ):
            raise ValueError(f"max_consecutive_errors must be an integer >= 1 or None, got {max_consecutive_errors!r}")
        self.max_consecutive_errors = max_consecutive_errors
        self.consecutive_errors = 0
        self._last_traceback = ""
        self.simulator = simulator
        self.workload = simulator.check_workload(workload)
        self.fidelity = str(fidelity) if fidelity is not None else str(simulator.fidelity_of(self.workload))
        self.cost = float(cost)
        self.objective = objective
        self.writer = writer
        self.use_cache = cache
        self._cache: dict[tuple, EvalRecord] = {}
        self._names = simulator.design_space.names
        self.steps = 0
        self.unique_calls = 0
        self.last_record: EvalRecord | None = None

    def restart(self) -> None:
        """Start a new run: empty cache, step and call counters at 0 (the writer is kept)."""
        self._cache.clear()
        self.steps = self.unique_calls = self.consecutive_errors = 0
        self.last_record = None

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
            rec = replace(hit, step=step, cache_hit=True, sim_wall_s=0.0, cost=0.0)
        else:
            rec = replace(self._run(step, design), fidelity=self.fidelity, cost=self.cost)
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
                outcome=rec.outcome,
                cache_hit=rec.cache_hit,
                error=rec.error,
                sim_wall_s=rec.sim_wall_s,
            )
        self.last_record = rec
        if not rec.cache_hit and not (rec.outcome == "constraint" and rec.metrics is None):
            self._count_error(rec)  # only calls that reached the simulator
        return rec

    def _count_error(self, rec: EvalRecord) -> None:
        """Track consecutive ``error`` outcomes of simulator calls; stop at the limit."""
        if rec.outcome != "error":
            self.consecutive_errors = 0
            return
        self.consecutive_errors += 1
        limit = self.max_consecutive_errors
        if limit is not None and self.consecutive_errors >= limit:
            raise RepeatedSimulatorError(self.simulator.name, self.consecutive_errors, rec.error or "", self._last_traceback)

    def _run(self, step: int, design: Design) -> EvalRecord:
        call_index = self.unique_calls
        self.unique_calls += 1
        ok, reason = self.simulator.design_space.feasibility(design)
        if not ok:
            reason = reason or "design-space constraint violated"
            return EvalRecord(step, design, None, self.objective.failure(reason), False, reason, 0.0, call_index, "constraint")
        t0 = time.perf_counter()
        try:
            metrics = self.simulator.evaluate(design, self.workload)
        except (InvalidDesignError, UnknownWorkloadError):
            raise
        except InfeasibleDesign as exc:
            _raise_interrupt(exc)
            wall = time.perf_counter() - t0
            return EvalRecord(step, design, None, self.objective.failure(str(exc)), False, str(exc), wall, call_index, "infeasible")
        except Exception as exc:  # noqa: BLE001 - one failing design must not end the search
            _raise_interrupt(exc)
            wall = time.perf_counter() - t0
            msg = f"{type(exc).__name__}: {exc}"
            self._last_traceback = "".join(traceback.format_exception(exc))
            logger.warning("simulator %s raised an error on %s: %s", self.simulator.name, design, msg)
            return EvalRecord(step, design, None, self.objective.failure(msg), False, msg, wall, call_index, "error")
        wall = time.perf_counter() - t0
        score = self.objective.score(metrics)
        outcome = "ok" if score.feasible else "constraint"
        return EvalRecord(step, design, metrics, score, False, score.reason, wall, call_index, outcome)

    def close(self) -> None:
        """Flush the dataset writer."""
        if self.writer is not None:
            self.writer.close()


def _raise_interrupt(exc: BaseException) -> None:
    """Raise the ``KeyboardInterrupt`` hidden in ``exc``'s cause chain, if any.

    Ctrl-C inside a Numba-compiled kernel reaches Python as ``SystemError: CPUDispatcher(…)
    returned a result with an exception set`` whose ``__cause__``/``__context__`` is the
    ``KeyboardInterrupt``; a simulator may also wrap an interrupt in its own exception. Either
    way the user asked to stop: the interrupt is re-raised, never recorded as a row.
    (``SystemExit`` is not dug out: a simulator that turns a tool's ``exit()`` into an error,
    as the SCALE-Sim adapter does, means it as an error; a bare ``SystemExit`` propagates.)
    """
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, KeyboardInterrupt):
            raise e from None
        todo += [e.__cause__, e.__context__]
