"""bench.py - the paged decode kernel against PyTorch SDPA (contiguous KV) and a tuned Triton
split-KV paged decode, on the same data, in one run: GPU time per call from CUDA-graph replay,
GB/s over the bytes read once (K, V, q, out), and the ratio to a device-to-device copy measured
in the same run. Small caches are replicated so repeated calls stream from DRAM, not L2.

python3 kernels/bench.py [--quick] [--shapes 1x512,8x4096] [--variants e8_s2,e8_b8] [--per-sm 0.5,1]
                         [--page-order random|sorted|local|ordered] [--no-triton] [--out FILE.json]
                         [--ab ROUNDS [--candidates tc_w4/0.5,...]]"""
import argparse
import ctypes
import json
import math
import os
import sys
import time

os.environ.setdefault("PYTORCH_CUDA_ALLOC_CONF", "expandable_segments:True")  # 34 GB caches, freed and reallocated

import torch
import torch.nn.functional as F
import triton
import triton.language as tl

PAGE = 16
LIB = os.environ.get("KCK_LIB", "build/kernels/libkckernels.so")
CUBIN = os.environ.get("KCK_CUBIN", "build/kernels/kc_kernels.cubin")
L2_BYTES = 50 << 20


# ---- the reference kernel through its C host code ------------------------------------------

