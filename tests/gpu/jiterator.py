"""PyTorch's jiterator (torch.cuda.jiterator._create_jit_fn): an elementwise kernel whose C++
text PyTorch writes for each dtype and compiles with NVRTC at its first call with it; float32
again finds its build. Run with USE_PYTORCH_KERNEL_CACHE=0, so that each build is made here and
not read from ~/.cache/torch/kernels.

Prints one JSON line of what it did, for check.py."""
import json
import sys

import torch

DTYPES = [torch.float32, torch.float16, torch.bfloat16, torch.float32]
CALLS = 3
CODE = "template <typename T> T scaled_diff(T x, T y, T alpha) { return -x + alpha * y; }"


def main():
    fn = torch.cuda.jiterator._create_jit_fn(CODE, alpha=1.0)
    for dt in DTYPES:
        a = torch.randn(1024, device="cuda", dtype=dt)
        b = torch.randn_like(a)
        for alpha in range(1, CALLS + 1):
            c = fn(a, b, alpha=float(alpha))
    torch.cuda.synchronize()
    print(json.dumps({"case": "jiterator", "dtypes": [str(d) for d in DTYPES], "calls": CALLS}))


if __name__ == "__main__":
    sys.exit(main())
