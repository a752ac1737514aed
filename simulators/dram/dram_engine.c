/* The cycle-level DRAM controller loop of archgym.simulators.dram (C99, no Python API).
 *
 * One call simulates one trace on one controller configuration; the mechanism is described in
 * engine.py (the Python side: index constants, argument checks, the ctypes call). Every array
 * is int64, C-contiguous, owned by the caller. Build flags keep IEEE arithmetic exact
 * (-O2 -ffp-contract=off, never -ffast-math): the two floating-point expressions (the trace
 * player's clock edge) must round as Python/NumPy would.
 *
 * Inputs, shape (n,): arr (arrival cycle, non-decreasing), is_wr, rank, bank (flat), bg (flat
 * bank group), row, addr. P: timing/geometry vector (N_PARAMS), C: configuration (N_CONFIG).
 * Outputs: resp (n,), K (N_COUNTERS,), iv (iv_cap, 4) rows (start, end, rank, kind), log
 * (log_cap, 6) rows (cycle, command, rank, bank, row, request).
 * Returns the number of interval rows used, or -1 if scratch memory could not be allocated.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef int64_t i64;

/* parameter vector P (cycles) */
enum { RCD, RP, RPAB, RAS, RC, RRD_S, RRD_L, FAW, CCD_S, CCD_L, RL, WL, BURST, TWR, WTR_S, WTR_L, RTP,
       RFC, RFCPB, REFI, REFIPB, RTRS, RDWR_X, WRX, PPD, XP, CKE, ACTPDEN, PRPDEN, REFPDEN,
       LEN_ACT, LEN_CAS, LEN_PRE, LEN_REF, NRANKS, NBPR, NGPR, N_PARAMS };
/* configuration vector C */
enum { PAGE, SCHED, BUF, BUFSIZE, RESPQ, REFPOL, MAXPOST, MAXPULL, ARB, MAXACT, PDPOL, N_CONFIG };
/* commands */
enum { NOP = -1, ACT, PRE, RD, WR, RDA, WRA, PREA, REFA, REFPB, PDEA, PDEP, PDXA, PDXP };
/* counters */
enum { K_ACT, K_PRE, K_RD, K_WR, K_RDA, K_WRA, K_PREA, K_REFA, K_REFPB, K_PDE, K_END, K_ERR, K_LOGLEN,
       K_OPEN_CYC, K_ACTPD_CYC, K_PREPD_CYC, K_ITER, K_HIT, N_COUNTERS };
/* bank-level "next" kinds; B_RDA: a read with auto-precharge after a write to the bank */
enum { B_ACT, B_PRE, B_RD, B_WR, B_REFPB, B_RDA };
/* rank-level "next" kinds */
enum { R_ACT, R_RD, R_WR, R_REF, R_PRE, R_PDE, R_ANY, R_REFPB };

#define BIG (((i64)1) << 60)

/* sha256 of this file (first 16 hex digits), set by the build; the loader compares it with the
 * source beside the library so that an edited source never runs a stale build */
#ifndef ARCHGYM_DRAM_SOURCE
#define ARCHGYM_DRAM_SOURCE "unknown"
#endif
const char *archgym_dram_source(void) { return ARCHGYM_DRAM_SOURCE; }

static inline i64 max2(i64 a, i64 b) { return a > b ? a : b; }
static inline i64 min2(i64 a, i64 b) { return a < b ? a : b; }
static inline i64 max3(i64 a, i64 b, i64 c) { return max2(max2(a, b), c); }

static i64 cmd_len(const i64 *P, i64 cmd) {
    if (cmd == ACT) return P[LEN_ACT];
    if (cmd == RD || cmd == WR || cmd == RDA || cmd == WRA) return P[LEN_CAS];
    if (cmd == REFA || cmd == REFPB) return P[LEN_REF];
    return P[LEN_PRE];
}

/* First controller cycle at or after the trace player's first clock edge after cycle now. */
static i64 next_edge(i64 now, double player_cycles) {
    double k = floor((double)now / player_cycles + 1e-9) + 1.0;
    return (i64)ceil(k * player_cycles - 1e-9);
}

static int has_space(const i64 *C, const i64 *qlen, i64 last_bank, i64 nrd, i64 nwr) {
    if (C[BUF] == 0) return qlen[last_bank] < C[BUFSIZE];
    if (C[BUF] == 1) return nrd < C[BUFSIZE] && nwr < C[BUFSIZE];
    return nrd + nwr < C[BUFSIZE];
}

