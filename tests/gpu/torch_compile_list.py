"""torch.compile on a list of tensors whose length changes per step (experts routed to, LoRA
adapters in a batch).

    python3 torch_compile_list.py list       # the bug: a graph and a kernel per list length
    python3 torch_compile_list.py stacked    # the fix: one tensor, the count a dynamic size

Dynamo guards on a list's length whatever `dynamic` says: each new length is a new graph, its
concat kernel reading one more input (in_ptr0..in_ptrN). Stacked into one tensor, the count is
a size that automatic dynamic shapes take as an argument. Prints what it did as one JSON line
(tests/gpu/check.py)."""
import json
import sys

import torch

mode = sys.argv[1] if len(sys.argv) > 1 else "list"
assert mode in ("list", "stacked"), mode
COUNTS = [2, 3, 4, 2, 5, 6, 3]  # parts a step
CALLS = 4


@torch.compile
def merge_list(parts):
    return torch.cat([p * 2 for p in parts], dim=0).relu()


@torch.compile
def merge_stacked(stacked):
    return (stacked * 2).reshape(-1, stacked.shape[-1]).relu()


def main():
    for k in COUNTS:
        parts = [torch.randn(128, 512, device="cuda") for _ in range(k)]
        for _ in range(CALLS):
            if mode == "list":
                merge_list(parts)
            else:
                merge_stacked(torch.stack(parts))
    torch.cuda.synchronize()
    print(json.dumps({"case": "torch_compile_list", "mode": mode, "counts": COUNTS, "calls": CALLS}))


if __name__ == "__main__":
    sys.exit(main())
