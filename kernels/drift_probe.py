"""drift_probe.py - diagnostic: when the blocks of one decode launch reach the marks of their walk
(a cubin built with -DKCK_DRIFT: thread 0 of each block of decode_mma, "tc_w"/"tc_h", stamps
%globaltimer into the split workspace): after the PDL wait, 25/50/75% of the walk, the walk's end,
and the block's entry; two launches back to back (PDL), the second recorded. What it found
(docs/kernels.md): in a grid of a block a SM, blocks take 6-8% longer on some SMs than on others.

make drift-probe (builds build/kernels/drift.cubin), or
KCK_CUBIN=build/kernels/drift.cubin PYTHONPATH=kernels python3 kernels/drift_probe.py 64x4096:tc_h2s"""
import sys

import torch

import bench

NAMES = ("wait", "m1", "m2", "m3", "m4", "entry")


def main():
    ours = bench.Ours()
    for spec in sys.argv[1:]:
        shape, var = spec.split(":")
        B, ctx = map(int, shape.split("x"))
        d = bench.make(B, ctx)
        acc = torch.zeros(B * 32 * 64 * 128, device="cuda")
        ml = torch.empty(B * 32 * 64 * 2, device="cuda")
        sp, ch = ours.default_plan(B, 8, ctx)
        for it in range(3):
            acc.zero_()
            ours(bench.view(d, 0), var, sp, ch, acc, ml)
            ours(bench.view(d, 0), var, sp, ch, acc, ml)
            torch.cuda.synchronize()
        t = acc.view(torch.int64)[: 8 * 4096].view(-1, 8).cpu()
        t = t[t[:, 0] > 0]
        base = t[:, 5].min().item()
        rel = (t[:, :6] - base).double() / 1000.0  # us
        n = rel.shape[0]
        total = rel[:, 4].max().item()
        print(f"{spec}: {n} blocks, first entry to last m4 {total:.1f} us")
        for i in (5, 0, 1, 2, 3, 4):
            col = rel[:, i].sort().values
            q = lambda f: col[min(n - 1, int(f * n))].item()
            print(f"  {NAMES[i]:5s} min {col[0].item():8.1f}  p5 {q(0.05):8.1f}  p50 {q(0.5):8.1f}  p95 {q(0.95):8.1f}"
                  f"  max {col[-1].item():8.1f}")


if __name__ == "__main__":
    main()
