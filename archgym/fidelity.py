"""Fidelity tiers, budgets and the cost ledger of multi-fidelity search (issue 17).

A simulator *family* declares its tiers, cheap to expensive (:func:`tiers_for`): e.g.
``dram``: ``proxy`` < ``cycle``. A :class:`Tier` names the simulator that produces its numbers,
how the environment's workload and design map onto it, and its **cost**: the relative cost of
one call in *cost units* (the cheapest tier of a family = 1.0), a declared number so budgets
are deterministic, measured offline from the dataset's ``sim_wall_s`` by
``benchmarks/bench_fidelity_costs.py`` (each tier's ``cost_source`` quotes the run).

A :class:`Budget` limits a search in calls (at the top tier, or per tier) and/or in total cost
units; a :class:`CostLedger` adds up calls, cost units and measured simulator seconds per tier
(cache hits are free). See ``docs/multifidelity.md``.

This module is light: it imports no Gymnasium, pyarrow or torch.
"""

from __future__ import annotations

import inspect
import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from archgym.errors import ConfigError, did_you_mean

__all__ = ["Budget", "CostLedger", "SCALESIM_SUBSET", "Tier", "dnn_to_scalesim", "list_families", "register_tiers", "tiers_for"]

Design = dict[str, Any]


@dataclass(frozen=True)
class Tier:
    """One fidelity tier of a simulator family.

    Attributes:
        name: the tier, as logged in the dataset's ``fidelity`` column (``proxy``, ``cycle``,
            ``analytical``, ``zigzag``, ``deterministic``, ``stochastic``, ...); it must equal
            the tier simulator's ``fidelity_of(workload)``.
        simulator: a registered simulator name.
        simulator_kwargs: keyword arguments for its factory.
        cost: cost units of one call (the family's cheapest tier = 1.0); ``None`` counts 1.0.
        workload: the tier's workload for the environment's (a fixed name or a function of
            the environment's workload); ``None``: the same workload.
        translate: maps an environment design to the tier simulator's design; ``None``: the
            tier simulator has the environment's design space.
        cost_source: where ``cost`` comes from (command and date of the measurement).
        unavailable: why this tier cannot be built here (e.g. a proxy tier with no trained
            model); an environment that needs it raises this as a one-line error, while the
            family's other tiers stay usable (``""``: available).
    """

    name: str
    simulator: str
    simulator_kwargs: Mapping[str, Any] = field(default_factory=dict)
    cost: float | None = None
    workload: str | Callable[[str], str] | None = None
    translate: Callable[[Design], Design] | None = None
    cost_source: str = ""
    unavailable: str = ""

    def require(self) -> Tier:
        """This tier, or a :class:`~archgym.errors.ConfigError` saying why it cannot be built."""
        if self.unavailable:
            raise ConfigError(self.unavailable)
        return self

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ConfigError(f"a tier needs a non-empty name, got {self.name!r}")
        if self.cost is not None and (
            isinstance(self.cost, bool) or not isinstance(self.cost, numbers.Real) or not math.isfinite(self.cost) or self.cost <= 0
        ):
            raise ConfigError(f"tier {self.name!r}: cost must be a finite number > 0 (cost units), got {self.cost!r}")

    @property
    def unit_cost(self) -> float:
        """Cost units of one call (1.0 when undeclared)."""
        return 1.0 if self.cost is None else float(self.cost)

    def workload_for(self, workload: str) -> str:
        """The tier's workload for the environment's ``workload``."""
        if self.workload is None:
            return workload
        if callable(self.workload):
            return self.workload(workload)
        return self.workload

    def design_for(self, design: Design) -> Design:
        """The tier simulator's design for an environment design."""
        return dict(design) if self.translate is None else self.translate(dict(design))

    def describe(self) -> dict[str, Any]:
        """A JSON-serialisable description (name, simulator, cost, its source)."""
        return {"name": self.name, "simulator": self.simulator, "cost": self.unit_cost, "cost_source": self.cost_source}


TierFactory = Callable[..., Sequence[Tier]]
_FAMILIES: dict[str, TierFactory] = {}


