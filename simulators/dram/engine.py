"""The cycle-level controller loop (Numba-compiled), following DRAMSys's controller structure.

One call simulates one trace on one controller configuration. Each visited clock cycle runs
the steps of DRAMSys's ``Controller::controllerMethod``:

1. responses: the response queue (Fifo: in CAS order; Reorder: in arrival order) hands
   finished requests to the arbiter, which returns them to the initiator (Simple/Fifo: in the
   order received; Reorder: in request order; Fifo/Reorder at most one per cycle);
2. requests: in arrival order, while the scheduler buffer has space (Bankwise: the bank of the
   *last stored* request has space, as DRAMSys checks it; ReadWrite: both the read and the
   write buffer; Shared: the whole buffer). A request leaves the buffer when its CAS issues, and
   the next waiting request is stored in that same cycle (DRAMSys calls ``manageRequests`` right
   after ``removeRequest``); later arrivals wait (back-pressure). The trace player sends a
   request only after END_REQ for the previous one, at its next clock edge (and not before
   the request's time stamp): with the Simple arbiter END_REQ comes when the controller stores
   the request, so the controller stores at most one request per player cycle; the
   Fifo/Reorder arbiters answer END_REQ themselves when they admit a request (at most
   ``MaxActiveTransactions`` outstanding) and forward one per controller cycle;
3. refresh and power-down managers decide (postpone while any bank machine is busy, up to
   ``RefreshMaxPostponed``; then force by blocking the banks; pull refreshes in while idle,
   up to ``RefreshMaxPulledin``);
4. every bank machine proposes its next command for its current request (Fifo: the oldest in
   the bank's queue; FrFcfs: the oldest row hit, else the oldest; FrFcfsGrp: row hits of the
   last command's direction first, without overtaking a same-address access) under the page
   policy (Open keeps rows open; Closed auto-precharges; the adaptive variants decide per
   access from the queue);
5. the command multiplexer issues the command whose earliest legal time is smallest (ties:
   the oldest request; refresh counts as oldest), if that time is now;
6. the loop jumps to the next cycle at which anything can happen.

As in DRAMSys 4.0's checkers, a read or write with auto-precharge waits for tRCD only, not
for tRAS (the device delays its internal precharge; the next ACT to the bank still waits tRC
after the last one and tRTP + tRP, or WL + BL/2 + tWR + tRP, after the CAS); a read with
auto-precharge after a write to the same bank waits until the write's recovery would allow a
precharge (WL + BL/2 + tWR - tRTP). Holding RDA for tRAS - tRTP after the ACT instead made
every request wait 12 extra cycles when a small buffer serialises them: 9-54 % slower than
DRAMSys on the small-buffer calibration designs.

Timing state is kept as "earliest next time" per (command, bank), (command, bank group),
(command, rank), the last four activates per rank (tFAW) and the command bus.

Outputs: per-request response time, command counts, open-bank intervals and power-down
intervals (for the energy model), and optionally the full command log.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# -- parameter vector P (cycles) ---------------------------------------------------------------
RCD, RP, RPAB, RAS, RC, RRD_S, RRD_L, FAW, CCD_S, CCD_L, RL, WL, BURST, TWR, WTR_S, WTR_L, RTP = range(17)
RFC, RFCPB, REFI, REFIPB, RTRS, RDWR_X, WRX, PPD, XP, CKE, ACTPDEN, PRPDEN, REFPDEN = range(17, 30)
LEN_ACT, LEN_CAS, LEN_PRE, LEN_REF, NRANKS, NBPR, NGPR = range(30, 37)
N_PARAMS = 37
#: memspec-style name of each entry of ``P`` (``WR`` is tWR), in index order
PARAM_NAMES = ("RCD", "RP", "RPAB", "RAS", "RC", "RRD_S", "RRD_L", "FAW", "CCD_S", "CCD_L", "RL", "WL", "BURST", "WR",
               "WTR_S", "WTR_L", "RTP", "RFC", "RFCPB", "REFI", "REFIPB", "RTRS", "RDWR_X", "WRX", "PPD", "XP", "CKE",
               "ACTPDEN", "PRPDEN", "REFPDEN", "LEN_ACT", "LEN_CAS", "LEN_PRE", "LEN_REF", "NRANKS", "NBPR", "NGPR")
# -- configuration vector C ----------------------------------------------------------------------
PAGE, SCHED, BUF, BUFSIZE, RESPQ, REFPOL, MAXPOST, MAXPULL, ARB, MAXACT, PDPOL = range(11)
N_CONFIG = 11
# -- commands ----------------------------------------------------------------------------------------
NOP, ACT, PRE, RD, WR, RDA, WRA, PREA, REFA, REFPB, PDEA, PDEP, PDXA, PDXP = range(-1, 13)
COMMAND_NAMES = ("ACT", "PRE", "RD", "WR", "RDA", "WRA", "PREA", "REFA", "REFPB", "PDEA", "PDEP", "PDXA", "PDXP")
# -- counters --------------------------------------------------------------------------------------
(K_ACT, K_PRE, K_RD, K_WR, K_RDA, K_WRA, K_PREA, K_REFA, K_REFPB, K_PDE, K_END, K_ERR, K_LOGLEN,
 K_OPEN_CYC, K_ACTPD_CYC, K_PREPD_CYC, K_ITER, K_HIT) = range(18)
N_COUNTERS = 18
BIG = np.int64(1) << np.int64(60)

# bank-level "next" kinds; _B_RDA: a read with auto-precharge after a write to the bank (tWR - tRTP)
_B_ACT, _B_PRE, _B_RD, _B_WR, _B_REFPB, _B_RDA = range(6)
# rank-level "next" kinds
_R_ACT, _R_RD, _R_WR, _R_REF, _R_PRE, _R_PDE, _R_ANY, _R_REFPB = range(8)


@njit(cache=True)
def _cmd_len(P, cmd):
    if cmd == ACT:
        return P[LEN_ACT]
    if cmd == RD or cmd == WR or cmd == RDA or cmd == WRA:
        return P[LEN_CAS]
    if cmd == REFA or cmd == REFPB:
        return P[LEN_REF]
    return P[LEN_PRE]


@njit(cache=True)
def _next_edge(now, player_cycles):
    """First controller cycle at or after the trace player's first clock edge after cycle ``now``."""
    k = np.floor(now / player_cycles + 1e-9) + 1.0
    return np.int64(np.ceil(k * player_cycles - 1e-9))


