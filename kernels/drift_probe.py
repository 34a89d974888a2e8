"""drift_probe.py - diagnostic: where the blocks of a decode launch run and when they reach the
marks of their walk (a cubin built with -DKCK_DRIFT: thread 0 of each block of decode_mma,
"tc_w"/"tc_h", stamps %globaltimer into the split workspace, and its SM's id): after the PDL
wait, 25/50/75% of the walk, the walk's end, and the block's entry. Ten launches back to back,
with PDL and without, the last recorded, three times; the blocks counted by groups of SMs that
share a GPC (kernels/sm_groups.cu: SMs met in one thread block cluster), with their mean walk.
What it found (docs/kernels.md): in a grid of a block a SM, blocks take 6-8% longer on some SMs
than on others; the SMs fall into two halves, and a half that holds more blocks walks slower;
launched with PDL behind a grid like it, the halves' shares swap launch after launch.

make drift-probe (builds build/kernels/drift.cubin and sm_groups.cubin), or
KCK_CUBIN=build/kernels/drift.cubin PYTHONPATH=kernels python3 kernels/drift_probe.py 64x4096:tc_h2s"""
import ctypes
import os
import sys

import torch

import bench

NAMES = ("wait", "m1", "m2", "m3", "m4", "entry")
GROUPS_CUBIN = os.path.join(os.path.dirname(bench.CUBIN), "sm_groups.cubin")


def sm_groups(sm_count):
    """SMs that shared a cluster, united over launches of clusters of 2, 4 and 8 (kernels/sm_groups.cu)."""
    cu = ctypes.CDLL("libcuda.so.1")

    def ck(r, what):
        assert r == 0, f"{what}: CUresult {r}"

    mod, out = ctypes.c_void_p(), torch.zeros(sm_count, dtype=torch.int32, device="cuda")
    ck(cu.cuModuleLoad(ctypes.byref(mod), GROUPS_CUBIN.encode()), GROUPS_CUBIN)
    parent = list(range(sm_count))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for cs in (8, 4, 2):
        f = ctypes.c_void_p()
        ck(cu.cuModuleGetFunction(ctypes.byref(f), mod, f"kc_sm_groups_{cs}".encode()), "cuModuleGetFunction")
        ck(cu.cuFuncSetAttribute(f, 8, 200 << 10), "cuFuncSetAttribute")  # max dynamic shared: a SM a block
        for clusters in range(1, sm_count // cs + 1):
            for spin in (20000, 50000):
                p_out, p_spin = ctypes.c_void_p(out.data_ptr()), ctypes.c_ulonglong(spin)
                args = (ctypes.c_void_p * 2)(ctypes.addressof(p_out), ctypes.addressof(p_spin))
                ck(cu.cuLaunchKernel(f, clusters * cs, 1, 1, 32, 1, 1, 200 << 10, None, args, None), "launch")
                torch.cuda.synchronize()
                ids = out[: clusters * cs].tolist()
                for c in range(clusters):
                    for x in ids[c * cs + 1:(c + 1) * cs]:
                        parent[find(x)] = find(ids[c * cs])
    groups = {}
    for s in range(sm_count):
        groups.setdefault(find(s), []).append(s)
    return sorted(groups.values())


def main():
    ours = bench.Ours()
    groups = sm_groups(ours.sm)
    group_of = {s: i for i, g in enumerate(groups) for s in g}
    print(f"{len(groups)} groups of SMs (a GPC or a part of one), sizes {[len(g) for g in groups]}: {groups}")
    for spec in sys.argv[1:]:
        shape, var = spec.split(":")
        B, ctx = map(int, shape.split("x"))
        d = bench.make(B, ctx)
        acc = torch.zeros(B * 32 * 64 * 128, device="cuda")
        ml = torch.empty(B * 32 * 64 * 2, device="cuda")
        sp, ch = ours.default_plan(B, 8, ctx)
        for pdl in (1, 0):
            for it in range(3):
                acc.zero_()
                for _ in range(10 + it):  # an odd and an even count: the halves' shares may swap
                    ours(bench.view(d, 0), var, sp, ch, acc, ml, pdl)
                torch.cuda.synchronize()
                t = acc.view(torch.int64)[: 8 * 4096].view(-1, 8).cpu()
                t = t[t[:, 0] > 0]
                rel = (t[:, :6] - t[:, 0].min().item()).double() / 1000.0  # us from the first wait
                n, sms = rel.shape[0], t[:, 6].tolist()
                walk = (rel[:, 4] - rel[:, 0]).tolist()
                load, wsum = [0] * len(groups), [0.0] * len(groups)
                for s, w in zip(sms, walk):
                    load[group_of[s]] += 1
                    wsum[group_of[s]] += w
                print(f"{spec} PDL {pdl} #{it}: {n} blocks, first wait to last walk's end "
                      f"{rel[:, 4].max().item():.1f} us; blocks a group {load}; their mean walk (us) "
                      f"{[round(w / l, 1) if l else None for w, l in zip(wsum, load)]}")
                for i in (5, 0, 4):
                    col = rel[:, i].sort().values
                    q = lambda f: col[min(n - 1, int(f * n))].item()
                    print(f"  {NAMES[i]:5s} min {col[0].item():8.1f}  p5 {q(0.05):8.1f}  p50 {q(0.5):8.1f}  "
                          f"p95 {q(0.95):8.1f}  max {col[-1].item():8.1f}")


if __name__ == "__main__":
    main()
