"""PyTorch's scaled_dot_product_attention through cuDNN's attention on six sequence lengths:
cuDNN builds an execution plan for each new problem shape and compiles its kernel with NVRTC
then (its runtime-compiled engines), though the code depends on little of the shape.

Prints one JSON line of what it did, for check.py."""
import json
import sys

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

LENGTHS = [128, 200, 256, 333, 512, 777]
CALLS = 3


def main():
    for n in LENGTHS:
        q = torch.randn(1, 8, n, 64, device="cuda", dtype=torch.float16)
        k, v = torch.randn_like(q), torch.randn_like(q)
        with sdpa_kernel(SDPBackend.CUDNN_ATTENTION):
            for _ in range(CALLS):
                o = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    torch.cuda.synchronize()
    print(json.dumps({"case": "cudnn_sdpa", "lengths": LENGTHS, "calls": CALLS}))


if __name__ == "__main__":
    sys.exit(main())
