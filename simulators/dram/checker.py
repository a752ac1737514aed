"""Replay a command log and report every violated timing or state rule.

An independent restatement of the JEDEC-style rules the engine enforces, written as a table
of minimum distances between an earlier command ``A`` and a later command ``B`` in a given
scope (same bank, same bank group, same rank, other rank), plus tFAW, the command bus and
the bank-state rules (activate a closed bank, read/write the open row, refresh only closed
banks, nothing but power-down exit on a sleeping rank). Used by the property tests.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Mapping

import numpy as np

from .engine import ACT, COMMAND_NAMES, PDEA, PDEP, PDXA, PDXP, PRE, PREA, RD, RDA, REFA, REFPB, WR, WRA

CAS_RD = (RD, RDA)
CAS_WR = (WR, WRA)


def _rules(t: Mapping[str, int]) -> list[tuple[int, int, str, int, str]]:
    """(A, B, scope, minimum cycles, name) — scope: bank, group, rank (any bank), other (other rank)."""
    burst = t["BURST"]
    wr2pre = t["WL"] + burst + t["WR"] + t["WRX"]
    rd2wr = t["RL"] + burst + t["RDWR_X"] - t["WL"]
    out: list[tuple[int, int, str, int, str]] = []

    def add(a: tuple[int, ...], b: tuple[int, ...], scope: str, gap: int, name: str) -> None:
        for x in a:
            for y in b:
                out.append((x, y, scope, gap, name))

    add((ACT,), (ACT,), "bank", t["RC"], "tRC")
    add((ACT,), CAS_RD + CAS_WR, "bank", t["RCD"], "tRCD")
    add((ACT,), (PRE,), "bank", t["RAS"], "tRAS")
    add((PRE,), (ACT, REFPB), "bank", t["RP"], "tRP")
    add(CAS_RD, (PRE,), "bank", t["RTP"], "tRTP")
    add(CAS_WR, (PRE,), "bank", wr2pre, "tWR")
    # DRAMSys 4.0 holds RDA/WRA for tRCD only (no tRAS lock-out: tRC covers the next ACT); a read
    # with auto-precharge after a write to the bank waits until the write's tWR has passed
    add(CAS_WR, (RDA,), "bank", wr2pre - t["RTP"], "tWR (auto-precharge)")
    add((RDA,), (ACT, REFPB), "bank", t["RTP"] + t["RP"], "tRTP+tRP")
    add((WRA,), (ACT, REFPB), "bank", wr2pre + t["RP"], "tWR+tRP")
    add((REFPB,), (ACT, PRE), "bank", t["RFCPB"], "tRFCpb")
    add((ACT,), (ACT,), "group", t["RRD_L"], "tRRD_L")
    add(CAS_RD, CAS_RD, "group", t["CCD_L"], "tCCD_L")
    add(CAS_WR, CAS_WR, "group", t["CCD_L"], "tCCD_L")
    add(CAS_WR, CAS_RD, "group", t["WL"] + burst + t["WRX"] + t["WTR_L"], "tWTR_L")
    add((ACT,), (ACT,), "rank", t["RRD_S"], "tRRD")
    add(CAS_RD, CAS_RD, "rank", t["CCD_S"], "tCCD")
    add(CAS_WR, CAS_WR, "rank", t["CCD_S"], "tCCD")
    add(CAS_RD, CAS_WR, "rank", rd2wr, "RD-to-WR turnaround")
    add(CAS_WR, CAS_RD, "rank", t["WL"] + burst + t["WRX"] + t["WTR_S"], "tWTR")
    add((ACT,), (REFA,), "rank", t["RC"], "tRC (refresh)")
    add((PRE,), (REFA,), "rank", t["RP"], "tRP (refresh)")
    add((PREA,), (ACT, REFA, REFPB), "rank", t["RPAB"], "tRPab")
    add((RDA,), (REFA,), "rank", t["RTP"] + t["RP"], "tRTP+tRP (refresh)")
    add((WRA,), (REFA,), "rank", wr2pre + t["RP"], "tWR+tRP (refresh)")
    add((REFA,), (ACT, REFA, PRE, PREA, REFPB), "rank", t["RFC"], "tRFC")
    add((REFPB,), (REFPB, REFA), "rank", t["RFCPB"], "tRFCpb (rank)")
    add((PDXA, PDXP), tuple(range(13)), "rank", t["XP"], "tXP")
    add((PDEA, PDEP), (PDXA, PDXP), "rank", t["CKE"], "tCKE")
    add((PDXA, PDXP), (PDEA, PDEP), "rank", t["CKE"], "tCKE")
    add(CAS_RD, (PDEA, PDEP), "rank", t["RL"] + burst + 1, "RD to power-down entry")
    add(CAS_WR, (PDEA, PDEP), "rank", wr2pre, "WR to power-down entry")
    add((ACT,), (PDEA, PDEP), "rank", t["ACTPDEN"], "tACTPDEN")
    add((PRE, PREA), (PDEA, PDEP), "rank", t["PRPDEN"], "tPRPDEN")
    add((REFA, REFPB), (PDEA, PDEP), "rank", t["REFPDEN"], "tREFPDEN")
    add(CAS_RD, CAS_RD, "other", burst + t["RTRS"], "rank-to-rank RD")
    add(CAS_WR, CAS_WR, "other", burst + t["RTRS"], "rank-to-rank WR")
    add(CAS_RD, CAS_WR, "other", t["RL"] + burst + t["RTRS"] - t["WL"], "rank-to-rank RD-to-WR")
    add(CAS_WR, CAS_RD, "other", t["WL"] + burst + t["RTRS"] - t["RL"], "rank-to-rank WR-to-RD")
    return out


def check_command_log(log: np.ndarray, timing: Mapping[str, int], banks_per_rank: int, groups_per_rank: int,
                      ranks: int) -> list[str]:
    """Violations found in a command log (empty when the log is legal).

    Args:
        log: rows ``(cycle, command, rank, flat bank, row, request)`` in issue order.
        timing: normalised timings in cycles (:func:`archgym.simulators.dram.simulator.timing_vector`).
        banks_per_rank, groups_per_rank, ranks: geometry.
    """
    rules = defaultdict(list)
    for a, b, scope, gap, name in _rules(timing):
        rules[b].append((a, scope, gap, name))
    lens = {ACT: timing["LEN_ACT"], RD: timing["LEN_CAS"], WR: timing["LEN_CAS"], RDA: timing["LEN_CAS"],
            WRA: timing["LEN_CAS"], REFA: timing["LEN_REF"], REFPB: timing["LEN_REF"]}
    bpg = banks_per_rank // groups_per_rank
    last_bank: dict[tuple[int, int], int] = {}
    last_group: dict[tuple[int, int], int] = {}
    last_rank: dict[tuple[int, int], int] = {}
    acts = [deque(maxlen=4) for _ in range(ranks)]
    open_row = {}
    sleeping = [False] * ranks
    bus = -1
    errors: list[str] = []
    for t, c, r, b, row, _req in (tuple(int(v) for v in rec) for rec in log):
        name = COMMAND_NAMES[c]
        where = f"cycle {t}: {name} rank {r} bank {b}"
        if t < bus:
            errors.append(f"{where}: command bus busy until {bus}")
        bus = t + lens.get(c, timing["LEN_PRE"])
        g = r * groups_per_rank + (b - r * banks_per_rank) // bpg
        for a, scope, gap, rule in rules[c]:
            if scope == "bank":
                prev = last_bank.get((a, b))
            elif scope == "group":
                prev = last_group.get((a, g))
            elif scope == "rank":
                prev = last_rank.get((a, r))
            else:
                prev = max((last_rank.get((a, rr), -(1 << 40)) for rr in range(ranks) if rr != r), default=None)
            if prev is not None and t - prev < gap:
                errors.append(f"{where}: {rule} needs {gap} cycles after {COMMAND_NAMES[a]} at {prev}")
        # bank-state rules
        if sleeping[r] and c not in (PDXA, PDXP):
            errors.append(f"{where}: rank is in power-down")
        rank_banks = range(r * banks_per_rank, (r + 1) * banks_per_rank)
        if c == ACT:
            if b in open_row:
                errors.append(f"{where}: bank already open")
            open_row[b] = row
            if len(acts[r]) == 4 and t - acts[r][0] < timing["FAW"]:
                errors.append(f"{where}: tFAW: fifth activate within {timing['FAW']} cycles of {acts[r][0]}")
            acts[r].append(t)
        elif c in CAS_RD + CAS_WR:
            if open_row.get(b) != row:
                errors.append(f"{where}: row {row} is not open (open: {open_row.get(b)})")
            if c in (RDA, WRA):
                open_row.pop(b, None)
        elif c == PRE:
            if b not in open_row:
                errors.append(f"{where}: precharge of a closed bank")
            open_row.pop(b, None)
        elif c == PREA:
            for bb in rank_banks:
                open_row.pop(bb, None)
        elif c == REFA:
            if any(bb in open_row for bb in rank_banks):
                errors.append(f"{where}: refresh with open banks")
        elif c == REFPB:
            if b in open_row:
                errors.append(f"{where}: per-bank refresh of an open bank")
        elif c in (PDEA, PDEP):
            sleeping[r] = True
        elif c in (PDXA, PDXP):
            sleeping[r] = False
        last_bank[(c, b)] = t
        last_group[(c, g)] = t
        last_rank[(c, r)] = t
        if c in (PREA, REFA):
            for bb in rank_banks:
                last_bank[(c, bb)] = t
        if c == REFPB:
            last_rank[(c, r)] = t
    return errors