@njit(cache=True)
def _has_space(C, qlen, last_bank, nrd, nwr):
    if C[BUF] == 0:
        return qlen[last_bank] < C[BUFSIZE]
    if C[BUF] == 1:
        return nrd < C[BUFSIZE] and nwr < C[BUFSIZE]
    return nrd + nwr < C[BUFSIZE]


@njit(cache=True)
def _sched_next(C, b, q, qlen, row, addr, is_wr, state, open_row, last_cmd):
    """Index of the request the scheduler offers bank ``b`` (-1 when its queue is empty)."""
    n = qlen[b]
    if n == 0:
        return -1
    if C[SCHED] == 0 or state[b] == 0:
        return q[b, 0]
    r = open_row[b]
    if C[SCHED] == 1:
        for k in range(n):
            if row[q[b, k]] == r:
                return q[b, k]
        return q[b, 0]
    first_hit = -1
    for k in range(n):
        x = q[b, k]
        if row[x] != r:
            continue
        if first_hit < 0:
            first_hit = x
        if is_wr[x] == last_cmd:
            hazard = False
            for j in range(k):
                y = q[b, j]
                if row[y] == r and addr[y] == addr[x]:
                    hazard = True
                    break
            if not hazard:
                return x
    if first_hit >= 0:
        return first_hit
    return q[b, 0]


@njit(cache=True)
def _further_row_hit(C, b, q, qlen, row, r):
    if C[SCHED] == 0:
        return qlen[b] >= 2 and row[q[b, 1]] == r
    cnt = 0
    for k in range(qlen[b]):
        if row[q[b, k]] == r:
            cnt += 1
            if cnt == 2:
                return True
    return False


