"""One process driving every visible GPU (as JAX does, or a model spread over devices with
device_map): the same Triton kernel, and an eager op, run on each device. Triton loads the
kernel once a device (one cuModuleLoadData in each device's context): the report must not
take those loads for reloads.

Prints one JSON line of what it did, for check.py."""
import json

import torch
import triton
import triton.language as tl

CALLS = 5


@triton.jit
def scale_add(x_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    m = offs < n
    tl.store(x_ptr + offs, tl.load(x_ptr + offs, mask=m) * 2.0 + 1.0, mask=m)


def main():
    devices = torch.cuda.device_count()
    n = 4096
    for d in range(devices):
        with torch.cuda.device(d):
            x = torch.ones(n, device=f"cuda:{d}")
            for _ in range(CALLS):
                scale_add[(triton.cdiv(n, 1024),)](x, n, BLOCK=1024)
            y = torch.sin(x)  # an eager kernel too: the CUDA runtime's loads on this device
            torch.cuda.synchronize()
            assert float(x[0]) == 2.0 ** (CALLS + 1) - 1 and y.isfinite().all()
    print(json.dumps({"devices": devices,
                      "expect": {"scale_add": {"variants": 1, "launches": devices * CALLS}}}))


if __name__ == "__main__":
    main()
