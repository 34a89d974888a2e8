"""profile_small.py - one decode call of each of our plans and of SDPA (contiguous KV) on one
shape, for Nsight Compute:
ncu --kernel-name regex:'kc_|flash|attention' python3 kernels/profile_small.py B CTX [VARIANT/PER_SM ...]
With no plans given: the default plan and tc_w2, tc_w3, tc_w4 unsplit."""
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, "kernels")
import bench  # noqa: E402

B, ctx = int(sys.argv[1]), int(sys.argv[2])
plans = sys.argv[3:] or ["tc_w2/0.25", "tc_w3/0.25", "tc_w4/0.25"]
ours = bench.Ours()
d = bench.view(bench.make(B, ctx), 0)
acc = torch.empty(B * 32 * 64 * 128, device="cuda")
ml = torch.empty(B * 32 * 64 * 2, device="cuda")
ours.default(d, acc, ml)
for plan in plans:
    var, per_sm = plan.split("/")
    sp, ch = ours.plan(B, 8, ctx, float(per_sm))
    ours(d, var, sp, ch, acc, ml)
kc, vc = bench.contiguous(d, 0)
F.scaled_dot_product_attention(d["q"].unsqueeze(2), kc, vc, enable_gqa=True)
torch.cuda.synchronize()
