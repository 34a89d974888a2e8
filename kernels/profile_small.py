"""profile_small.py - one decode call each (ours, the Triton baseline) on a latency-bound shape,
for Nsight Compute: ncu --kernel-name regex:'kc_|_tr_' python3 kernels/profile_small.py B CTX"""
import sys

import torch

sys.path.insert(0, "kernels")
import bench  # noqa: E402

B, ctx = int(sys.argv[1]), int(sys.argv[2])
ours = bench.Ours()
d = bench.view(bench.make(B, ctx), 0)
acc = torch.empty(B * 32 * 64 * 128, device="cuda")
ml = torch.empty(B * 32 * 64 * 2, device="cuda")
for var, per_sm in (("e8_s2", 2), ("e8_b4", 2), ("tc_w2", 2), ("tc_w2", 4)):
    sp, ch = ours.plan(B, 8, ctx, per_sm)
    ours(d, var, sp, ch, acc, ml)
sp, ch = ours.plan(B, 8, ctx, 2)
bench.triton_decode(d, sp, ch, acc, ml, 64, 4)
torch.cuda.synchronize()