@njit(cache=True, nogil=True)
def simulate(arr, is_wr, rank, bank, bg, row, addr, P, C, log_cap, player_cycles=1.0):
    """Run one trace through the controller.

    Args:
        arr: arrival cycle of each request at the controller, shape (n,), non-decreasing.
        is_wr: 1 for a write, shape (n,).
        rank, bank, bg: rank, flat bank (``rank * banks_per_rank + bank``) and flat bank group.
        row, addr: row and byte address of each request.
        P: timing/geometry vector (see the ``P`` indices), cycles.
        C: controller configuration vector (see the ``C`` indices).
        log_cap: capacity of the command log (1 disables logging in practice).
        player_cycles: the trace player's clock period in controller cycles (1.0 for the ArchGym
            setup). The player sends its next request at its first clock edge after END_REQ for
            the previous one (from the controller on storing it with the Simple arbiter, from
            the Fifo/Reorder arbiter on admitting it).

    Returns:
        ``(resp, counters, intervals, n_intervals, log)``: response cycle of each request;
        the counter vector; (start, end, rank, kind) rows of open-bank (kind 0), active
        power-down (1) and precharged power-down (2) intervals; the number of rows used; and
        the command log as rows (cycle, command, rank, bank, row, request).
    """
    n = arr.shape[0]
    nr = P[NRANKS]
    nbpr = P[NBPR]
    ngpr = P[NGPR]
    nb = nr * nbpr
    ng = nr * ngpr
    cap = 2 * C[BUFSIZE] + 2
    resp = np.full(n, -1, np.int64)
    data_end = np.full(n, -1, np.int64)
    K = np.zeros(N_COUNTERS, np.int64)
    log = np.zeros((log_cap, 6), np.int64)
    iv_cap = 2 * n + 64 + nb * 4
    iv = np.zeros((iv_cap, 4), np.int64)
    niv = 0
    # bank state
    state = np.zeros(nb, np.int64)
    open_row = np.full(nb, -1, np.int64)
    open_since = np.zeros(nb, np.int64)
    cur = np.full(nb, -1, np.int64)
    keep = np.zeros(nb, np.int64)
    blocked = np.zeros(nb, np.int64)
    bcmd = np.full(nb, NOP, np.int64)
    dirty = np.ones(nb, np.int64)
    act_owner = np.full(nb, -1, np.int64)
    bnext = np.zeros((6, nb), np.int64)
    gnext = np.zeros((3, ng), np.int64)
    rnext = np.zeros((8, nr), np.int64)
    faw = np.zeros((nr, 4), np.int64)
    faw_n = np.zeros(nr, np.int64)
    faw_p = np.zeros(nr, np.int64)
    bus = np.int64(0)
    # queues
    q = np.zeros((nb, cap), np.int64)
    qlen = np.zeros(nb, np.int64)
    nrd = 0
    nwr = 0
    last_bank = 0
    last_cmd = 0
    rank_pay = np.zeros(nr, np.int64)
    # refresh
    ref_interval = P[REFI] if C[REFPOL] == 1 else P[REFIPB]
    ref_trig = np.zeros(nr, np.int64)
    for r in range(nr):
        ref_trig[r] = ref_interval * (r + 1) // nr if C[REFPOL] != 0 else BIG
    ref_state = np.zeros(nr, np.int64)
    ref_flex = np.zeros(nr, np.int64)
    ref_cmd = np.full(nr, NOP, np.int64)
    ref_bank = np.full(nr, -1, np.int64)
    ref_rot = np.zeros(nr, np.int64)
    act_banks = np.zeros(nr, np.int64)
    maxpost = C[MAXPOST] * (nbpr if C[REFPOL] == 2 else 1)
    maxpull = -C[MAXPULL] * (nbpr if C[REFPOL] == 2 else 1)
    # power down
    pd = np.zeros(nr, np.int64)
    pd_since = np.zeros(nr, np.int64)
    pd_entry = np.ones(nr, np.int64)
    pd_exit = np.zeros(nr, np.int64)
    pd_cmd = np.full(nr, NOP, np.int64)
    # responses
    ctrlq = np.zeros(n, np.int64)
    ch = 0
    ct = 0
    next_ctrl = 0
    arbq = np.zeros(n, np.int64)
    ah = 0
    at = 0
    arb_in = np.zeros(n, np.int64)
    next_arb = 0
    last_deliv = np.int64(-1)
    delivered = 0
    # intake
    enter_ptr = 0
    ctrl_ptr = 0
    active = 0
    next_accept = np.int64(0)
    next_enter = np.int64(0)
    nlog = 0
    now = np.int64(0)
    end = np.int64(0)
    tRD2PRE = P[RTP]
    tWR2PRE = P[WL] + P[BURST] + P[TWR] + P[WRX]
    guard = 0
    issue_t = BIG
    best_cmd = NOP
    next_t = BIG
    while delivered < n:
        guard += 1
        if guard > 200 * n + 10_000_000:
            K[K_ERR] = 1
            break
        # ---- (1) responses ----------------------------------------------------------------
        while True:
            x = -1
            if C[RESPQ] == 0:
                if ch < ct and data_end[ctrlq[ch]] <= now:
                    x = ctrlq[ch]
                    ch += 1
            else:
                if next_ctrl < n and data_end[next_ctrl] >= 0 and data_end[next_ctrl] <= now:
                    x = next_ctrl
                    next_ctrl += 1
            if x < 0:
                break
            if C[ARB] == 2:
                arb_in[x] = 1
            else:
                arbq[at] = x
                at += 1
        while True:
            x = -1
            if C[ARB] == 0:
                if ah < at:
                    x = arbq[ah]
                    ah += 1
            elif last_deliv < now:
                if C[ARB] == 1:
                    if ah < at:
                        x = arbq[ah]
                        ah += 1
                elif next_arb < n and arb_in[next_arb] == 1:
                    x = next_arb
                    next_arb += 1
            if x < 0:
                break
            resp[x] = now
            last_deliv = now
            delivered += 1
            active -= 1
            end = now
        if delivered >= n:
            break
        # ---- (2) requests (also re-run after each CAS) --------------------------------------
        same = True
        while same:
            same = False
            while enter_ptr < n and arr[enter_ptr] <= now and (C[ARB] == 0 or active < C[MAXACT]):
                if now < next_enter:
                    break
                enter_ptr += 1
                if C[ARB] != 0:  # the arbiter's END_REQ: the player sends again at its next edge
                    next_enter = _next_edge(now, player_cycles)
                active += 1
            while ctrl_ptr < enter_ptr:
                if now < next_accept:
                    break
                if not _has_space(C, qlen, last_bank, nrd, nwr):
                    break
                x = ctrl_ptr
                ctrl_ptr += 1
                b = bank[x]
                q[b, qlen[b]] = x
                qlen[b] += 1
                last_bank = b
                dirty[b] = 1
                if is_wr[x]:
                    nwr += 1
                else:
                    nrd += 1
                r = rank[x]
                rank_pay[r] += 1
                if pd[r] != 0:
                    pd_exit[r] = 1
                pd_entry[r] = 0
                # Simple: the player hears END_REQ now and sends at its next clock edge; the
                # Fifo/Reorder arbiters forward at most one request per controller cycle
                next_accept = _next_edge(now, player_cycles) if C[ARB] == 0 else now + 1
            # ---- (3) refresh and power-down managers ------------------------------------
            for r in range(nr):
                ref_cmd[r] = NOP
                if C[REFPOL] == 0 or now < ref_trig[r]:
                    continue
                if pd[r] != 0:
                    pd_exit[r] = 1
                    continue
                if now >= ref_trig[r] + ref_interval:
                    ref_trig[r] += ref_interval
                    ref_state[r] = 0
                b0 = r * nbpr
                if C[REFPOL] == 1:
                    busy = False
                    for b in range(b0, b0 + nbpr):
                        if qlen[b] > 0:
                            busy = True
                            break
                    if ref_state[r] == 0:
                        if ref_flex[r] == maxpost:
                            for b in range(b0, b0 + nbpr):
                                blocked[b] = 1
                                dirty[b] = 1
                        elif busy:
                            ref_flex[r] += 1
                            ref_trig[r] += ref_interval
                            continue
                    elif busy:
                        ref_state[r] = 0
                        ref_trig[r] += ref_interval
                        continue
                    ref_cmd[r] = PREA if act_banks[r] > 0 else REFA
                else:
                    tgt = ref_bank[r]
                    if tgt < 0:
                        forced = ref_state[r] == 0 and ref_flex[r] == maxpost
                        for k in range(nbpr):
                            b = b0 + (ref_rot[r] + k) % nbpr
                            if forced or qlen[b] == 0:
                                tgt = b
                                break
                        if tgt < 0:
                            if ref_state[r] == 0:
                                ref_flex[r] += 1
                            else:
                                ref_state[r] = 0
                            ref_trig[r] += ref_interval
                            continue
                        ref_bank[r] = tgt
                        blocked[tgt] = 1
                        dirty[tgt] = 1
                    ref_cmd[r] = PRE if state[tgt] == 1 else REFPB
            for r in range(nr):
                pd_cmd[r] = NOP
                if C[PDPOL] == 0:
                    continue
                if pd[r] != 0:
                    if pd_exit[r] == 1:
                        pd_cmd[r] = PDXA if pd[r] == 1 else PDXP
                elif pd_entry[r] == 1 and rank_pay[r] == 0 and ref_cmd[r] == NOP and now < ref_trig[r]:
                    idle = True
                    for b in range(r * nbpr, (r + 1) * nbpr):
                        if qlen[b] > 0 or blocked[b] == 1:
                            idle = False
                    if idle:
                        pd_cmd[r] = PDEA if act_banks[r] > 0 else PDEP
            # ---- (4) bank machines ----------------------------------------------------------
            for b in range(nb):
                if dirty[b] == 0:
                    continue
                dirty[b] = 0
                bcmd[b] = NOP
                if blocked[b] == 1 or pd[b // nbpr] != 0:
                    continue
                y = _sched_next(C, b, q, qlen, row, addr, is_wr, state, open_row, last_cmd)
                if y < 0:
                    continue
                if keep[b] == 1:
                    if row[y] == open_row[b]:
                        cur[b] = y
                else:
                    cur[b] = y
                x = cur[b]
                if state[b] == 0:
                    bcmd[b] = ACT
                elif row[x] == open_row[b]:
                    auto = False
                    if C[PAGE] == 2:
                        auto = True
                    elif C[PAGE] == 1:
                        auto = qlen[b] >= 2 and not _further_row_hit(C, b, q, qlen, row, open_row[b])
                    elif C[PAGE] == 3:
                        auto = not _further_row_hit(C, b, q, qlen, row, open_row[b])
                    if is_wr[x]:
                        bcmd[b] = WRA if auto else WR
                    else:
                        bcmd[b] = RDA if auto else RD
                else:
                    bcmd[b] = PRE
            # ---- (5) select and issue ---------------------------------------------------------
            best_t = BIG
            best_id = BIG
            best_cmd = NOP
            best_b = -1
            best_r = -1
            next_t = BIG
            for r in range(nr):
                for src in range(2 + nbpr):
                    if src == 0:
                        c = pd_cmd[r]
                        b = r * nbpr
                    elif src == 1:
                        if pd_cmd[r] != NOP:
                            break
                        c = ref_cmd[r]
                        b = ref_bank[r] if C[REFPOL] == 2 else r * nbpr
                    else:
                        if pd_cmd[r] != NOP:
                            break
                        b = r * nbpr + src - 2
                        c = bcmd[b]
                    if c == NOP:
                        continue
                    g = bg[cur[b]] if src >= 2 else 0
                    t = max(now, bus, rnext[_R_ANY, r])
                    if c == ACT:
                        t = max(t, bnext[_B_ACT, b], rnext[_R_ACT, r], gnext[0, g])
                        if faw_n[r] == 4:
                            t = max(t, faw[r, faw_p[r]] + P[FAW])
                    elif c == PRE:
                        t = max(t, bnext[_B_PRE, b], rnext[_R_PRE, r])
                    elif c == RD or c == RDA:
                        t = max(t, bnext[_B_RD, b], rnext[_R_RD, r], gnext[1, g])
                        if c == RDA:
                            t = max(t, bnext[_B_RDA, b])
                    elif c == WR or c == WRA:
                        t = max(t, bnext[_B_WR, b], rnext[_R_WR, r], gnext[2, g])
                    elif c == PREA:
                        t = max(t, rnext[_R_PRE, r])
                        for bb in range(r * nbpr, (r + 1) * nbpr):
                            if state[bb] == 1:
                                t = max(t, bnext[_B_PRE, bb])
                    elif c == REFA:
                        t = max(t, rnext[_R_REF, r])
                    elif c == REFPB:
                        t = max(t, rnext[_R_REF, r], rnext[_R_REFPB, r], bnext[_B_REFPB, b])
                    elif c == PDEA or c == PDEP:
                        t = max(t, rnext[_R_PDE, r])
                    else:
                        t = max(now, bus, pd_since[r] + P[CKE])
                    pid = cur[b] + 1 if src >= 2 else 0
                    key = t + _cmd_len(P, c)
                    if key < best_t or (key == best_t and pid < best_id):
                        best_t = key
                        best_id = pid
                        best_cmd = c
                        best_b = b
                        best_r = r
                        issue_t = t
                    if t > now and t < next_t:
                        next_t = t
            if best_cmd != NOP and issue_t == now:
                c = best_cmd
                b = best_b
                r = best_r
                x = cur[b] if (c == ACT or c == PRE or c == RD or c == WR or c == RDA or c == WRA) else -1
                if c == PRE and ref_cmd[r] == PRE and b == ref_bank[r] and best_id == 0:
                    x = -1
                if nlog < log_cap:
                    log[nlog, 0] = now
                    log[nlog, 1] = c
                    log[nlog, 2] = r
                    log[nlog, 3] = b
                    log[nlog, 4] = open_row[b] if c == PRE else (row[x] if x >= 0 else -1)
                    log[nlog, 5] = x
                    nlog += 1
                bus = now + _cmd_len(P, c)
                r0 = r * nbpr
                if c == PREA or c == REFA or c >= PDEA:
                    for bb in range(r0, r0 + nbpr):
                        dirty[bb] = 1
                else:
                    dirty[b] = 1
                if c == ACT:
                    g = bg[x]
                    state[b] = 1
                    open_row[b] = row[x]
                    open_since[b] = now
                    act_owner[b] = x
                    keep[b] = 1
                    act_banks[r] += 1
                    K[K_ACT] += 1
                    bnext[_B_ACT, b] = max(bnext[_B_ACT, b], now + P[RC])
                    bnext[_B_RD, b] = max(bnext[_B_RD, b], now + P[RCD])
                    bnext[_B_WR, b] = max(bnext[_B_WR, b], now + P[RCD])
                    bnext[_B_PRE, b] = max(bnext[_B_PRE, b], now + P[RAS])
                    rnext[_R_ACT, r] = max(rnext[_R_ACT, r], now + P[RRD_S])
                    gnext[0, g] = max(gnext[0, g], now + P[RRD_L])
                    rnext[_R_REF, r] = max(rnext[_R_REF, r], now + P[RC])
                    rnext[_R_REFPB, r] = max(rnext[_R_REFPB, r], now + P[RRD_S])
                    rnext[_R_PDE, r] = max(rnext[_R_PDE, r], now + P[ACTPDEN])
                    faw[r, faw_p[r]] = now
                    faw_p[r] = (faw_p[r] + 1) % 4
                    if faw_n[r] < 4:
                        faw_n[r] += 1
                elif c == PRE or c == PREA:
                    lo = b if c == PRE else r0
                    hi = b + 1 if c == PRE else r0 + nbpr
                    tp = P[RP] if c == PRE else P[RPAB]
                    for bb in range(lo, hi):
                        if state[bb] == 1:
                            state[bb] = 0
                            keep[bb] = 0
                            act_banks[r] -= 1
                            K[K_PRE] += 1
                            if niv < iv_cap:
                                iv[niv, 0] = open_since[bb]
                                iv[niv, 1] = now
                                iv[niv, 2] = r
                                iv[niv, 3] = 0
                                niv += 1
                        bnext[_B_ACT, bb] = max(bnext[_B_ACT, bb], now + tp)
                        bnext[_B_REFPB, bb] = max(bnext[_B_REFPB, bb], now + tp)
                    if c == PREA:
                        K[K_PREA] += 1
                    rnext[_R_REF, r] = max(rnext[_R_REF, r], now + tp)
                    rnext[_R_PRE, r] = max(rnext[_R_PRE, r], now + P[PPD])
                    rnext[_R_PDE, r] = max(rnext[_R_PDE, r], now + P[PRPDEN])
                elif c == RD or c == WR or c == RDA or c == WRA:
                    g = bg[x]
                    w = c == WR or c == WRA
                    # remove from the bank queue
                    pos = 0
                    while q[b, pos] != x:
                        pos += 1
                    for k in range(pos, qlen[b] - 1):
                        q[b, k] = q[b, k + 1]
                    qlen[b] -= 1
                    if w:
                        nwr -= 1
                        K[K_WR] += 1
                    else:
                        nrd -= 1
                        K[K_RD] += 1
                    if C[SCHED] == 2 and last_cmd != (1 if w else 0):
                        for bb in range(nb):
                            dirty[bb] = 1
                    last_cmd = 1 if w else 0
                    if act_owner[b] != x:
                        K[K_HIT] += 1
                    cur[b] = -1
                    keep[b] = 0
                    rank_pay[r] -= 1
                    data_end[x] = now + (P[WL] if w else P[RL]) + P[BURST]
                    ctrlq[ct] = x
                    ct += 1
                    if w:
                        bnext[_B_PRE, b] = max(bnext[_B_PRE, b], now + tWR2PRE)
                        bnext[_B_RDA, b] = max(bnext[_B_RDA, b], now + tWR2PRE - tRD2PRE)
                        rnext[_R_WR, r] = max(rnext[_R_WR, r], now + P[CCD_S])
                        gnext[2, g] = max(gnext[2, g], now + P[CCD_L])
                        rnext[_R_RD, r] = max(rnext[_R_RD, r], now + P[WL] + P[BURST] + P[WRX] + P[WTR_S])
                        gnext[1, g] = max(gnext[1, g], now + P[WL] + P[BURST] + P[WRX] + P[WTR_L])
                        rnext[_R_PDE, r] = max(rnext[_R_PDE, r], now + tWR2PRE + (1 if c == WRA else 0))
                    else:
                        bnext[_B_PRE, b] = max(bnext[_B_PRE, b], now + tRD2PRE)
                        rnext[_R_RD, r] = max(rnext[_R_RD, r], now + P[CCD_S])
                        gnext[1, g] = max(gnext[1, g], now + P[CCD_L])
                        rnext[_R_WR, r] = max(rnext[_R_WR, r], now + P[RL] + P[BURST] + P[RDWR_X] - P[WL])
                        rnext[_R_PDE, r] = max(rnext[_R_PDE, r], now + P[RL] + P[BURST] + 1)
                    for rr in range(nr):
                        if rr == r:
                            continue
                        if w:
                            rnext[_R_WR, rr] = max(rnext[_R_WR, rr], now + P[BURST] + P[RTRS])
                            rnext[_R_RD, rr] = max(rnext[_R_RD, rr], now + P[WL] + P[BURST] + P[RTRS] - P[RL])
                        else:
                            rnext[_R_RD, rr] = max(rnext[_R_RD, rr], now + P[BURST] + P[RTRS])
                            rnext[_R_WR, rr] = max(rnext[_R_WR, rr], now + P[RL] + P[BURST] + P[RTRS] - P[WL])
                    if c == RDA or c == WRA:
                        tpre = now + (tWR2PRE if w else tRD2PRE)
                        state[b] = 0
                        act_banks[r] -= 1
                        K[K_PRE] += 1
                        if w:
                            K[K_WRA] += 1
                        else:
                            K[K_RDA] += 1
                        if niv < iv_cap:
                            iv[niv, 0] = open_since[b]
                            iv[niv, 1] = tpre
                            iv[niv, 2] = r
                            iv[niv, 3] = 0
                            niv += 1
                        bnext[_B_ACT, b] = max(bnext[_B_ACT, b], tpre + P[RP])
                        bnext[_B_REFPB, b] = max(bnext[_B_REFPB, b], tpre + P[RP])
                        rnext[_R_REF, r] = max(rnext[_R_REF, r], tpre + P[RP])
                    if rank_pay[r] == 0:
                        pd_entry[r] = 1
                elif c == REFA or c == REFPB:
                    if c == REFA:
                        K[K_REFA] += 1
                        for bb in range(r0, r0 + nbpr):
                            blocked[bb] = 0
                            bnext[_B_ACT, bb] = max(bnext[_B_ACT, bb], now + P[RFC])
                            bnext[_B_PRE, bb] = max(bnext[_B_PRE, bb], now + P[RFC])
                        rnext[_R_REF, r] = max(rnext[_R_REF, r], now + P[RFC])
                    else:
                        K[K_REFPB] += 1
                        blocked[b] = 0
                        bnext[_B_ACT, b] = max(bnext[_B_ACT, b], now + P[RFCPB])
                        bnext[_B_PRE, b] = max(bnext[_B_PRE, b], now + P[RFCPB])
                        rnext[_R_REFPB, r] = max(rnext[_R_REFPB, r], now + P[RFCPB])
                        rnext[_R_ACT, r] = max(rnext[_R_ACT, r], now + P[RRD_S])
                        rnext[_R_REF, r] = max(rnext[_R_REF, r], now + P[RFCPB])
                        ref_rot[r] = (b - r0 + 1) % nbpr
                        ref_bank[r] = -1
                    rnext[_R_PDE, r] = max(rnext[_R_PDE, r], now + P[REFPDEN])
                    if ref_state[r] == 1:
                        ref_flex[r] -= 1
                    else:
                        ref_state[r] = 1
                    if ref_flex[r] == maxpull:
                        ref_state[r] = 0
                        ref_trig[r] += ref_interval
                    if rank_pay[r] == 0:
                        pd_entry[r] = 1
                elif c == PDEA or c == PDEP:
                    pd[r] = 1 if c == PDEA else 2
                    pd_since[r] = now
                    pd_entry[r] = 0
                    K[K_PDE] += 1
                else:  # PDXA / PDXP
                    if niv < iv_cap:
                        iv[niv, 0] = pd_since[r]
                        iv[niv, 1] = now
                        iv[niv, 2] = r
                        iv[niv, 3] = pd[r]
                        niv += 1
                    pd[r] = 0
                    pd_exit[r] = 0
                    pd_since[r] = now
                    rnext[_R_ANY, r] = max(rnext[_R_ANY, r], now + P[XP])
                    rnext[_R_PDE, r] = max(rnext[_R_PDE, r], now + P[CKE])
                    if rank_pay[r] == 0:
                        pd_entry[r] = 1
                same = True  # re-run this cycle: intake after a CAS, then find the next event
        # ---- (6) next cycle at which anything can happen -------------------------------------
        nt = next_t
        if best_cmd != NOP and issue_t == now:
            nt = min(nt, bus)
        if C[RESPQ] == 0:
            if ch < ct:
                nt = min(nt, data_end[ctrlq[ch]])
        elif next_ctrl < n and data_end[next_ctrl] >= 0:
            nt = min(nt, data_end[next_ctrl])
        if C[ARB] != 0 and (ah < at or (C[ARB] == 2 and next_arb < n and arb_in[next_arb] == 1)):
            nt = min(nt, now + 1)
        if enter_ptr < n and (C[ARB] == 0 or active < C[MAXACT]):
            nt = min(nt, max(arr[enter_ptr], next_enter, now + 1))
        if ctrl_ptr < enter_ptr and _has_space(C, qlen, last_bank, nrd, nwr):
            nt = min(nt, max(now + 1, next_accept))
        for r in range(nr):
            if C[REFPOL] != 0:
                nt = min(nt, ref_trig[r])
        if nt <= now:
            nt = now + 1
        if nt >= BIG:
            K[K_ERR] = 2
            break
        now = nt
    # close intervals still open at the end
    for b in range(nb):
        if state[b] == 1 and niv < iv_cap:
            iv[niv, 0] = open_since[b]
            iv[niv, 1] = end
            iv[niv, 2] = b // nbpr
            iv[niv, 3] = 0
            niv += 1
    for r in range(nr):
        if pd[r] != 0 and niv < iv_cap:
            iv[niv, 0] = pd_since[r]
            iv[niv, 1] = end
            iv[niv, 2] = r
            iv[niv, 3] = pd[r]
            niv += 1
    K[K_END] = end
    K[K_ITER] = guard
    K[K_LOGLEN] = nlog
    # background cycles: union of open-bank intervals per rank, power-down cycles per kind
    for r in range(nr):
        m = 0
        for i in range(niv):
            if iv[i, 2] == r and iv[i, 3] == 0:
                m += 1
        starts = np.empty(m, np.int64)
        ends = np.empty(m, np.int64)
        m = 0
        for i in range(niv):
            if iv[i, 2] == r and iv[i, 3] == 0:
                starts[m] = min(iv[i, 0], end)
                ends[m] = min(iv[i, 1], end)
                m += 1
        order = np.argsort(starts)
        total = 0
        cs = -1
        ce = -1
        for k in range(m):
            s = starts[order[k]]
            e = ends[order[k]]
            if s > ce:
                if ce > cs:
                    total += ce - cs
                cs = s
                ce = e
            elif e > ce:
                ce = e
        if ce > cs:
            total += ce - cs
        K[K_OPEN_CYC] += total
    for i in range(niv):
        if iv[i, 3] == 1:
            K[K_ACTPD_CYC] += min(iv[i, 1], end) - min(iv[i, 0], end)
        elif iv[i, 3] == 2:
            K[K_PREPD_CYC] += min(iv[i, 1], end) - min(iv[i, 0], end)
    return resp, K, iv, niv, log[:nlog]