def register_tiers(family: str, factory: TierFactory, overwrite: bool = False) -> None:
    """Declare the tiers of a simulator family.

    Args:
        family: the family name; the environments of the simulator of that name use it.
        factory: ``factory(workload, **options) -> [Tier, ...]`` ordered cheap to expensive.
        overwrite: replace an existing family of that name.
    """
    if not isinstance(family, str) or not family:
        raise ConfigError(f"a tier family needs a non-empty name, got {family!r}")
    if family in _FAMILIES and not overwrite and _FAMILIES[family] is not factory:
        raise ConfigError(f"tier family {family!r} is already registered; pass overwrite=True to replace it")
    _FAMILIES[family] = factory


def list_families() -> list[str]:
    """Families with declared tiers, sorted."""
    return sorted(_FAMILIES)


def tiers_for(family: str, workload: str | None = None, **options: Any) -> list[Tier]:
    """The tiers of ``family`` on ``workload``, ordered cheap to expensive.

    Raises:
        ConfigError: the family declares no tiers (naming those that do), a bad option, or a
            factory returned tiers that are not ordered by cost or share a name.
    """
    if family not in _FAMILIES:
        raise ConfigError(
            f"simulator family {family!r} declares no fidelity tiers{did_you_mean(family, _FAMILIES)}; "
            f"families with tiers: {', '.join(list_families()) or '(none)'} (add one with archgym.fidelity.register_tiers)"
        )
    factory = _FAMILIES[family]
    try:
        allowed = [n for n, p in inspect.signature(factory).parameters.items()
                   if n != "workload" and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):  # a callable without a signature: let the call decide
        allowed = None
    unknown = sorted(set(options) - set(allowed)) if allowed is not None else []
    if unknown:
        raise ConfigError(f"tier family {family!r} has no option {unknown[0]!r}{did_you_mean(unknown[0], allowed or [])}; "
                          f"options: {', '.join(allowed or []) or '(none)'}")
    tiers = list(factory(workload, **options))
    check_tiers(tiers, family)
    return tiers


def check_tiers(tiers: Sequence[Tier], what: str = "tiers") -> None:
    """Raise :class:`ConfigError` unless ``tiers`` is non-empty, named uniquely and cheap → expensive."""
    if not tiers:
        raise ConfigError(f"{what}: no tiers given")
    names = [t.name for t in tiers]
    if len(set(names)) != len(names):
        raise ConfigError(f"{what}: tier names must be unique, got {names}")
    costs = [t.unit_cost for t in tiers]
    if any(b < a for a, b in zip(costs, costs[1:])):
        raise ConfigError(f"{what}: tiers must be ordered cheap to expensive, got costs {dict(zip(names, costs))}")


def tier_index(tiers: Sequence[Tier], which: Any) -> int:
    """The index of tier ``which`` (an index or a name); a clear error naming what is allowed."""
    names = [t.name for t in tiers]
    if isinstance(which, str):
        if which not in names:
            raise ConfigError(f"unknown fidelity {which!r}{did_you_mean(which, names)}; tiers: {', '.join(names)}")
        return names.index(which)
    if isinstance(which, bool) or not isinstance(which, numbers.Integral):
        try:
            import numpy as np

            if isinstance(which, np.ndarray) and which.shape == () and np.issubdtype(which.dtype, np.integer):
                which = int(which)
            else:
                raise TypeError
        except TypeError:
            raise ConfigError(f"fidelity must be a tier index 0..{len(names) - 1} or a tier name ({', '.join(names)}), got {which!r}") from None
    if not 0 <= int(which) < len(names):
        raise ConfigError(f"fidelity index {int(which)} out of range 0..{len(names) - 1} (tiers: {', '.join(names)})")
    return int(which)


