"""gather_probe.py - what reading a cache in random chunks costs the H100's memory, apart from any
attention kernel: a Triton kernel sums a 2 GB pool read chunk by chunk in a given order, every
byte once, at chunk sizes from 4 KB (a page of one KV head) to 2 MB. Orders: contiguous (each
program walks its own run of chunks, as SDPA walks a request's KV), random (the chunks of all
programs in one random permutation, as the decode's pages), local (random within 2 MB, the 2 MB
runs in order). GB/s over the bytes read, the orders side by side in rounds.

python3 kernels/gather_probe.py [--rounds 5] [--programs 1056]"""
import argparse

import torch
import triton
import triton.language as tl

POOL = 1 << 30  # fp16 elements: 2 GB
BLOCK = 2048  # elements a load step: 4 KB


@triton.jit
def _gather_sum(X, IDX, OUT, per_prog, CHUNK: tl.constexpr, BLOCK: tl.constexpr):
    pid = tl.program_id(0)
    acc = tl.zeros([BLOCK], tl.float32)
    steps: tl.constexpr = CHUNK // BLOCK
    for i in range(0, per_prog * steps):
        c = tl.load(IDX + pid * per_prog + i // steps).to(tl.int64)
        acc += tl.load(X + c * CHUNK + (i % steps) * BLOCK + tl.arange(0, BLOCK)).to(tl.float32)
    tl.store(OUT + pid * BLOCK + tl.arange(0, BLOCK), acc)


def order(kind, n_chunks, chunk, programs, g):
    per = n_chunks // programs
    if kind == "contiguous":
        idx = torch.arange(per * programs, device="cuda")
    elif kind == "random":
        idx = torch.randperm(n_chunks, device="cuda", generator=g)[:per * programs]
    else:  # local: random within 2 MB runs, the runs in order, dealt out as random would be
        run = max(1, (1 << 20) // chunk)
        full = n_chunks // run * run
        idx = torch.arange(n_chunks, device="cuda")
        idx[:full] = idx[:full].view(-1, run).gather(
            1, torch.rand(full // run, run, device="cuda", generator=g).argsort(1)).view(-1)
        # each program takes every programs-th chunk, so that programs run side by side through
        # the runs, as the decode's blocks do through their random pages
        idx = idx[:per * programs].view(per, programs).t().contiguous().view(-1)
    return idx.to(torch.int32).contiguous(), per


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--programs", type=int, default=132 * 8)
    args = ap.parse_args()
    x = torch.rand(POOL, device="cuda", dtype=torch.float16)
    out = torch.empty(args.programs * BLOCK, device="cuda")
    g = torch.Generator(device="cuda").manual_seed(1)
    print("chunk     " + "".join("%14s" % k for k in ("contiguous", "random", "local")) + "   random/contiguous")
    for chunk in (2048, 4096, 16384, 32768, 131072, 1 << 20):
        n_chunks = POOL // chunk
        programs = min(args.programs, n_chunks // 4)  # 2 MB chunks: 256 programs of 4
        runs = {}
        for kind in ("contiguous", "random", "local"):
            idx, per = order(kind, n_chunks, chunk, programs, g)
            fn = lambda idx=idx, per=per: _gather_sum[(programs,)](x, idx, out, per, CHUNK=chunk, BLOCK=BLOCK,
                                                                  num_warps=4, num_stages=4)
            fn()
            torch.cuda.synchronize()
            want = x.view(n_chunks, chunk)[idx.long()].float().sum()
            assert torch.allclose(out[:programs * BLOCK].sum(), want, rtol=1e-5), (kind, chunk, out.sum().item(), want.item())
            runs[kind] = (fn, per * programs * chunk * 2)
        res = {k: [] for k in runs}
        for r in range(args.rounds):  # ~1 ms a launch: events around three launches, no graph needed
            for k in list(runs)[r % 3:] + list(runs)[:r % 3]:
                fn, nbytes = runs[k]
                s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                s.record()
                for _ in range(3):
                    fn()
                e.record()
                e.synchronize()
                res[k].append(3 * nbytes / (s.elapsed_time(e) * 1e6))
        med = {k: sorted(v)[len(v) // 2] for k, v in res.items()}
        ratios = sorted(a / b for a, b in zip(res["random"], res["contiguous"]))
        print("%-8s" % ("%d KB" % (chunk * 2 // 1024)) + "".join("%9.0f GB/s" % med[k] for k in ("contiguous", "random", "local"))
              + "   %.3f" % ratios[len(ratios) // 2], flush=True)


if __name__ == "__main__":
    main()