/* Index of the request the scheduler offers bank b (-1 when its queue is empty); q is (nb, cap). */
static i64 sched_next(const i64 *C, i64 b, const i64 *q, i64 cap, const i64 *qlen, const i64 *row, const i64 *addr,
                      const i64 *is_wr, const i64 *state, const i64 *open_row, i64 last_cmd) {
    const i64 *qb = q + b * cap;
    i64 n = qlen[b];
    if (n == 0) return -1;
    if (C[SCHED] == 0 || state[b] == 0) return qb[0];
    i64 r = open_row[b];
    if (C[SCHED] == 1) {
        for (i64 k = 0; k < n; k++)
            if (row[qb[k]] == r) return qb[k];
        return qb[0];
    }
    i64 first_hit = -1;
    for (i64 k = 0; k < n; k++) {
        i64 x = qb[k];
        if (row[x] != r) continue;
        if (first_hit < 0) first_hit = x;
        if (is_wr[x] == last_cmd) {
            int hazard = 0;
            for (i64 j = 0; j < k; j++) {
                i64 y = qb[j];
                if (row[y] == r && addr[y] == addr[x]) {
                    hazard = 1;
                    break;
                }
            }
            if (!hazard) return x;
        }
    }
    if (first_hit >= 0) return first_hit;
    return qb[0];
}

static int further_row_hit(const i64 *C, i64 b, const i64 *q, i64 cap, const i64 *qlen, const i64 *row, i64 r) {
    const i64 *qb = q + b * cap;
    if (C[SCHED] == 0) return qlen[b] >= 2 && row[qb[1]] == r;
    i64 cnt = 0;
    for (i64 k = 0; k < qlen[b]; k++) {
        if (row[qb[k]] == r) {
            cnt += 1;
            if (cnt == 2) return 1;
        }
    }
    return 0;
}

static int cmp_interval(const void *a, const void *b) {
    const i64 *x = (const i64 *)a, *y = (const i64 *)b;
    if (x[0] != y[0]) return x[0] < y[0] ? -1 : 1;
    if (x[1] != y[1]) return x[1] < y[1] ? -1 : 1;
    return 0;
}

/* scratch arrays, allocated in one block */
enum { S_STATE, S_OPEN_ROW, S_OPEN_SINCE, S_CUR, S_KEEP, S_BLOCKED, S_BCMD, S_DIRTY, S_ACT_OWNER, S_QLEN,
       S_BNEXT, S_GNEXT, S_RNEXT, S_FAW, S_FAW_N, S_FAW_P, S_Q, S_RANK_PAY, S_REF_TRIG, S_REF_STATE, S_REF_FLEX,
       S_REF_CMD, S_REF_BANK, S_REF_ROT, S_ACT_BANKS, S_PD, S_PD_SINCE, S_PD_ENTRY, S_PD_EXIT, S_PD_CMD,
       S_DATA_END, S_CTRLQ, S_ARBQ, S_ARB_IN, S_SEG, N_SCRATCH };