@dataclass(frozen=True)
class Budget:
    """Limits of one search; it stops when **any** given limit is reached.

    Attributes:
        calls: an int = unique simulator calls at the top tier (for a single-fidelity env,
            its only tier); a mapping = a limit per tier name; ``None``: no call limit.
        cost: total cost units (a call that would pass it is not made); ``None``: no limit.
    """

    calls: int | Mapping[str, int] | None = None
    cost: float | None = None

    def __post_init__(self) -> None:
        if self.calls is None and self.cost is None:
            raise ConfigError("a budget needs calls (an int >= 1 or {tier: int >= 1}) or cost (> 0 cost units)")
        if self.calls is not None:
            items = self.calls.items() if isinstance(self.calls, Mapping) else [("calls", self.calls)]
            if isinstance(self.calls, Mapping) and not self.calls:
                raise ConfigError("budget calls per tier: give at least one {tier: calls >= 1}")
            for name, n in items:
                if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
                    label = "budget" if name == "calls" and not isinstance(self.calls, Mapping) else f"budget calls for tier {name!r}"
                    raise ConfigError(f"{label} must be an integer >= 1, got {n!r}")
        if self.cost is not None and (
            isinstance(self.cost, bool) or not isinstance(self.cost, numbers.Real) or not math.isfinite(self.cost) or self.cost <= 0
        ):
            raise ConfigError(f"budget cost must be a finite number > 0 (cost units), got {self.cost!r}")

    @classmethod
    def coerce(cls, value: Budget | int) -> Budget:
        """A :class:`Budget` from a budget or an int (calls at the top tier)."""
        if isinstance(value, Budget):
            return value
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            else:
                raise ConfigError(f"budget must be an integer >= 1 or a Budget, got {value!r}")
        return cls(calls=int(value))

    def check(self, tiers: Sequence[Tier]) -> None:
        """Raise :class:`ConfigError` if a per-tier limit names no tier of ``tiers``."""
        if isinstance(self.calls, Mapping):
            names = [t.name for t in tiers]
            for name in self.calls:
                if name not in names:
                    raise ConfigError(f"budget names unknown tier {name!r}{did_you_mean(str(name), names)}; tiers: {', '.join(names)}")

    def _call_limit(self, tier: str, top: str) -> int | None:
        if self.calls is None:
            return None
        if isinstance(self.calls, Mapping):
            return self.calls.get(tier)
        return int(self.calls) if tier == top else None

    def exhausted(self, ledger: CostLedger, top: str) -> bool:
        """Whether any limit is reached (``top``: the top tier's name)."""
        if self.cost is not None and ledger.total_cost >= self.cost - 1e-9:
            return True
        if isinstance(self.calls, Mapping):
            return any(ledger.calls.get(t, 0) >= n for t, n in self.calls.items())
        return self.calls is not None and ledger.calls.get(top, 0) >= self.calls

    def allows(self, ledger: CostLedger, tier: Tier, top: str) -> bool:
        """Whether one more unique call at ``tier`` stays within every limit."""
        if self.exhausted(ledger, top):
            return False
        if self.cost is not None and ledger.total_cost + tier.unit_cost > self.cost + 1e-9:
            return False
        limit = self._call_limit(tier.name, top)
        return limit is None or ledger.calls.get(tier.name, 0) < limit

    def as_dict(self) -> dict[str, Any]:
        calls = dict(self.calls) if isinstance(self.calls, Mapping) else self.calls
        return {"calls": calls, "cost": None if self.cost is None else float(self.cost)}


class CostLedger:
    """Calls, cost units and simulator seconds per tier (cache hits: counted apart, cost 0).

    Args:
        tiers: tiers to list (in this order) even before their first call.
    """

    def __init__(self, tiers: Sequence[Tier] = ()):
        self.calls: dict[str, int] = {}
        self.cost: dict[str, float] = {}
        self.sim_s: dict[str, float] = {}
        self.cache_hits: dict[str, int] = {}
        for t in tiers:
            self._ensure(t.name)

    def _ensure(self, tier: str) -> None:
        if tier not in self.calls:
            self.calls[tier], self.cost[tier], self.sim_s[tier], self.cache_hits[tier] = 0, 0.0, 0.0, 0

    def add(self, tier: str, cost: float, sim_s: float, cache_hit: bool) -> None:
        """Account one evaluation at ``tier`` (a cache hit adds no call, cost or time)."""
        self._ensure(tier)
        if cache_hit:
            self.cache_hits[tier] += 1
            return
        self.calls[tier] += 1
        self.cost[tier] += float(cost)
        self.sim_s[tier] += float(sim_s)

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    @property
    def total_cost(self) -> float:
        return float(sum(self.cost.values()))

    @property
    def total_sim_s(self) -> float:
        return float(sum(self.sim_s.values()))

    def as_dict(self) -> dict[str, Any]:
        """``{"tiers": {name: {calls, cost, sim_s, cache_hits}}, "total_calls", "total_cost", "total_sim_s"}``."""
        return {
            "tiers": {
                t: {"calls": self.calls[t], "cost": self.cost[t], "sim_s": self.sim_s[t], "cache_hits": self.cache_hits[t]}
                for t in self.calls
            },
            "total_calls": self.total_calls,
            "total_cost": self.total_cost,
            "total_sim_s": self.total_sim_s,
        }

    def __repr__(self) -> str:
        return f"CostLedger({self.as_dict()!r})"


