"""Four worker processes started together (as a server's tensor-parallel ranks), each launching
the same Triton kernel at once with an empty shared Triton cache: none finds another's build,
so each compiles it. Beside it, the fix: the kernel built once by the parent, then the workers
find it in the cache.

    python3 triton_workers.py together   # the bug: four builds of one image
    python3 triton_workers.py warm       # the fix: one build, before the workers start

Prints one JSON line of what it did, for check.py."""
import json
import multiprocessing as mp
import sys

WORKERS = 4


def scale(barrier):
    import torch
    import triton
    import triton.language as tl

    @triton.jit
    def scale_rows(x_ptr, n, BLOCK: tl.constexpr):
        offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
        m = offs < n
        tl.store(x_ptr + offs, tl.load(x_ptr + offs, mask=m) * 2, mask=m)

    x = torch.ones(4096, device="cuda")
    if barrier is not None:
        barrier.wait()  # all at once: none finds another's build
    scale_rows[(4,)](x, 4096, BLOCK=1024)
    torch.cuda.synchronize()


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "together"
    ctx = mp.get_context("spawn")
    if mode == "warm":
        p = ctx.Process(target=scale, args=(None,))  # built once, into the cache
        p.start()
        p.join()
    barrier = ctx.Barrier(WORKERS)
    procs = [ctx.Process(target=scale, args=(barrier,)) for _ in range(WORKERS)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    print(json.dumps({"case": "triton_workers", "mode": mode, "workers": WORKERS,
                      "exit": [p.exitcode for p in procs]}))


if __name__ == "__main__":
    sys.exit(main())