class Ours:
    def __init__(self):
        self.lib = ctypes.CDLL(LIB)
        self.lib.kck_py_decode.argtypes = [ctypes.c_int] * 3 + [ctypes.c_char_p] + [ctypes.c_void_p] * 8 + \
            [ctypes.c_int] * 5 + [ctypes.c_float, ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
        torch.zeros(1, device="cuda")  # the primary context exists and is current
        rc = self.lib.kck_py_open(CUBIN.encode())
        assert rc == 0, f"kck_py_open: {rc}"
        self.sm = self.lib.kck_py_sm_count()
        self.lib.kck_py_decode_default.argtypes = [ctypes.c_int] * 3 + [ctypes.c_void_p] * 8 + \
            [ctypes.c_int] * 4 + [ctypes.c_float, ctypes.c_void_p, ctypes.c_int, ctypes.c_int]

    def plan(self, batch, kv_heads, max_ctx, per_sm):
        want = max(1, min(math.ceil(per_sm * self.sm / (batch * kv_heads)), -(-max_ctx // 64), 64))
        chunk = -(-(-(-max_ctx // want)) // PAGE) * PAGE
        return -(-max_ctx // chunk), chunk

    def __call__(self, d, variant, splits, chunk, acc, ml, pdl=1, prefetch=1):
        rc = self.lib.kck_py_decode(d["bf16"], d["D"], d["G"], variant.encode(), d["q"].data_ptr(),
                                    d["k"].data_ptr(), d["v"].data_ptr(), d["bt"].data_ptr(),
                                    d["lens"].data_ptr(), d["out"].data_ptr(), acc.data_ptr(), ml.data_ptr(),
                                    d["B"], d["HK"], d["bt"].shape[1], splits, chunk,
                                    d["scale"] * 1.4426950408889634,
                                    torch.cuda.current_stream().cuda_stream, pdl, prefetch)
        assert rc == 0, f"kck_py_decode: {rc}"

    def default_plan(self, batch, kv_heads, max_ctx):
        sp, ch = ctypes.c_int(), ctypes.c_int()
        self.lib.kck_py_plan(batch, kv_heads, max_ctx, ctypes.byref(sp), ctypes.byref(ch))
        return sp.value, ch.value

    def default(self, d, acc, ml, pdl=1, prefetch=1):
        """What a caller gets: the host plan's splits and variant. prefetch: the K/V pages but each
        request's last may be read before the PDL wait (kv_prefetch): what runs before writes none."""
        rc = self.lib.kck_py_decode_default(d["bf16"], d["D"], d["G"], d["q"].data_ptr(), d["k"].data_ptr(),
                                            d["v"].data_ptr(), d["bt"].data_ptr(), d["lens"].data_ptr(),
                                            d["out"].data_ptr(), acc.data_ptr(), ml.data_ptr(), d["B"], d["HK"],
                                            d["bt"].shape[1], d["ctx"], d["scale"] * 1.4426950408889634,
                                            torch.cuda.current_stream().cuda_stream, pdl, prefetch)
        assert rc == 0, f"kck_py_decode_default: {rc}"


# ---- Triton split-KV paged decode (SGLang-style), tuned below -------------------------------

@triton.jit
def _tr_stage1(Q, K, V, BT, LENS, ACC, ML, scale, bt_stride, num_splits, chunk,
               HK: tl.constexpr, G: tl.constexpr, D: tl.constexpr, PAGE_: tl.constexpr,
               BLOCK_N: tl.constexpr, BLOCK_H: tl.constexpr):
    split = tl.program_id(0)
    kvh = tl.program_id(1)
    b = tl.program_id(2)
    ctx = tl.load(LENS + b)
    start = split * chunk
    end = tl.minimum(ctx, start + chunk)
    offs_h = tl.arange(0, BLOCK_H)
    hmask = offs_h < G
    offs_d = tl.arange(0, D)
    H = HK * G
    q = tl.load(Q + (b * H + kvh * G + offs_h)[:, None] * D + offs_d[None, :], mask=hmask[:, None], other=0.0)
    m = tl.full([BLOCK_H], -1e30, tl.float32)
    l = tl.zeros([BLOCK_H], tl.float32)
    acc = tl.zeros([BLOCK_H, D], tl.float32)
    for n0 in range(start, end, BLOCK_N):
        offs_n = n0 + tl.arange(0, BLOCK_N)
        nmask = offs_n < end
        page = tl.load(BT + b * bt_stride + offs_n // PAGE_, mask=nmask, other=0).to(tl.int64)
        off = ((page * HK + kvh) * PAGE_ + offs_n % PAGE_)[:, None] * D + offs_d[None, :]
        k = tl.load(K + off, mask=nmask[:, None], other=0.0)
        s = tl.dot(q, tl.trans(k)) * scale
        s = tl.where(nmask[None, :], s, -1e30)
        mn = tl.maximum(m, tl.max(s, 1))
        a = tl.exp2(m - mn)
        p = tl.exp2(s - mn[:, None])
        l = l * a + tl.sum(p, 1)
        v = tl.load(V + off, mask=nmask[:, None], other=0.0)
        acc = acc * a[:, None] + tl.dot(p.to(v.dtype), v)
        m = mn
    ps = ((b * H + kvh * G + offs_h) * num_splits + split)
    tl.store(ACC + ps[:, None] * D + offs_d[None, :], acc, mask=hmask[:, None] & (start < end))
    tl.store(ML + ps * 2, m, mask=hmask & (start < end))
    tl.store(ML + ps * 2 + 1, l, mask=hmask & (start < end))


@triton.jit
def _tr_stage2(ACC, ML, OUT, LENS, num_splits, chunk, D: tl.constexpr, MAXS: tl.constexpr):
    h = tl.program_id(0)
    b = tl.program_id(1)
    H = tl.num_programs(0)
    ctx = tl.load(LENS + b)
    ns = tl.minimum(num_splits, (ctx + chunk - 1) // chunk)
    offs_s = tl.arange(0, MAXS)
    smask = offs_s < ns
    base = (b * H + h) * num_splits
    m = tl.load(ML + (base + offs_s) * 2, mask=smask, other=-1e30)
    l = tl.load(ML + (base + offs_s) * 2 + 1, mask=smask, other=0.0)
    mx = tl.max(m, 0)
    w = tl.exp2(m - mx)
    L = tl.sum(l * w, 0)
    offs_d = tl.arange(0, D)
    acc = tl.load(ACC + (base + offs_s)[:, None] * D + offs_d[None, :], mask=smask[:, None], other=0.0)
    out = tl.sum(acc * w[:, None], 0) / L
    tl.store(OUT + (b * H + h) * D + offs_d, out.to(OUT.dtype.element_ty))


def triton_decode(d, splits, chunk, acc, ml, block_n, warps):
    _tr_stage1[(splits, d["HK"], d["B"])](d["q"], d["k"], d["v"], d["bt"], d["lens"], acc, ml,
                                         d["scale"] * 1.4426950408889634, d["bt"].shape[1], splits, chunk,
                                         HK=d["HK"], G=d["G"], D=d["D"], PAGE_=PAGE, BLOCK_N=block_n,
                                         BLOCK_H=16, num_warps=warps)
    _tr_stage2[(d["HK"] * d["G"], d["B"])](acc, ml, d["tout"], d["lens"], splits, chunk, D=d["D"],
                                          MAXS=max(2, triton.next_power_of_2(splits)))


# ---- data ---------------------------------------------------------------------------------------

PAGE_ORDER = "random"  # --page-order: how the block tables lay the requests' pages in the cache


def make(B, ctx, HK=8, G=4, D=128, dtype=torch.float16, replicas=1):
    """Paged KV (pages in random order) holding `replicas` independent copies of the batch, and
    the same KV contiguous for SDPA (first replica only when the KV is large)."""
    pages_per = -(-ctx // PAGE)
    n_pages = B * pages_per * replicas
    g = torch.Generator(device="cuda").manual_seed(B * 131 + ctx)
    k = (torch.rand(n_pages, HK, PAGE, D, device="cuda", dtype=dtype, generator=g) - 0.5)
    v = (torch.rand(n_pages, HK, PAGE, D, device="cuda", dtype=dtype, generator=g) - 0.5)
    if PAGE_ORDER == "ordered":  # the cache walked in order: what the random order costs
        perm = torch.arange(n_pages, device="cuda")
    elif PAGE_ORDER == "local":  # random within runs of 64 pages (2 MB of K), the runs in order
        perm = torch.arange(n_pages, device="cuda")
        full = n_pages // 64 * 64
        perm[:full] = (perm[:full].view(-1, 64).gather(
            1, torch.rand(full // 64, 64, device="cuda", generator=g).argsort(1))).view(-1)
    else:
        perm = torch.randperm(n_pages, device="cuda", generator=g)
    perm = perm.to(torch.int32)
    reps = []
    for r in range(replicas):
        bt = perm[r * B * pages_per:(r + 1) * B * pages_per].view(B, pages_per).contiguous()
        if PAGE_ORDER == "sorted":  # each request's random pages in address order
            bt = bt.sort(1).values.contiguous()
        q = (torch.rand(B, HK * G, D, device="cuda", dtype=dtype, generator=g) - 0.5) * 2
        reps.append(dict(bt=bt, q=q, out=torch.empty_like(q), tout=torch.empty_like(q)))
    lens = torch.full((B,), ctx, device="cuda", dtype=torch.int32)
    return dict(k=k, v=v, lens=lens, reps=reps, B=B, HK=HK, G=G, D=D, ctx=ctx,
                bf16=int(dtype == torch.bfloat16), scale=1.0 / math.sqrt(D))


def contiguous(d, r):
    """Replica r's KV as [B, HK, ctx, D], for SDPA; filled a request at a time, so the largest
    shape (34 GB of KV) needs no second copy in flight."""
    bt = d["reps"][r]["bt"].long()
    B, HK, D, ctx = d["B"], d["HK"], d["D"], d["ctx"]
    out = []
    for src in (d["k"], d["v"]):
        dst = torch.empty(B, HK, ctx, D, device="cuda", dtype=src.dtype)
        for b in range(B):
            dst[b] = src[bt[b]].permute(1, 0, 2, 3).reshape(HK, -1, D)[:, :ctx]
        out.append(dst)
    return out[0], out[1]


def view(d, r):
    x = dict(d)
    x.update(d["reps"][r])
    return x


def capture(fn_per_replica, replicas, calls=None):
    """A CUDA graph of calls cycling through the replicas (about 20 ms of work, at most 200
    calls), replayed once to warm it; returns (graph, calls in it)."""
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        for r in range(replicas):
            fn_per_replica(r)  # warm: Triton compiles outside the capture
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        fn_per_replica(0)
        torch.cuda.synchronize()
        est = time.perf_counter() - t0
    torch.cuda.current_stream().wait_stream(s)
    torch.cuda.synchronize()
    if calls is None:
        calls = int(min(200, max(replicas, 0.02 / max(est, 1e-6))))
    reps = max(1, calls // replicas)
    gph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(gph):
        for _ in range(reps):
            for r in range(replicas):
                fn_per_replica(r)
    gph.replay()
    torch.cuda.synchronize()
    return gph, reps * replicas


def replay_us(gph, calls):
    """GPU time per call of one replay, from events around it."""
    e0, e1 = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    e0.record()
    gph.replay()
    e1.record()
    torch.cuda.synchronize()
    return e0.elapsed_time(e1) * 1000 / calls


def graph_time(fn_per_replica, replicas, calls=None):
    """GPU time per call: the median of 3 replays of capture()'s graph."""
    gph, n = capture(fn_per_replica, replicas, calls)
    times = sorted(replay_us(gph, n) for _ in range(3))
    del gph
    return times[1]


def median(xs):
    xs = sorted(xs)
    return (xs[(len(xs) - 1) // 2] + xs[len(xs) // 2]) / 2


def ratio_text(num, den):
    """Round-by-round ratios of two contestants' times: median (min-max)."""
    r = [a / b for a, b in zip(num, den)]
    return "%.3fx (%.3f-%.3f)" % (median(r), min(r), max(r))


def side_by_side(fns, replicas, rounds):
    """Each contestant's graph captured once, then `rounds` rounds replaying one graph of each in
    turn (the order rotated a round): the machine's drift falls on all alike. Returns each
    contestant's time per call, a list a round, in the order given."""
    graphs = [capture(fn, replicas) for fn in fns]
    times = [[] for _ in fns]
    for i in range(rounds):
        for j in range(len(fns)):
            k = (i + j) % len(fns)
            times[k].append(replay_us(*graphs[k]))
    del graphs
    return times


def copy_gbps():
    """The better of a DMA copy and a kernel copy of 1 GB, read + write counted."""
    a = torch.rand(1 << 29, dtype=torch.float16, device="cuda")
    b = torch.empty_like(a)
    us_dma = graph_time(lambda r: b.copy_(a), 1, calls=20)
    us_kernel = graph_time(lambda r: torch.mul(a, 1.0, out=b), 1, calls=20)
    del a, b
    print(f"copy 1 GB: DMA {2 * (1 << 30) / us_dma / 1e3:.0f} GB/s, kernel {2 * (1 << 30) / us_kernel / 1e3:.0f} GB/s")
    return 2 * (1 << 30) / min(us_dma, us_kernel) / 1e3


def kv_bytes(d):
    return 2 * d["B"] * d["ctx"] * d["HK"] * d["D"] * d["k"].element_size()


def ab_report(args, ours, d, R, acc, ml, sdpa, cfg_tr, nbytes, copy, results, ref=None):
    """--ab: the contestants of one shape side by side, round by round (side_by_side)."""
    B, ctx = d["B"], d["ctx"]
    names, fns = ["ours"], [lambda r: ours.default(view(d, r), acc[r], ml[r])]
    for c in filter(None, args.candidates.split(",")):
        if c == "nopdl":  # the default plan launched without PDL
            names.append(c)
            fns.append(lambda r: ours.default(view(d, r), acc[r], ml[r], pdl=0))
            continue
        if c == "noprefetch":  # the default plan reading every K/V page after the PDL wait
            names.append(c)
            fns.append(lambda r: ours.default(view(d, r), acc[r], ml[r], prefetch=0))
            continue
        var, per_sm, *flags = c.split("/")  # flags: [pdl [prefetch]], 1 unless given
        pdl, pf = (list(map(int, flags)) + [1, 1])[:2]
        sp, ch = ours.default_plan(B, 8, ctx) if per_sm == "plan" else ours.plan(B, 8, ctx, float(per_sm))
        names.append(c)
        fns.append(lambda r, var=var, sp=sp, ch=ch, pdl=pdl, pf=pf: ours(view(d, r), var, sp, ch, acc[r], ml[r], pdl, pf))
    if cfg_tr:
        sp, ch = ours.plan(B, 8, ctx, cfg_tr[2])
        names.append("triton %d/%d/%d" % cfg_tr)
        fns.append(lambda r: triton_decode(view(d, r), sp, ch, acc[r], ml[r], cfg_tr[0], cfg_tr[1]))
    names.append("sdpa")
    fns.append(sdpa)
    times = side_by_side(fns, R, args.ab)
    sdpa_t = times[-1]
    print("%4d x %-5d %d rounds: us median (min-max), SDPA / it round by round: median (min-max)" % (B, ctx, args.ab))
    for name, t in zip(names, times):
        print("    %-16s %9.1f (%.1f-%.1f) %4.0f%% copy   vs SDPA %s"
              % (name, median(t), min(t), max(t), 100 * nbytes / median(t) / 1e3 / copy, ratio_text(sdpa_t, t)),
              flush=True)
    if ref is not None:  # every plan of ours checked too, not only the default
        out = d["reps"][0]["out"]
        for name, fn in zip(names, fns):
            if name == "sdpa" or name.startswith("triton"):
                continue
            out.fill_(float("nan"))
            fn(0)
            torch.cuda.synchronize()
            err = ((out.float() - ref.float()).norm() / ref.float().norm()).item()
            if not err < 2e-3:
                print("    ERR %s: relative error %.1e against SDPA" % (name, err), flush=True)
    results["shapes"].append(dict(batch=B, ctx=ctx, rounds=args.ab, copy_pct=100 * nbytes / median(times[0]) / 1e3 / copy,
                                  contestants={n: t for n, t in zip(names, times)},
                                  splits=ours.default_plan(B, 8, ctx)[0]))


def ab_summary(results):
    """--ab: one line a shape, the default plan against each baseline, ratios taken round by round."""
    print("\n%-12s %10s %6s | %-28s | %-28s" % ("batch x ctx", "ours us", "% copy", "SDPA / ours: median (min-max)",
                                                 "Triton / ours"))
    for sh in results["shapes"]:
        c = sh["contestants"]
        tr = [v for k, v in c.items() if k.startswith("triton")]
        print("%4d x %-6d %10.1f %5.0f%% | %-28s | %-28s"
              % (sh["batch"], sh["ctx"], median(c["ours"]), sh["copy_pct"], ratio_text(c["sdpa"], c["ours"]),
                 ratio_text(tr[0], c["ours"]) if tr else "-"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out")
    ap.add_argument("--shapes", help="batch x context list, e.g. 1x512,8x4096 (default: the 12 shapes)")
    ap.add_argument("--variants", default="e8_s2,e8_b2,tc_w2,tc_w3,tc_w4,tc_t2,tc_t3,tc_t4",
                    help="our kernel's variants to sweep (e<elements a thread>_<s cp.async|b bulk><depth>)")
    ap.add_argument("--per-sm", default="0.25,0.5,1,2,4,8",
                    help="blocks a SM to ask of the plan, for our kernel's sweep")
    ap.add_argument("--page-order", choices=("random", "sorted", "local", "ordered"), default="random",
                    help="random (the benchmark), or measures of what the random order costs: sorted "
                    "(each request's random pages in address order), local (random within 2 MB runs), ordered")
    ap.add_argument("--no-triton", action="store_true", help="leave the Triton baseline out (a quicker measure)")
    ap.add_argument("--ab", type=int, metavar="ROUNDS",
                    help="instead of the sweep: ours (default plan and --candidates), Triton and SDPA captured "
                    "once, then ROUNDS rounds replaying each in turn; medians and ratios round by round")
    ap.add_argument("--candidates", default="",
                    help="with --ab, plans to set beside the default: variant/blocks a SM[/0 without PDL"
                    "[/0 no K/V read before the PDL wait]], e.g. tc_w4/0.5,tc_t4/4/0, tc_w2s/plan/1/0, "
                    "tc_w2s/plan (the default plan's splits), nopdl (the default plan without PDL), or "
                    "noprefetch (the default plan reading all of K and V after its wait)")
    args = ap.parse_args()
    global PAGE_ORDER
    PAGE_ORDER = args.page_order
    ours = Ours()
    copy = copy_gbps()
    print(f"device-to-device copy: {copy:.0f} GB/s (read + write)", flush=True)
    results = dict(copy_gbps=copy, shapes=[])

    # the table: ours swept over its launch plans per shape, Triton over its configs
    shapes = [(b, c) for b in (1, 8, 64, 256) for c in (512, 4096, 32768)]
    if args.quick:
        shapes = [(1, 512), (8, 4096), (64, 32768)]
    if args.shapes:
        shapes = [tuple(int(x) for x in sh.split("x")) for sh in args.shapes.split(",")]
    if not args.ab:
        print("\n%-11s %8s | %-35s | %-24s | %-24s | %s" % ("batch x ctx", "KV MB", "ours us (GB/s, % copy), swept best",
                                                          "Triton paged us (%copy)", "SDPA contig us (%copy)",
                                                          "ours vs best"))
    for B, ctx in shapes:
        kvb = 2 * B * ctx * 8 * 128 * 2
        R = max(1, -(-(4 * L2_BYTES) // kvb)) if kvb < 4 * L2_BYTES else 1
        d = make(B, ctx, replicas=R)
        nbytes = kv_bytes(d) + 2 * d["reps"][0]["q"].numel() * 2
        acc = torch.empty(R, B * 32 * 64 * 128, device="cuda")
        ml = torch.empty(R, B * 32 * 64 * 2, device="cuda")
        # ours: the kernel's launch plan (variant, blocks a SM) swept per shape as well
        t_ours, cfg_ours = 1e30, None
        for var in ([] if args.ab else args.variants.split(",")):
            for per_sm in [float(x) for x in args.per_sm.split(",")]:
                sp, ch = ours.plan(B, 8, ctx, per_sm)
                t = graph_time(lambda r: ours(view(d, r), var, sp, ch, acc[r], ml[r]), R)
                results.setdefault("sweep", []).append(dict(batch=B, ctx=ctx, variant=var, per_sm=per_sm,
                                                            splits=sp, us=t))
                if t < t_ours:
                    t_ours, cfg_ours = t, (var, per_sm)
        t_sweep = t_ours
        if not args.ab:
            t_ours = graph_time(lambda r: ours.default(view(d, r), acc[r], ml[r]), R)
        splits = ours.default_plan(B, 8, ctx)[0]  # what the default ran with
        # Triton: tuned over block size, warps and splits
        t_tr, cfg_tr = 1e30, None
        for block_n in (() if args.no_triton else (32, 64)):
            for warps in (4,):
                for per_sm in (1, 2, 4, 8):
                    sp, ch = ours.plan(B, 8, ctx, per_sm)
                    try:
                        t = graph_time(lambda r: triton_decode(view(d, r), sp, ch, acc[r], ml[r], block_n, warps), R)
                    except Exception as e:  # a config Triton cannot build
                        print("  triton config", block_n, warps, "failed:", str(e)[:80])
                        continue
                    if t < t_tr:
                        t_tr, cfg_tr = t, (block_n, warps, per_sm)
        # correctness against SDPA on replica 0, then SDPA timing (contiguous KV)
        torch.cuda.empty_cache()
        kc, vc = contiguous(d, 0)
        q0 = d["reps"][0]["q"]
        ref = F.scaled_dot_product_attention(q0.unsqueeze(2), kc, vc, enable_gqa=True).squeeze(2)
        ours.default(view(d, 0), acc[0], ml[0])
        if cfg_tr:
            sp, ch = ours.plan(B, 8, ctx, cfg_tr[2])
            triton_decode(view(d, 0), sp, ch, acc[0], ml[0], cfg_tr[0], cfg_tr[1])
        torch.cuda.synchronize()
        err = (d["reps"][0]["out"].float() - ref.float()).norm() / ref.float().norm()
        err_tr = (d["reps"][0]["tout"].float() - ref.float()).norm() / ref.float().norm() if cfg_tr else 0.0
        conts = [(kc, vc)] + [contiguous(d, r) for r in range(1, R)]
        qs = [d["reps"][r]["q"].unsqueeze(2) for r in range(R)]
        del kc, vc
        sdpa = lambda r: F.scaled_dot_product_attention(qs[r], conts[r][0], conts[r][1], enable_gqa=True)
        if args.ab:
            ab_report(args, ours, d, R, acc, ml, sdpa, cfg_tr, nbytes, copy, results, ref)
            if err >= 2e-3 or err_tr >= 2e-3:
                print("    ERR ours %.1e triton %.1e" % (err, err_tr))
            del conts, d, acc, ml, qs, q0, ref
            torch.cuda.empty_cache()
            continue
        t_sdpa = graph_time(sdpa, R)
        del conts
        gb = lambda t: nbytes / t / 1e3
        best_other = min(t_tr, t_sdpa)
        tr_col = "%7.1f (%3.0f%%) %-9s" % (t_tr, 100 * gb(t_tr) / copy, "%d/%d/%d" % cfg_tr) if cfg_tr else "%-24s" % "-"
        print("%4d x %-5d %8.0f | %7.1f (%5.0f, %3.0f%%) best %7.1f %-9s | %s | %7.1f (%3.0f%%)          | %.2fx%s"
              % (B, ctx, kvb / 1e6, t_ours, gb(t_ours), 100 * gb(t_ours) / copy, t_sweep, "%s/%g" % cfg_ours,
                 tr_col, t_sdpa, 100 * gb(t_sdpa) / copy, best_other / t_ours,
                 "" if err < 2e-3 and err_tr < 2e-3 else "  ERR ours %.1e triton %.1e" % (err, err_tr)),
              flush=True)
        results["shapes"].append(dict(batch=B, ctx=ctx, kv_mb=kvb / 1e6, ours_us=t_ours, ours_swept_us=t_sweep,
                                      ours_swept_cfg=cfg_ours,
                                      triton_us=t_tr,
                                      triton_cfg=cfg_tr, sdpa_us=t_sdpa, ours_gbps=gb(t_ours),
                                      rel_err_ours=float(err), rel_err_triton=float(err_tr), splits=splits,
                                      swept_splits=ours.plan(B, 8, ctx, cfg_ours[1])[0]))
        del d, acc, ml, qs, q0, ref
        torch.cuda.empty_cache()
    if args.ab:
        ab_summary(results)
    if args.out:
        json.dump(results, open(args.out, "w"), indent=1)


if __name__ == "__main__":
    sys.exit(main())