# -- the built-in families ------------------------------------------------------------------
# Costs: cost units (cheapest tier = 1.0), the ratios of mean sim_wall_s per call printed by
# `python benchmarks/bench_fidelity_costs.py` (a fixed seeded sample per tier, one design at a
# time through a DesignEnv, read back from the dataset); on a shared, loaded 2-core machine.
DRAM_CYCLE_COST = 44.55
DRAM_COST_SOURCE = ("bench_fidelity_costs.py --families dram --n 40 --seed 0, 2026-12-03 20:15 UTC (load average 12 "
                    "on 2 cores): mean sim_wall_s per call on 'random' proxy (extra trees) 3.177 ms, cycle 141.568 ms "
                    "-> 44.55 (medians 0.277 ms and 140.2 ms)")
DNN_ZIGZAG_COST = 800.5
DNN_COST_SOURCE = ("bench_fidelity_costs.py --families dnn_accel --n 20 --seed 0, 2026-12-03 20:09 UTC (load average "
                   "~10): mean sim_wall_s per call on resnet18:conv5_1s+fc analytical 48.77 ms (20 calls), zigzag "
                   "39043 ms (2 calls, fresh cache) -> 800.5")
QNET_STOCHASTIC_COST = 1.0
QNET_COST_SOURCE = ("bench_fidelity_costs.py --families qnet --n 40 --seed 0, 2026-12-03 20:15 UTC: mean sim_wall_s "
                    "per call on symmetric-f0.6-load50 deterministic 216.7 ms, stochastic 143.4 ms (each tier in a "
                    "fresh interpreter): the stochastic tier is not dearer, declared 1.0")


def _dram_tiers(workload: str | None = None, proxy_model: str | None = None) -> list[Tier]:
    if proxy_model is None:  # the cycle tier stays usable on its own (e.g. --fidelity cycle)
        name, missing = "dram-proxy", "the dram family's proxy tier needs a trained model: give proxy_model=<model dir> (archgym proxy train)"
    else:
        from archgym.proxy.registry import register_proxy

        name, missing = register_proxy(proxy_model, overwrite=True), ""
    return [
        Tier("proxy", name, cost=1.0, cost_source=DRAM_COST_SOURCE, unavailable=missing),
        Tier("cycle", "dram", cost=DRAM_CYCLE_COST, cost_source=DRAM_COST_SOURCE),
    ]


#: The dnn_accel designs SCALE-Sim (CALC mode) can express: a systolic array whose sides are
#: powers of two (8 ... 256) with one of SCALE-Sim's dataflows; a global buffer of at least 64 KiB,
#: split into SCALE-Sim's ifmap / filter / ofmap SRAMs as 1/4 : 1/4 : 1/2; and the memory system
#: CALC mode assumes, one that never stalls the array (the widest NoC, the most GLB banks and
#: the fastest DRAM of the card). Register file and precision are fixed at the baseline's:
#: SCALE-Sim has neither (it counts words in one array-wide register per PE).
SCALESIM_SUBSET: dict[str, tuple[Any, ...]] = {
    "pe_rows": (8, 16, 32, 64, 128, 256),
    "pe_cols": (8, 16, 32, 64, 128, 256),
    "dataflow": ("ws", "os", "is"),
    "glb_kib": (64, 128, 256, 512, 1024, 2048),
    "noc_words": (1024,),
    "glb_banks": (64,),
    "dram_gbps": (256,),
    "rf_bytes": (512,),
    "rf_class": ("regfile",),
    "precision_bits": (16,),
}
DNN_SCALESIM_COST = 40030.0
DNN_SCALESIM_SOURCE = ("bench_fidelity_costs.py --families dnn_accel-scalesim --n 40 --seed 0, 2026-12-03 23:10-23:35 "
                       "UTC (load average 20-24 on 2 cores, under nice 5): mean sim_wall_s per call on "
                       "resnet18:conv5_1s+fc, array sides 32-256, analytical 7.146 ms (39 calls), scalesim 286052 ms "
                       "(5 calls) -> 40030")


