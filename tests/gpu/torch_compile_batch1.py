"""torch.compile with the batch dimension marked dynamic, fed batches of 4, 1, 8, 1, 2, 16, 3, 1.

    python3 torch_compile_batch1.py dynamic     # mark_dynamic: a batch of one is a graph of its own
    python3 torch_compile_batch1.py unbacked    # mark_unbacked: one graph for every batch

Dynamo specializes sizes 0 and 1 even in a dimension marked dynamic (its 0/1 specialization):
the first batch of one compiles a second graph, its kernel with the size 1 built in. A
dimension marked unbacked is not specialized. Prints what it did as one JSON line
(tests/gpu/check.py)."""
import json
import sys

import torch

mode = sys.argv[1] if len(sys.argv) > 1 else "dynamic"
assert mode in ("dynamic", "unbacked"), mode
BATCHES = [4, 1, 8, 1, 2, 16, 3, 1]
CALLS = 4  # layers a step


# torch._dynamo.mark_unbacked where exported, else where it is defined
mark_unbacked = getattr(torch._dynamo, "mark_unbacked", None) or torch._dynamo.decorators.mark_unbacked


@torch.compile
def norm(x):
    return torch.nn.functional.rms_norm(x, (x.shape[-1],)) * 2


def main():
    for bs in BATCHES:
        x = torch.randn(bs, 4096, device="cuda")
        if mode == "dynamic":
            torch._dynamo.mark_dynamic(x, 0)
        else:
            mark_unbacked(x, 0)
        for _ in range(CALLS):
            norm(x)
    torch.cuda.synchronize()
    print(json.dumps({"case": "torch_compile_batch1", "mode": mode, "batches": BATCHES, "calls": CALLS,
                      "mark_unbacked": mark_unbacked.__module__ + "." + mark_unbacked.__name__}))


if __name__ == "__main__":
    sys.exit(main())
