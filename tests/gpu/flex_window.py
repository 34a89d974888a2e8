"""FlexAttention with a sliding window whose width the mask_mod reads from outside, a new width
each step (as a server that sets the window per request or per layer).

    python3 flex_window.py global     # the width a module-level int: a build per width
    python3 flex_window.py captured   # the width an int the mask_mod closes over: two builds
    python3 flex_window.py tensor     # the fix: the width a 0-d tensor, one build

torch.compile traces the mask_mod into FlexAttention's Triton template, and a Python number it
reads is written into the kernel. Dynamo guards on a global's value: each new width is a new
graph and a new kernel. An int the mask_mod closes over becomes an argument of the kernel at its
second value (automatic dynamic shapes): one build more, once. A tensor it reads is an input of
the kernel from the start. Prints what it did as one JSON line (tests/gpu/check.py)."""
import json
import sys

import torch
from torch.nn.attention.flex_attention import create_block_mask, flex_attention

mode = sys.argv[1] if len(sys.argv) > 1 else "global"
assert mode in ("global", "captured", "tensor"), mode
WIDTHS = [64, 96, 128, 160, 192]
CALLS = 3
B, H, S, D = 1, 8, 512, 64
WINDOW = WIDTHS[0]  # "global": the width, set before each step


def global_mask(b, h, qi, ki):
    return (qi >= ki) & (qi - ki < WINDOW)


def window_mask(width):
    """The causal sliding-window mask_mod, `width` read from its closure (an int or a tensor)."""
    def mask_mod(b, h, qi, ki):
        return (qi >= ki) & (qi - ki < width)
    return mask_mod


def main():
    global WINDOW
    flex = torch.compile(flex_attention)
    q = torch.randn(B, H, S, D, device="cuda", dtype=torch.float16)
    k, v = torch.randn_like(q), torch.randn_like(q)
    width = torch.tensor(WIDTHS[0], device="cuda")
    for w in WIDTHS:
        if mode == "global":
            WINDOW = w
            mask_mod = global_mask
        elif mode == "captured":
            mask_mod = window_mask(w)
        else:
            width.fill_(w)  # one tensor updated in place (a new one each step builds once too)
            mask_mod = window_mask(width)
        bm = create_block_mask(mask_mod, B, H, S, S, device="cuda")
        for _ in range(CALLS):
            o = flex(q, k, v, block_mask=bm)
    torch.cuda.synchronize()
    print(json.dumps({"case": "flex_window", "mode": mode, "widths": WIDTHS, "calls": CALLS}))


if __name__ == "__main__":
    sys.exit(main())