def dnn_to_scalesim(design: Design) -> Design:
    """A dnn_accel design of :data:`SCALESIM_SUBSET` as SCALE-Sim's (array, dataflow, the GLB split 1/4 : 1/4 : 1/2)."""
    glb = int(design["glb_kib"])
    return {"array_rows": int(design["pe_rows"]), "array_cols": int(design["pe_cols"]), "dataflow": design["dataflow"],
            "ifmap_sram_kib": glb // 4, "filter_sram_kib": glb // 4, "ofmap_sram_kib": glb // 2}


def _dnn_tiers(workload: str | None = None, zigzag_kwargs: Mapping[str, Any] | None = None, verify: str = "zigzag",
               array_sides: Sequence[int] | None = None, scalesim_kwargs: Mapping[str, Any] | None = None) -> list[Tier]:
    if verify == "zigzag":
        if array_sides is not None or scalesim_kwargs:
            raise ConfigError("array_sides and scalesim_kwargs apply to verify='scalesim' only")
        return [
            Tier("analytical", "dnn_accel", cost=1.0, cost_source=DNN_COST_SOURCE),
            Tier("zigzag", "zigzag", dict(zigzag_kwargs or {}), cost=DNN_ZIGZAG_COST, cost_source=DNN_COST_SOURCE),
        ]
    if verify != "scalesim":
        raise ConfigError(f"dnn_accel tiers: verify must be 'zigzag' or 'scalesim', got {verify!r}")
    if zigzag_kwargs:
        raise ConfigError("zigzag_kwargs apply to verify='zigzag' only")
    subset = dict(SCALESIM_SUBSET)
    if array_sides is not None:
        if isinstance(array_sides, str):  # "32,64" from --tier-option array_sides=32,64
            array_sides = [v for v in array_sides.replace(" ", "").split(",") if v]
        try:
            sides = tuple(sorted({int(v) for v in array_sides}))
        except (TypeError, ValueError):
            raise ConfigError(f"array_sides must be a non-empty subset of {list(SCALESIM_SUBSET['pe_rows'])}, got {array_sides!r}") from None
        if not sides or any(v not in SCALESIM_SUBSET["pe_rows"] for v in sides):
            raise ConfigError(f"array_sides must be a non-empty subset of {list(SCALESIM_SUBSET['pe_rows'])}, got {list(array_sides)!r}")
        subset["pe_rows"] = subset["pe_cols"] = sides
    kwargs = dict(scalesim_kwargs or {})
    if kwargs.get("mode", "CALC") != "CALC":
        raise ConfigError("the scalesim tier of dnn_accel runs SCALE-Sim in CALC mode (no DRAM-bandwidth knob); got mode="
                          f"{kwargs['mode']!r}")
    return [
        Tier("analytical", "dnn_accel", {"subset": subset}, cost=1.0, cost_source=DNN_SCALESIM_SOURCE),
        Tier("scalesim", "scalesim", kwargs, cost=DNN_SCALESIM_COST, translate=dnn_to_scalesim, cost_source=DNN_SCALESIM_SOURCE),
    ]


def _deterministic(workload: str) -> str:
    return "-".join(t for t in workload.split("-") if t != "stoch")


def _stochastic(workload: str) -> str:
    return workload if "stoch" in workload.split("-") else workload + "-stoch"


def _qnet_tiers(workload: str | None = None) -> list[Tier]:
    if workload is not None and workload.startswith("file:"):
        raise ConfigError(f"the qnet family's tiers need a generated workload (…[-stoch]); a demand file {workload!r} has one tier only")
    return [
        Tier("deterministic", "qnet", cost=1.0, workload=_deterministic, cost_source=QNET_COST_SOURCE),
        Tier("stochastic", "qnet", cost=QNET_STOCHASTIC_COST, workload=_stochastic, cost_source=QNET_COST_SOURCE),
    ]


register_tiers("dram", _dram_tiers)
register_tiers("dnn_accel", _dnn_tiers)
register_tiers("qnet", _qnet_tiers)
