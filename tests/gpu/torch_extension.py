"""A CUDA kernel built at run time as a PyTorch extension (torch.utils.cpp_extension, as
FlashInfer and SGLang's JIT kernels are built: ninja runs nvcc and the linker into a shared
library, which the process then loads), with a request's length baked in by -DMAX_LEN: a new
library for every new length. Beside it the fix, the length a kernel argument: one library.
The kernels are launched through the CUDA runtime, which loads them itself.

Prints one JSON line of what it did, for check.py."""
import ctypes
import json
import os
import sys
import tempfile

os.environ.setdefault("TORCH_CUDA_ARCH_LIST", "9.0")  # one architecture: shorter builds

import torch
from torch.utils.cpp_extension import load

STEPS = int(os.environ.get("STEPS", "3"))

SOURCE = r"""
extern "C" __global__ void fill_mask(int *mask, int n)
{
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) mask[i] = i < MAX_LEN;
}
extern "C" int fill_mask_launch(void *mask, int n, int max_len)
{
  fill_mask<<<(n + 127) / 128, 128>>>((int *)mask, n);
  return (int)cudaGetLastError();
}
"""

SOURCE_FIXED = r"""
extern "C" __global__ void fill_mask_fixed(int *mask, int n, int max_len)
{
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) mask[i] = i < max_len;
}
extern "C" int fill_mask_launch(void *mask, int n, int max_len)
{
  fill_mask_fixed<<<(n + 127) / 128, 128>>>((int *)mask, n, max_len);
  return (int)cudaGetLastError();
}
"""

work = tempfile.mkdtemp(prefix="kcprof_ext.")


def build(name, source, flags):
    """The extension's library, built by torch (ninja, nvcc) and loaded into the process."""
    d = os.path.join(work, name)
    os.makedirs(d, exist_ok=True)
    src = os.path.join(d, name + ".cu")
    with open(src, "w") as f:
        f.write(source)
    load(name=name, sources=[src], extra_cuda_cflags=flags, build_directory=d,
         is_python_module=False, verbose=False)
    return ctypes.CDLL(os.path.join(d, name + ".so")).fill_mask_launch


def main():
    n = 1024
    mask = torch.empty(n, dtype=torch.int32, device="cuda")
    launches = {"fill_mask": 0, "fill_mask_fixed": 0}
    fixed = None
    for step in range(STEPS):
        max_len = 500 + step  # a request's length
        # the bug: the length in the build's flags, an extension a length (as a JIT cache
        # names its modules by what they were built for)
        launch = build(f"fill_mask_len{max_len}", SOURCE, [f"-DMAX_LEN={max_len}"])
        assert launch(ctypes.c_void_p(mask.data_ptr()), n, max_len) == 0
        torch.cuda.synchronize()
        assert int(mask.cpu().sum()) == max_len  # copied back: no kernel of torch's own
        launches["fill_mask"] += 1
        # the fix: the length an argument, one extension for all
        fixed = fixed or build("fill_mask_fixed", SOURCE_FIXED, [])
        assert fixed(ctypes.c_void_p(mask.data_ptr()), n, max_len) == 0
        torch.cuda.synchronize()
        assert int(mask.cpu().sum()) == max_len  # copied back: no kernel of torch's own
        launches["fill_mask_fixed"] += 1
    print(json.dumps({"case": "torch_extension", "expect": {
        "fill_mask": {"variants": STEPS, "launches": launches["fill_mask"]},
        "fill_mask_fixed": {"variants": 1, "launches": launches["fill_mask_fixed"]}},
        "values": [500 + s for s in range(STEPS)]}))


if __name__ == "__main__":
    sys.exit(main())
