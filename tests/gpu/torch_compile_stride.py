"""torch.compile(dynamic=False) on a view into a padded buffer whose width follows the batch.

    python3 torch_compile_stride.py static        # the bug: a new row stride, a new kernel
    python3 torch_compile_stride.py contiguous    # the fix: x.contiguous() before the call
    python3 torch_compile_stride.py auto          # Dynamo's default (automatic dynamic shapes)

A batch padded to its longest request (a width that changes per batch) and sliced to the
model's 4096 features: the shape is the same every step, but the row stride is the buffer's
width, and with dynamic=False Inductor bakes strides into its kernels as it bakes sizes
(tl.load(in_ptr0 + (x0 + 4160*x1))): a compile and a load for each width. Prints what it did as
one JSON line (tests/gpu/check.py)."""
import json
import sys

import torch

mode = sys.argv[1] if len(sys.argv) > 1 else "static"
assert mode in ("static", "contiguous", "auto"), mode
WIDTHS = [4096, 4160, 4224, 4096, 4288, 4352, 4160, 4416]  # the padded buffer's, per batch
FEATURES = 4096
CALLS = 4  # layers a batch


def gate(x):
    return torch.nn.functional.silu(x) * 2.0


def main():
    f = torch.compile(gate, dynamic=None if mode == "auto" else False)
    for width in WIDTHS:
        padded = torch.randn(64, width, device="cuda")
        x = padded[:, :FEATURES]
        if mode == "contiguous":
            x = x.contiguous()
        for _ in range(CALLS):
            f(x)
    torch.cuda.synchronize()
    print(json.dumps({"case": "torch_compile_stride", "mode": mode, "widths": WIDTHS,
                      "features": FEATURES, "calls": CALLS}))


if __name__ == "__main__":
    sys.exit(main())
