"""The cycle-level controller loop (C, called through ctypes), following DRAMSys's controller structure.

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

The loop itself is ``dram_engine.c`` (C99, no Python API: one function over raw int64 arrays),
compiled when the package is installed and loaded by :mod:`.native` (which compiles it into
the ArchGym cache on first use if the installed library is missing). This module holds the
index constants shared with the C source (kept in the same order there), checks the arrays
and calls the kernel; the call releases the GIL, so threads simulate in parallel. Until
issue 18 the loop was a Numba ``@njit`` function; the C port does the same integer arithmetic
in the same order and rounds the trace player's clock edge the same way (no FMA contraction,
no fast-math), and gave bit-identical results on every metric (see ``docs/dram.md``).
"""

from __future__ import annotations

import numpy as np

from .native import load

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
BIG = 1 << 60

# bank-level "next" kinds; _B_RDA: a read with auto-precharge after a write to the bank (tWR - tRTP)
_B_ACT, _B_PRE, _B_RD, _B_WR, _B_REFPB, _B_RDA = range(6)
# rank-level "next" kinds
_R_ACT, _R_RD, _R_WR, _R_REF, _R_PRE, _R_PDE, _R_ANY, _R_REFPB = range(8)


def backend() -> str:
    """Where the kernel was loaded from: ``"extension"`` (built by pip install) or ``"cache"`` (compiled on first use)."""
    return load().backend


def _int64(name: str, a: np.ndarray, n: int | None = None) -> np.ndarray:
    out = np.ascontiguousarray(a, dtype=np.int64)
    if out.ndim != 1 or (n is not None and out.shape[0] != n):
        raise ValueError(f"engine input {name!r} must be a 1-d array of {n} integers, got shape {np.shape(a)}")
    return out


def simulate(arr, is_wr, rank, bank, bg, row, addr, P, C, log_cap, player_cycles=1.0):
    """Run one trace through the controller.

    Args:
        arr: arrival cycle of each request at the controller, shape (n,), non-decreasing.
        is_wr: 1 for a write, shape (n,).
        rank, bank, bg: rank, flat bank (``rank * banks_per_rank + bank``) and flat bank group.
        row, addr: row and byte address of each request.
        P: timing/geometry vector (see the ``P`` indices), cycles, shape (N_PARAMS,).
        C: controller configuration vector (see the ``C`` indices), shape (N_CONFIG,).
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

    Raises:
        ValueError: an array of the wrong shape, or a rank/bank/bank group outside the geometry
            in ``P`` (the kernel does not check indices itself).
    """
    arr = _int64("arr", arr)
    n = arr.shape[0]
    is_wr, rank, bank, bg, row, addr = (_int64(k, a, n) for k, a in
                                        zip(("is_wr", "rank", "bank", "bg", "row", "addr"), (is_wr, rank, bank, bg, row, addr)))
    P = _int64("P", P, N_PARAMS)
    C = _int64("C", C, N_CONFIG)
    nr, nbpr, ngpr = int(P[NRANKS]), int(P[NBPR]), int(P[NGPR])
    if min(nr, nbpr, ngpr) < 1 or C[BUFSIZE] < 1 or C[MAXACT] < 1:
        raise ValueError(f"engine geometry/config must be positive: ranks {nr}, banks per rank {nbpr}, bank groups "
                         f"per rank {ngpr}, RequestBufferSize {C[BUFSIZE]}, MaxActiveTransactions {C[MAXACT]}")
    if n:
        for name, a, hi in (("rank", rank, nr), ("bank", bank, nr * nbpr), ("bg", bg, nr * ngpr)):
            if a.min() < 0 or a.max() >= hi:
                raise ValueError(f"engine input {name!r} must lie in [0, {hi}), got [{a.min()}, {a.max()}]")
    log_cap = max(int(log_cap), 0)
    resp = np.empty(n, np.int64)
    K = np.zeros(N_COUNTERS, np.int64)
    iv_cap = 2 * n + 64 + nr * nbpr * 4
    iv = np.empty((iv_cap, 4), np.int64)
    log = np.zeros((log_cap, 6), np.int64)
    niv = load().function(n, arr.ctypes.data, is_wr.ctypes.data, rank.ctypes.data, bank.ctypes.data, bg.ctypes.data,
                          row.ctypes.data, addr.ctypes.data, P.ctypes.data, C.ctypes.data, log_cap, float(player_cycles),
                          resp.ctypes.data, K.ctypes.data, iv.ctypes.data, iv_cap, log.ctypes.data)
    if niv < 0:
        raise MemoryError(f"the DRAM kernel could not allocate its scratch memory for {n} requests")
    return resp, K, iv, int(niv), log[: K[K_LOGLEN]]
