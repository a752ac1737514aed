"""Multi-fidelity BO vs single-fidelity BO at equal cost (issue 17's target).

For each seed: single-fidelity BO (``bo``, top tier only) spends ``--top-calls`` top-tier calls;
its best verified reward at the end is the seed's *target value*. Each multi-fidelity agent
(``mf-bo``, ``mf-bo-prior``, ``mf-sh``) gets the same total cost (``top-calls × top cost``
units, ``Budget(cost=...)``) on the multi-fidelity env. Figure per agent: the cost it spent
until its best *verified* (top-tier) reward first reached the target — total cost, and the
top-tier share of it — as a fraction of BO's budget; median over the seeds (a seed that never
reaches the target counts as ``inf``). Target of the issue: top-tier cost ≤ 1/3.

DRAM (``--family dram``): tiers ``proxy`` (cost 1) → ``cycle`` (the declared costs of
:mod:`archgym.fidelity`; the figures in docs/multifidelity.md were measured with the earlier
declared 1 : 40), workload ``random``. **The proxy's training data (rule stated before
running):** the proxy is trained once, before and outside the searches, on a seeded random
sweep (seed 17, 2,000 designs × the four traces, cycle-level model); it is a sunk cost shared by
every search and trace and is NOT charged to the multi-fidelity search. Charging it would cost
80,000 units per trace-set, far more than any budget here: with that rule multi-fidelity search
loses on a single search and only pays off over many.

**The screener's rule (stated on 4 December, before its runs; after the earlier fixed fraction
``eta=3`` had missed the DRAM target):** ``mf-sh`` runs at its defaults, ``promote="cost"`` with
``n0=27``: Hyperband's equal budget per rung, with the tiers' declared costs as the resource, so
of a rung of 27 cheap designs the best ``max(1, floor(27 · c_cheap / c_top))`` = 1 goes up, on
both families. The fixed fractions (``mf-sh@eta3``: 9 of 27, the earlier DRAM runs;
``mf-sh@eta9``: 3 of 27, the earlier accelerator runs) are run beside it as the alternatives.

Accelerator (``--family dnn_accel``): tiers ``analytical`` (cost 1) → ``scalesim`` (SCALE-Sim in
CALC mode; the declared 1 : 40030) on :data:`ACCEL_WORKLOAD` (two small ResNet-18 layers), over
the designs SCALE-Sim can express with array sides :data:`ACCEL_SIDES` (``verify="scalesim"``;
288 designs). **Rules, fixed before any search ran:** the objective is :func:`accel_objective`
(targets from SCALE-Sim's baseline: 4x fewer cycles, no lower utilisation; the same explicit
targets at both tiers); BO gets ``--top-calls`` SCALE-Sim calls (6 in the documented run, 3 of
them its initial design) and its final verified reward is the seed's reference; the screener
(above) gets the same total cost.
SCALE-Sim results are kept on disk across the runs (``--memo``; deterministic), which saves
wall time only: each search is charged the declared cost of every unique call it makes.

    python benchmarks/bench_mfbo.py --family dnn_accel --top-calls 6 --seeds 10 --agents bo,mf-sh --out out/bench-accel

Run (about 1-2 min per seed and agent on a quiet 2-core machine)::

    python benchmarks/bench_mfbo.py --proxy-model out/proxy-dram --seeds 10 --top-calls 20 --out out/bench-mfbo

It prints one line per run and the table, writes ``results.json`` and ``cost_curve.png``
(median best verified reward vs cumulative cost per agent) into ``--out``.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import time
from pathlib import Path

import numpy as np

AGENT_PARAMS = {
    "bo": {"n_init": 5, "pool_size": 512},
    "mf-bo": {"n_init": 10, "n_init_top": 2, "pool_size": 64, "cheap_batch": 8},
    "mf-bo-prior": {"n_init": 10, "n_init_top": 2, "pool_size": 256, "cheap_per_top": 8},
    # the screener at its defaults: promote=cost (the best 1 of 27 proxy designs at 1 : 44.55)
    "mf-sh": {"n0": 27},
    # the alternatives, reported beside it: the fixed fractions of the earlier runs
    "mf-sh@eta3": {"n0": 27, "eta": 3},
    "mf-sh@eta9": {"n0": 27, "eta": 9},
    # the screener ranking the proxy's rungs by the upper end of the reward's 90 % interval
    "mf-sh@ucb": {"n0": 27, "eta": 3, "kappa": 1.645},
    "mf-sh@cost-ucb": {"n0": 27, "kappa": 1.645},
}


#: the accelerator benchmark's parameters (rule fixed before it ran): BO's 6 SCALE-Sim calls begin
#: with 3 initial designs; the screener promotes 3 of 27 analytical designs per bracket (eta 9,
#: since an analytical call costs about 1/40000 of a SCALE-Sim call)
ACCEL_PARAMS = {"bo": {"n_init": 3, "pool_size": 512}, "mf-sh@eta9": {"n0": 27, "eta": 9},
                # the screener's default rule (promote=cost): the best 1 of 27 analytical designs
                "mf-sh": {"n0": 27}}

#: the accelerator benchmark: dnn_accel analytical -> SCALE-Sim (CALC) on two small ResNet-18
#: layers, over the designs SCALE-Sim can express with array sides 32 ... 256 (a call takes seconds)
ACCEL_WORKLOAD = "resnet18:conv5_1s+fc"
ACCEL_SIDES = (32, 64, 128, 256)


def _register_memo_scalesim(folder: Path) -> str:
    """Register ``scalesim-memo``: SCALE-Sim with its results kept in ``folder`` across the
    benchmark's runs (SCALE-Sim is deterministic). It saves wall time only: every search is
    still charged the declared cost of each of its unique calls (its ledger's ``sim_s`` counts
    a hit's near-zero time)."""
    from archgym.simulator import register_simulator
    from archgym.simulators.accelerator.scalesim_backend import ScaleSimSimulator

    folder.mkdir(parents=True, exist_ok=True)

    class MemoScaleSim(ScaleSimSimulator):
        name = "scalesim"  # the rows are SCALE-Sim's; only the registry name differs

        def _memo(self) -> dict:
            memo: dict = {}
            for f in sorted(folder.glob("memo-*.json")):
                try:
                    memo.update(json.loads(f.read_text()))
                except ValueError:  # being written by another run: read it next time
                    pass
            return memo

        def _evaluate(self, design, workload):
            key = json.dumps([workload, self.cache_tag(), sorted(design.items())])
            hit = self._memo().get(key)
            if hit is not None:
                return dict(hit)
            out = super()._evaluate(design, workload)
            mine = folder / f"memo-{os.getpid()}.json"
            data = json.loads(mine.read_text()) if mine.exists() else {}
            data[key] = out
            tmp = mine.with_suffix(".tmp")
            tmp.write_text(json.dumps(data))
            tmp.replace(mine)
            return out

    register_simulator("scalesim-memo", MemoScaleSim, overwrite=True)
    return "scalesim-memo"


def accel_objective() -> dict:
    """The accelerator objective, rule fixed before any search ran: targets from SCALE-Sim's
    baseline design (32 x 32, ws, 64 KiB SRAMs) on :data:`ACCEL_WORKLOAD`: 4x fewer cycles and
    no lower utilisation (a bigger array is faster but wastes PEs on small layers); bounded
    target form; the same explicit targets at both tiers."""
    from archgym.simulator import make_simulator

    sim = make_simulator("scalesim")
    base = sim.baseline_metrics(ACCEL_WORKLOAD)
    return {"kind": "target", "targets": {"latency_cycles": base["latency_cycles"] / 4, "utilisation": base["utilisation"]}}


def make_env(family: str, workload: str, proxy_model: str | None, memo: Path | None = None):
    import dataclasses

    from archgym.envs.multifidelity import MultiFidelityEnv
    from archgym.fidelity import tiers_for

    if family == "dram":
        return MultiFidelityEnv(family, workload=workload, max_steps=1_000_000, proxy_model=proxy_model)
    tiers = tiers_for("dnn_accel", workload, verify="scalesim", array_sides=ACCEL_SIDES)
    if memo is not None:
        tiers[-1] = dataclasses.replace(tiers[-1], simulator=_register_memo_scalesim(memo))
    return MultiFidelityEnv(tiers=tiers, workload=workload, objective=accel_objective(), max_steps=1_000_000)


def run_one(agent_name: str, family: str, workload: str, proxy_model: str | None, seed: int, top_calls: int,
            memo: Path | None = None, params: dict | None = None) -> dict:
    """One search; returns its per-call trace (tier, cost, reward) and ledger."""
    from archgym.agents import make_agent
    from archgym.fidelity import Budget

    env = make_env(family, workload, proxy_model, memo)
    top = env.unwrapped.tiers[-1]
    budget = Budget(calls=top_calls) if agent_name == "bo" else Budget(cost=top_calls * top.unit_cost)
    base = agent_name.split("@")[0]  # "mf-sh@ucb": a variant of mf-sh with its own parameters
    if params is None:
        params = (ACCEL_PARAMS if family == "dnn_accel" else AGENT_PARAMS).get(agent_name, {})
    agent = make_agent(base, **params)
    t0 = time.perf_counter()
    res = agent.search(env, budget, seed=seed)
    wall = time.perf_counter() - t0
    env.close()
    calls = [(r.fidelity, float(r.cost), float(r.reward) if r.feasible else -math.inf) for r in res.history if not r.cache_hit]
    return {"agent": agent_name, "seed": seed, "wall_s": wall, "top": top.name, "top_cost": top.unit_cost,
            "calls": calls, "ledger": res.ledger, "best_reward": res.best_reward}


def cost_to_reach(run: dict, target: float) -> tuple[float, float]:
    """(total cost, top-tier cost) spent until the best top-tier reward first reached ``target``."""
    total = top = 0.0
    best = -math.inf
    for tier, cost, reward in run["calls"]:
        total += cost
        if tier == run["top"]:
            top += cost
            best = max(best, reward)
            if best >= target - 1e-12 * max(1.0, abs(target)):
                return total, top
    return math.inf, math.inf


def curve(run: dict) -> tuple[np.ndarray, np.ndarray]:
    cost, best, out_c, out_b = 0.0, -math.inf, [], []
    for tier, c, reward in run["calls"]:
        cost += c
        if tier == run["top"]:
            best = max(best, reward)
        out_c.append(cost)
        out_b.append(best)
    return np.asarray(out_c), np.asarray(out_b)


def plot(runs: list[dict], budget: float, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    runs = list({(r["agent"], r["seed"]): r for r in runs}.values())  # one run per (agent, seed)
    grid = np.linspace(0, budget, 200)
    # left: the whole climb; right: the same curves near the top, where the agents part
    fig, (ax, zoom) = plt.subplots(1, 2, figsize=(11, 4.5))
    finals = []
    for k, name in enumerate(dict.fromkeys(r["agent"] for r in runs)):
        rows = []
        for r in (r for r in runs if r["agent"] == name):
            c, b = curve(r)
            idx = np.searchsorted(c, grid, side="right") - 1
            rows.append(np.where(idx >= 0, b[np.clip(idx, 0, None)], -np.inf))
        m = np.median(np.asarray(rows), axis=0)
        ok = np.isfinite(m)
        for a in (ax, zoom):
            a.plot(grid[ok], m[ok], color=f"C{k}", lw=2, ls=("-", "--", ":", "-.")[k % 4],  # curves that coincide stay visible
                   label=f"{name} (median of {len(rows)} seeds)")
        if ok.any():
            finals.append(m[ok][-1])
    if finals:  # the finals' range, with room below it: where the curves end and part
        lo, hi = min(finals), max(finals)
        pad = max(hi - lo, 1e-6 * max(1.0, abs(hi)))
        zoom.set_ylim(lo - 3 * pad, hi + pad)
    for a in (ax, zoom):
        a.set_xlabel("cumulative cost (cost units: one call at the cheapest tier = 1)")
        a.grid(alpha=0.3)
    ax.set_ylabel("best verified (top-tier) reward")
    ax.set_title(title, fontsize=10)
    zoom.set_title("near the top (the median curves' final values)", fontsize=10)
    zoom.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def summarise(runs: list[dict], top_calls: int) -> dict:
    seeds = sorted({r["seed"] for r in runs})
    targets = {r["seed"]: r["best_reward"] for r in runs if r["agent"] == "bo"}
    out = {}
    for name in dict.fromkeys(r["agent"] for r in runs):
        if name == "bo":
            continue
        tot, top = [], []
        for s in seeds:
            r = next((r for r in runs if r["agent"] == name and r["seed"] == s), None)
            if r is None or s not in targets:
                continue
            full = r["top_cost"] * top_calls  # BO's whole budget
            t, h = cost_to_reach(r, targets[s])
            tot.append(t / full)
            top.append(h / full)
        finals = list({r["seed"]: r["best_reward"] for r in runs if r["agent"] == name}.values())
        out[name] = {"median_final_best": float(np.median(finals)), "median_total_cost_fraction": float(np.median(tot)), "median_top_cost_fraction": float(np.median(top)),
                     "reached": int(np.sum(np.isfinite(tot))), "seeds": len(tot), "total_fractions": tot, "top_fractions": top}
    bo = list(targets.values())  # one per seed
    if bo:
        out["bo"] = {"median_final_best": float(np.median(bo)), "seeds": len(bo)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--family", default="dram", choices=("dram", "dnn_accel"))
    ap.add_argument("--workload", default=None, help=f"default: random (dram), {ACCEL_WORKLOAD} (dnn_accel)")
    ap.add_argument("--proxy-model", default=None, help="trained DRAM proxy directory (family dram)")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--merge", nargs="*", default=(), help="results.json files of earlier runs to summarise with this one")
    ap.add_argument("--top-calls", type=int, default=20, help="single-fidelity BO's budget in top-tier calls")
    ap.add_argument("--agents", default="bo,mf-bo,mf-bo-prior,mf-sh")
    ap.add_argument("--out", default="out/bench-mfbo")
    ap.add_argument("--memo", default=None, help="dnn_accel: folder of SCALE-Sim results shared by runs (default OUT/scalesim-memo)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.workload is None:
        args.workload = "random" if args.family == "dram" else ACCEL_WORKLOAD
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    runs = []
    path = out / "results.json"
    for f in args.merge:
        runs += json.loads(Path(f).read_text())["runs"]
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        for name in args.agents.split(","):
            memo = Path(args.memo) if args.memo else (out / "scalesim-memo" if args.family == "dnn_accel" else None)
            r = run_one(name, args.family, args.workload, args.proxy_model, seed, args.top_calls, memo)
            runs.append(r)
            led = r["ledger"]
            print(f"{name:12s} seed {seed}: best verified {r['best_reward']:.6g}, cost {led['total_cost']:.0f}, "
                  + ", ".join(f"{t} {v['calls']}" for t, v in led["tiers"].items()) + f", wall {r['wall_s']:.1f} s", flush=True)
            path.write_text(json.dumps({"args": vars(args), "params": ACCEL_PARAMS if args.family == "dnn_accel" else AGENT_PARAMS, "runs": runs}, default=float))
    summary = summarise(runs, args.top_calls)
    path.write_text(json.dumps({"args": vars(args), "params": ACCEL_PARAMS if args.family == "dnn_accel" else AGENT_PARAMS, "runs": runs, "summary": summary}, default=float))
    top_cost = runs[0]["top_cost"]
    plot(runs, args.top_calls * top_cost, out / "cost_curve.png",
         f"{args.family} {args.workload}: best verified reward vs cost (BO budget {args.top_calls} top calls)")
    print(f"\ncost to reach single-fidelity BO's final verified reward ({args.top_calls} top-tier calls = "
          f"{args.top_calls * top_cost:.0f} units), as a fraction of that budget, median over seeds (inf: not reached):")
    for name, s in summary.items():
        if name == "bo":
            print(f"  {'bo':12s} median final verified reward {s['median_final_best']:.6g} ({s['seeds']} seeds)")
            continue
        print(f"  {name:12s} total {s['median_total_cost_fraction']:.3f}  top-tier {s['median_top_cost_fraction']:.3f}  "
              f"(reached in {s['reached']}/{s['seeds']} seeds); median final verified reward {s['median_final_best']:.6g}")


if __name__ == "__main__":
    main()