i64 archgym_dram_simulate(i64 n, const i64 *arr, const i64 *is_wr, const i64 *rank, const i64 *bank, const i64 *bg,
                          const i64 *row, const i64 *addr, const i64 *P, const i64 *C, i64 log_cap,
                          double player_cycles, i64 *resp, i64 *K, i64 *iv, i64 iv_cap, i64 *log) {
    const i64 nr = P[NRANKS], nbpr = P[NBPR], ngpr = P[NGPR];
    const i64 nb = nr * nbpr, ng = nr * ngpr;
    const i64 cap = 2 * C[BUFSIZE] + 2;
    i64 size[N_SCRATCH];
    for (int s = 0; s < N_SCRATCH; s++) size[s] = 0;
    for (int s = S_STATE; s <= S_QLEN; s++) size[s] = nb;
    size[S_BNEXT] = 6 * nb;
    size[S_GNEXT] = 3 * ng;
    size[S_RNEXT] = 8 * nr;
    size[S_FAW] = 4 * nr;
    size[S_FAW_N] = size[S_FAW_P] = nr;
    size[S_Q] = nb * cap;
    for (int s = S_RANK_PAY; s <= S_PD_CMD; s++) size[s] = nr;
    for (int s = S_DATA_END; s <= S_ARB_IN; s++) size[s] = n;
    size[S_SEG] = 2 * iv_cap;
    i64 total_size = 0;
    for (int s = 0; s < N_SCRATCH; s++) total_size += size[s] + 1;
    i64 *block = (i64 *)calloc((size_t)total_size, sizeof(i64));
    if (block == NULL) return -1;
    i64 *S[N_SCRATCH];
    {
        i64 off = 0;
        for (int s = 0; s < N_SCRATCH; s++) {
            S[s] = block + off;
            off += size[s] + 1;
        }
    }
    i64 *state = S[S_STATE], *open_row = S[S_OPEN_ROW], *open_since = S[S_OPEN_SINCE], *cur = S[S_CUR];
    i64 *keep = S[S_KEEP], *blocked = S[S_BLOCKED], *bcmd = S[S_BCMD], *dirty = S[S_DIRTY];
    i64 *act_owner = S[S_ACT_OWNER], *qlen = S[S_QLEN], *bnext = S[S_BNEXT], *gnext = S[S_GNEXT];
    i64 *rnext = S[S_RNEXT], *faw = S[S_FAW], *faw_n = S[S_FAW_N], *faw_p = S[S_FAW_P], *q = S[S_Q];
    i64 *rank_pay = S[S_RANK_PAY], *ref_trig = S[S_REF_TRIG], *ref_state = S[S_REF_STATE];
    i64 *ref_flex = S[S_REF_FLEX], *ref_cmd = S[S_REF_CMD], *ref_bank = S[S_REF_BANK], *ref_rot = S[S_REF_ROT];
    i64 *act_banks = S[S_ACT_BANKS], *pd = S[S_PD], *pd_since = S[S_PD_SINCE], *pd_entry = S[S_PD_ENTRY];
    i64 *pd_exit = S[S_PD_EXIT], *pd_cmd = S[S_PD_CMD], *data_end = S[S_DATA_END], *ctrlq = S[S_CTRLQ];
    i64 *arbq = S[S_ARBQ], *arb_in = S[S_ARB_IN], *seg = S[S_SEG];
#define BNEXT(k, b) bnext[(k) * nb + (b)]
#define GNEXT(k, g) gnext[(k) * ng + (g)]
#define RNEXT(k, r) rnext[(k) * nr + (r)]
#define Q(b, k) q[(b) * cap + (k)]
#define IV(i, j) iv[(i) * 4 + (j)]
#define LOG(i, j) log[(i) * 6 + (j)]

    for (i64 i = 0; i < n; i++) {
        resp[i] = -1;
        data_end[i] = -1;
    }
    for (i64 k = 0; k < N_COUNTERS; k++) K[k] = 0;
    memset(iv, 0, (size_t)(iv_cap * 4) * sizeof(i64));
    i64 niv = 0;
    for (i64 b = 0; b < nb; b++) {
        open_row[b] = -1;
        cur[b] = -1;
        bcmd[b] = NOP;
        dirty[b] = 1;
        act_owner[b] = -1;
    }
    i64 bus = 0;
    i64 nrd = 0, nwr = 0, last_bank = 0, last_cmd = 0;
    /* refresh */
    const i64 ref_interval = C[REFPOL] == 1 ? P[REFI] : P[REFIPB];
    for (i64 r = 0; r < nr; r++) {
        ref_trig[r] = C[REFPOL] != 0 ? ref_interval * (r + 1) / nr : BIG;
        ref_cmd[r] = NOP;
        ref_bank[r] = -1;
        pd_entry[r] = 1;
        pd_cmd[r] = NOP;
    }
    const i64 maxpost = C[MAXPOST] * (C[REFPOL] == 2 ? nbpr : 1);
    const i64 maxpull = -C[MAXPULL] * (C[REFPOL] == 2 ? nbpr : 1);
    /* responses */
    i64 ch = 0, ct = 0, next_ctrl = 0, ah = 0, at = 0, next_arb = 0;
    i64 last_deliv = -1, delivered = 0;
    /* intake */
    i64 enter_ptr = 0, ctrl_ptr = 0, active = 0, next_accept = 0, next_enter = 0;
    i64 nlog = 0, now = 0, end = 0;
    const i64 tRD2PRE = P[RTP];
    const i64 tWR2PRE = P[WL] + P[BURST] + P[TWR] + P[WRX];
    i64 guard = 0;
    i64 issue_t = BIG, best_cmd = NOP, next_t = BIG;
    i64 best_t, best_id, best_b = -1, best_r = -1;

    while (delivered < n) {
        guard += 1;
        if (guard > 200 * n + 10000000) {
            K[K_ERR] = 1;
            break;
        }
        /* ---- (1) responses ---- */
        for (;;) {
            i64 x = -1;
            if (C[RESPQ] == 0) {
                if (ch < ct && data_end[ctrlq[ch]] <= now) {
                    x = ctrlq[ch];
                    ch += 1;
                }
            } else if (next_ctrl < n && data_end[next_ctrl] >= 0 && data_end[next_ctrl] <= now) {
                x = next_ctrl;
                next_ctrl += 1;
            }
            if (x < 0) break;
            if (C[ARB] == 2) {
                arb_in[x] = 1;
            } else {
                arbq[at] = x;
                at += 1;
            }
        }
        for (;;) {
            i64 x = -1;
            if (C[ARB] == 0) {
                if (ah < at) {
                    x = arbq[ah];
                    ah += 1;
                }
            } else if (last_deliv < now) {
                if (C[ARB] == 1) {
                    if (ah < at) {
                        x = arbq[ah];
                        ah += 1;
                    }
                } else if (next_arb < n && arb_in[next_arb] == 1) {
                    x = next_arb;
                    next_arb += 1;
                }
            }
            if (x < 0) break;
            resp[x] = now;
            last_deliv = now;
            delivered += 1;
            active -= 1;
            end = now;
        }
        if (delivered >= n) break;
        /* ---- (2) requests (also re-run after each CAS) ---- */
        int same = 1;
        while (same) {
            same = 0;
            while (enter_ptr < n && arr[enter_ptr] <= now && (C[ARB] == 0 || active < C[MAXACT])) {
                if (now < next_enter) break;
                enter_ptr += 1;
                if (C[ARB] != 0) next_enter = next_edge(now, player_cycles); /* the arbiter's END_REQ */
                active += 1;
            }
            while (ctrl_ptr < enter_ptr) {
                if (now < next_accept) break;
                if (!has_space(C, qlen, last_bank, nrd, nwr)) break;
                i64 x = ctrl_ptr;
                ctrl_ptr += 1;
                i64 b = bank[x];
                Q(b, qlen[b]) = x;
                qlen[b] += 1;
                last_bank = b;
                dirty[b] = 1;
                if (is_wr[x])
                    nwr += 1;
                else
                    nrd += 1;
                i64 r = rank[x];
                rank_pay[r] += 1;
                if (pd[r] != 0) pd_exit[r] = 1;
                pd_entry[r] = 0;
                /* Simple: END_REQ now, the player sends at its next edge; Fifo/Reorder: one per cycle */
                next_accept = C[ARB] == 0 ? next_edge(now, player_cycles) : now + 1;
            }
            /* ---- (3) refresh and power-down managers ---- */
            for (i64 r = 0; r < nr; r++) {
                ref_cmd[r] = NOP;
                if (C[REFPOL] == 0 || now < ref_trig[r]) continue;
                if (pd[r] != 0) {
                    pd_exit[r] = 1;
                    continue;
                }
                if (now >= ref_trig[r] + ref_interval) {
                    ref_trig[r] += ref_interval;
                    ref_state[r] = 0;
                }
                i64 b0 = r * nbpr;
                if (C[REFPOL] == 1) {
                    int busy = 0;
                    for (i64 b = b0; b < b0 + nbpr; b++) {
                        if (qlen[b] > 0) {
                            busy = 1;
                            break;
                        }
                    }
                    if (ref_state[r] == 0) {
                        if (ref_flex[r] == maxpost) {
                            for (i64 b = b0; b < b0 + nbpr; b++) {
                                blocked[b] = 1;
                                dirty[b] = 1;
                            }
                        } else if (busy) {
                            ref_flex[r] += 1;
                            ref_trig[r] += ref_interval;
                            continue;
                        }
                    } else if (busy) {
                        ref_state[r] = 0;
                        ref_trig[r] += ref_interval;
                        continue;
                    }
                    ref_cmd[r] = act_banks[r] > 0 ? PREA : REFA;
                } else {
                    i64 tgt = ref_bank[r];
                    if (tgt < 0) {
                        int forced = ref_state[r] == 0 && ref_flex[r] == maxpost;
                        for (i64 k = 0; k < nbpr; k++) {
                            i64 b = b0 + (ref_rot[r] + k) % nbpr;
                            if (forced || qlen[b] == 0) {
                                tgt = b;
                                break;
                            }
                        }
                        if (tgt < 0) {
                            if (ref_state[r] == 0)
                                ref_flex[r] += 1;
                            else
                                ref_state[r] = 0;
                            ref_trig[r] += ref_interval;
                            continue;
                        }
                        ref_bank[r] = tgt;
                        blocked[tgt] = 1;
                        dirty[tgt] = 1;
                    }
                    ref_cmd[r] = state[tgt] == 1 ? PRE : REFPB;
                }
            }
            for (i64 r = 0; r < nr; r++) {
                pd_cmd[r] = NOP;
                if (C[PDPOL] == 0) continue;
                if (pd[r] != 0) {
                    if (pd_exit[r] == 1) pd_cmd[r] = pd[r] == 1 ? PDXA : PDXP;
                } else if (pd_entry[r] == 1 && rank_pay[r] == 0 && ref_cmd[r] == NOP && now < ref_trig[r]) {
                    int idle = 1;
                    for (i64 b = r * nbpr; b < (r + 1) * nbpr; b++)
                        if (qlen[b] > 0 || blocked[b] == 1) idle = 0;
                    if (idle) pd_cmd[r] = act_banks[r] > 0 ? PDEA : PDEP;
                }
            }
            /* ---- (4) bank machines ---- */
            for (i64 b = 0; b < nb; b++) {
                if (dirty[b] == 0) continue;
                dirty[b] = 0;
                bcmd[b] = NOP;
                if (blocked[b] == 1 || pd[b / nbpr] != 0) continue;
                i64 y = sched_next(C, b, q, cap, qlen, row, addr, is_wr, state, open_row, last_cmd);
                if (y < 0) continue;
                if (keep[b] == 1) {
                    if (row[y] == open_row[b]) cur[b] = y;
                } else {
                    cur[b] = y;
                }
                i64 x = cur[b];
                if (state[b] == 0) {
                    bcmd[b] = ACT;
                } else if (row[x] == open_row[b]) {
                    int autopre = 0;
                    if (C[PAGE] == 2)
                        autopre = 1;
                    else if (C[PAGE] == 1)
                        autopre = qlen[b] >= 2 && !further_row_hit(C, b, q, cap, qlen, row, open_row[b]);
                    else if (C[PAGE] == 3)
                        autopre = !further_row_hit(C, b, q, cap, qlen, row, open_row[b]);
                    if (is_wr[x])
                        bcmd[b] = autopre ? WRA : WR;
                    else
                        bcmd[b] = autopre ? RDA : RD;
                } else {
                    bcmd[b] = PRE;
                }
            }
            /* ---- (5) select and issue ---- */
            best_t = BIG;
            best_id = BIG;
            best_cmd = NOP;
            best_b = -1;
            best_r = -1;
            next_t = BIG;
            for (i64 r = 0; r < nr; r++) {
                for (i64 src = 0; src < 2 + nbpr; src++) {
                    i64 c, b;
                    if (src == 0) {
                        c = pd_cmd[r];
                        b = r * nbpr;
                    } else if (src == 1) {
                        if (pd_cmd[r] != NOP) break;
                        c = ref_cmd[r];
                        b = C[REFPOL] == 2 ? ref_bank[r] : r * nbpr;
                    } else {
                        if (pd_cmd[r] != NOP) break;
                        b = r * nbpr + src - 2;
                        c = bcmd[b];
                    }
                    if (c == NOP) continue;
                    i64 g = src >= 2 ? bg[cur[b] < 0 ? cur[b] + n : cur[b]] : 0; /* -1 reads the last, as NumPy indexing */
                    i64 t = max3(now, bus, RNEXT(R_ANY, r));
                    if (c == ACT) {
                        t = max2(max3(t, BNEXT(B_ACT, b), RNEXT(R_ACT, r)), GNEXT(0, g));
                        if (faw_n[r] == 4) t = max2(t, faw[r * 4 + faw_p[r]] + P[FAW]);
                    } else if (c == PRE) {
                        t = max3(t, BNEXT(B_PRE, b), RNEXT(R_PRE, r));
                    } else if (c == RD || c == RDA) {
                        t = max2(max3(t, BNEXT(B_RD, b), RNEXT(R_RD, r)), GNEXT(1, g));
                        if (c == RDA) t = max2(t, BNEXT(B_RDA, b));
                    } else if (c == WR || c == WRA) {
                        t = max2(max3(t, BNEXT(B_WR, b), RNEXT(R_WR, r)), GNEXT(2, g));
                    } else if (c == PREA) {
                        t = max2(t, RNEXT(R_PRE, r));
                        for (i64 bb = r * nbpr; bb < (r + 1) * nbpr; bb++)
                            if (state[bb] == 1) t = max2(t, BNEXT(B_PRE, bb));
                    } else if (c == REFA) {
                        t = max2(t, RNEXT(R_REF, r));
                    } else if (c == REFPB) {
                        t = max2(max3(t, RNEXT(R_REF, r), RNEXT(R_REFPB, r)), BNEXT(B_REFPB, b));
                    } else if (c == PDEA || c == PDEP) {
                        t = max2(t, RNEXT(R_PDE, r));
                    } else {
                        t = max3(now, bus, pd_since[r] + P[CKE]);
                    }
                    i64 pid = src >= 2 ? cur[b] + 1 : 0;
                    i64 key = t + cmd_len(P, c);
                    if (key < best_t || (key == best_t && pid < best_id)) {
                        best_t = key;
                        best_id = pid;
                        best_cmd = c;
                        best_b = b;
                        best_r = r;
                        issue_t = t;
                    }
                    if (t > now && t < next_t) next_t = t;
                }
            }
            if (best_cmd != NOP && issue_t == now) {
                const i64 c = best_cmd, b = best_b, r = best_r;
                i64 x = (c == ACT || c == PRE || c == RD || c == WR || c == RDA || c == WRA) ? cur[b] : -1;
                if (c == PRE && ref_cmd[r] == PRE && b == ref_bank[r] && best_id == 0) x = -1;
                if (nlog < log_cap) {
                    LOG(nlog, 0) = now;
                    LOG(nlog, 1) = c;
                    LOG(nlog, 2) = r;
                    LOG(nlog, 3) = b;
                    LOG(nlog, 4) = c == PRE ? open_row[b] : (x >= 0 ? row[x] : -1);
                    LOG(nlog, 5) = x;
                    nlog += 1;
                }
                bus = now + cmd_len(P, c);
                const i64 r0 = r * nbpr;
                if (c == PREA || c == REFA || c >= PDEA) {
                    for (i64 bb = r0; bb < r0 + nbpr; bb++) dirty[bb] = 1;
                } else {
                    dirty[b] = 1;
                }
                if (c == ACT) {
                    i64 g = bg[x];
                    state[b] = 1;
                    open_row[b] = row[x];
                    open_since[b] = now;
                    act_owner[b] = x;
                    keep[b] = 1;
                    act_banks[r] += 1;
                    K[K_ACT] += 1;
                    BNEXT(B_ACT, b) = max2(BNEXT(B_ACT, b), now + P[RC]);
                    BNEXT(B_RD, b) = max2(BNEXT(B_RD, b), now + P[RCD]);
                    BNEXT(B_WR, b) = max2(BNEXT(B_WR, b), now + P[RCD]);
                    BNEXT(B_PRE, b) = max2(BNEXT(B_PRE, b), now + P[RAS]);
                    RNEXT(R_ACT, r) = max2(RNEXT(R_ACT, r), now + P[RRD_S]);
                    GNEXT(0, g) = max2(GNEXT(0, g), now + P[RRD_L]);
                    RNEXT(R_REF, r) = max2(RNEXT(R_REF, r), now + P[RC]);
                    RNEXT(R_REFPB, r) = max2(RNEXT(R_REFPB, r), now + P[RRD_S]);
                    RNEXT(R_PDE, r) = max2(RNEXT(R_PDE, r), now + P[ACTPDEN]);
                    faw[r * 4 + faw_p[r]] = now;
                    faw_p[r] = (faw_p[r] + 1) % 4;
                    if (faw_n[r] < 4) faw_n[r] += 1;
                } else if (c == PRE || c == PREA) {
                    const i64 lo = c == PRE ? b : r0;
                    const i64 hi = c == PRE ? b + 1 : r0 + nbpr;
                    const i64 tp = c == PRE ? P[RP] : P[RPAB];
                    for (i64 bb = lo; bb < hi; bb++) {
                        if (state[bb] == 1) {
                            state[bb] = 0;
                            keep[bb] = 0;
                            act_banks[r] -= 1;
                            K[K_PRE] += 1;
                            if (niv < iv_cap) {
                                IV(niv, 0) = open_since[bb];
                                IV(niv, 1) = now;
                                IV(niv, 2) = r;
                                IV(niv, 3) = 0;
                                niv += 1;
                            }
                        }
                        BNEXT(B_ACT, bb) = max2(BNEXT(B_ACT, bb), now + tp);
                        BNEXT(B_REFPB, bb) = max2(BNEXT(B_REFPB, bb), now + tp);
                    }
                    if (c == PREA) K[K_PREA] += 1;
                    RNEXT(R_REF, r) = max2(RNEXT(R_REF, r), now + tp);
                    RNEXT(R_PRE, r) = max2(RNEXT(R_PRE, r), now + P[PPD]);
                    RNEXT(R_PDE, r) = max2(RNEXT(R_PDE, r), now + P[PRPDEN]);
                } else if (c == RD || c == WR || c == RDA || c == WRA) {
                    const i64 g = bg[x];
                    const int w = c == WR || c == WRA;
                    /* remove from the bank queue */
                    i64 pos = 0;
                    while (Q(b, pos) != x) pos += 1;
                    for (i64 k = pos; k < qlen[b] - 1; k++) Q(b, k) = Q(b, k + 1);
                    qlen[b] -= 1;
                    if (w) {
                        nwr -= 1;
                        K[K_WR] += 1;
                    } else {
                        nrd -= 1;
                        K[K_RD] += 1;
                    }
                    if (C[SCHED] == 2 && last_cmd != (w ? 1 : 0))
                        for (i64 bb = 0; bb < nb; bb++) dirty[bb] = 1;
                    last_cmd = w ? 1 : 0;
                    if (act_owner[b] != x) K[K_HIT] += 1;
                    cur[b] = -1;
                    keep[b] = 0;
                    rank_pay[r] -= 1;
                    data_end[x] = now + (w ? P[WL] : P[RL]) + P[BURST];
                    ctrlq[ct] = x;
                    ct += 1;
                    if (w) {
                        BNEXT(B_PRE, b) = max2(BNEXT(B_PRE, b), now + tWR2PRE);
                        BNEXT(B_RDA, b) = max2(BNEXT(B_RDA, b), now + tWR2PRE - tRD2PRE);
                        RNEXT(R_WR, r) = max2(RNEXT(R_WR, r), now + P[CCD_S]);
                        GNEXT(2, g) = max2(GNEXT(2, g), now + P[CCD_L]);
                        RNEXT(R_RD, r) = max2(RNEXT(R_RD, r), now + P[WL] + P[BURST] + P[WRX] + P[WTR_S]);
                        GNEXT(1, g) = max2(GNEXT(1, g), now + P[WL] + P[BURST] + P[WRX] + P[WTR_L]);
                        RNEXT(R_PDE, r) = max2(RNEXT(R_PDE, r), now + tWR2PRE + (c == WRA ? 1 : 0));
                    } else {
                        BNEXT(B_PRE, b) = max2(BNEXT(B_PRE, b), now + tRD2PRE);
                        RNEXT(R_RD, r) = max2(RNEXT(R_RD, r), now + P[CCD_S]);
                        GNEXT(1, g) = max2(GNEXT(1, g), now + P[CCD_L]);
                        RNEXT(R_WR, r) = max2(RNEXT(R_WR, r), now + P[RL] + P[BURST] + P[RDWR_X] - P[WL]);
                        RNEXT(R_PDE, r) = max2(RNEXT(R_PDE, r), now + P[RL] + P[BURST] + 1);
                    }
                    for (i64 rr = 0; rr < nr; rr++) {
                        if (rr == r) continue;
                        if (w) {
                            RNEXT(R_WR, rr) = max2(RNEXT(R_WR, rr), now + P[BURST] + P[RTRS]);
                            RNEXT(R_RD, rr) = max2(RNEXT(R_RD, rr), now + P[WL] + P[BURST] + P[RTRS] - P[RL]);
                        } else {
                            RNEXT(R_RD, rr) = max2(RNEXT(R_RD, rr), now + P[BURST] + P[RTRS]);
                            RNEXT(R_WR, rr) = max2(RNEXT(R_WR, rr), now + P[RL] + P[BURST] + P[RTRS] - P[WL]);
                        }
                    }
                    if (c == RDA || c == WRA) {
                        const i64 tpre = now + (w ? tWR2PRE : tRD2PRE);
                        state[b] = 0;
                        act_banks[r] -= 1;
                        K[K_PRE] += 1;
                        if (w)
                            K[K_WRA] += 1;
                        else
                            K[K_RDA] += 1;
                        if (niv < iv_cap) {
                            IV(niv, 0) = open_since[b];
                            IV(niv, 1) = tpre;
                            IV(niv, 2) = r;
                            IV(niv, 3) = 0;
                            niv += 1;
                        }
                        BNEXT(B_ACT, b) = max2(BNEXT(B_ACT, b), tpre + P[RP]);
                        BNEXT(B_REFPB, b) = max2(BNEXT(B_REFPB, b), tpre + P[RP]);
                        RNEXT(R_REF, r) = max2(RNEXT(R_REF, r), tpre + P[RP]);
                    }
                    if (rank_pay[r] == 0) pd_entry[r] = 1;
                } else if (c == REFA || c == REFPB) {
                    if (c == REFA) {
                        K[K_REFA] += 1;
                        for (i64 bb = r0; bb < r0 + nbpr; bb++) {
                            blocked[bb] = 0;
                            BNEXT(B_ACT, bb) = max2(BNEXT(B_ACT, bb), now + P[RFC]);
                            BNEXT(B_PRE, bb) = max2(BNEXT(B_PRE, bb), now + P[RFC]);
                        }
                        RNEXT(R_REF, r) = max2(RNEXT(R_REF, r), now + P[RFC]);
                    } else {
                        K[K_REFPB] += 1;
                        blocked[b] = 0;
                        BNEXT(B_ACT, b) = max2(BNEXT(B_ACT, b), now + P[RFCPB]);
                        BNEXT(B_PRE, b) = max2(BNEXT(B_PRE, b), now + P[RFCPB]);
                        RNEXT(R_REFPB, r) = max2(RNEXT(R_REFPB, r), now + P[RFCPB]);
                        RNEXT(R_ACT, r) = max2(RNEXT(R_ACT, r), now + P[RRD_S]);
                        RNEXT(R_REF, r) = max2(RNEXT(R_REF, r), now + P[RFCPB]);
                        ref_rot[r] = (b - r0 + 1) % nbpr;
                        ref_bank[r] = -1;
                    }
                    RNEXT(R_PDE, r) = max2(RNEXT(R_PDE, r), now + P[REFPDEN]);
                    if (ref_state[r] == 1)
                        ref_flex[r] -= 1;
                    else
                        ref_state[r] = 1;
                    if (ref_flex[r] == maxpull) {
                        ref_state[r] = 0;
                        ref_trig[r] += ref_interval;
                    }
                    if (rank_pay[r] == 0) pd_entry[r] = 1;
                } else if (c == PDEA || c == PDEP) {
                    pd[r] = c == PDEA ? 1 : 2;
                    pd_since[r] = now;
                    pd_entry[r] = 0;
                    K[K_PDE] += 1;
                } else { /* PDXA / PDXP */
                    if (niv < iv_cap) {
                        IV(niv, 0) = pd_since[r];
                        IV(niv, 1) = now;
                        IV(niv, 2) = r;
                        IV(niv, 3) = pd[r];
                        niv += 1;
                    }
                    pd[r] = 0;
                    pd_exit[r] = 0;
                    pd_since[r] = now;
                    RNEXT(R_ANY, r) = max2(RNEXT(R_ANY, r), now + P[XP]);
                    RNEXT(R_PDE, r) = max2(RNEXT(R_PDE, r), now + P[CKE]);
                    if (rank_pay[r] == 0) pd_entry[r] = 1;
                }
                same = 1; /* re-run this cycle: intake after a CAS, then find the next event */
            }
        }
        /* ---- (6) next cycle at which anything can happen ---- */
        i64 nt = next_t;
        if (best_cmd != NOP && issue_t == now) nt = min2(nt, bus);
        if (C[RESPQ] == 0) {
            if (ch < ct) nt = min2(nt, data_end[ctrlq[ch]]);
        } else if (next_ctrl < n && data_end[next_ctrl] >= 0) {
            nt = min2(nt, data_end[next_ctrl]);
        }
        if (C[ARB] != 0 && (ah < at || (C[ARB] == 2 && next_arb < n && arb_in[next_arb] == 1)))
            nt = min2(nt, now + 1);
        if (enter_ptr < n && (C[ARB] == 0 || active < C[MAXACT]))
            nt = min2(nt, max3(arr[enter_ptr], next_enter, now + 1));
        if (ctrl_ptr < enter_ptr && has_space(C, qlen, last_bank, nrd, nwr)) nt = min2(nt, max2(now + 1, next_accept));
        for (i64 r = 0; r < nr; r++)
            if (C[REFPOL] != 0) nt = min2(nt, ref_trig[r]);
        if (nt <= now) nt = now + 1;
        if (nt >= BIG) {
            K[K_ERR] = 2;
            break;
        }
        now = nt;
    }
    /* close intervals still open at the end */
    for (i64 b = 0; b < nb; b++) {
        if (state[b] == 1 && niv < iv_cap) {
            IV(niv, 0) = open_since[b];
            IV(niv, 1) = end;
            IV(niv, 2) = b / nbpr;
            IV(niv, 3) = 0;
            niv += 1;
        }
    }
    for (i64 r = 0; r < nr; r++) {
        if (pd[r] != 0 && niv < iv_cap) {
            IV(niv, 0) = pd_since[r];
            IV(niv, 1) = end;
            IV(niv, 2) = r;
            IV(niv, 3) = pd[r];
            niv += 1;
        }
    }
    K[K_END] = end;
    K[K_ITER] = guard;
    K[K_LOGLEN] = nlog;
    /* background cycles: union of open-bank intervals per rank, power-down cycles per kind */
    for (i64 r = 0; r < nr; r++) {
        i64 m = 0;
        for (i64 i = 0; i < niv; i++) {
            if (IV(i, 2) == r && IV(i, 3) == 0) {
                seg[2 * m] = min2(IV(i, 0), end);
                seg[2 * m + 1] = min2(IV(i, 1), end);
                m += 1;
            }
        }
        qsort(seg, (size_t)m, 2 * sizeof(i64), cmp_interval);
        i64 total = 0, cs = -1, ce = -1;
        for (i64 k = 0; k < m; k++) {
            const i64 s = seg[2 * k], e = seg[2 * k + 1];
            if (s > ce) {
                if (ce > cs) total += ce - cs;
                cs = s;
                ce = e;
            } else if (e > ce) {
                ce = e;
            }
        }
        if (ce > cs) total += ce - cs;
        K[K_OPEN_CYC] += total;
    }
    for (i64 i = 0; i < niv; i++) {
        if (IV(i, 3) == 1)
            K[K_ACTPD_CYC] += min2(IV(i, 1), end) - min2(IV(i, 0), end);
        else if (IV(i, 3) == 2)
            K[K_PREPD_CYC] += min2(IV(i, 1), end) - min2(IV(i, 0), end);
    }
    free(block);
    return niv;
}
