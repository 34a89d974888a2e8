"""cuda.core (NVIDIA's Python API for CUDA): a Program compiled per request with a macro
defined to the request's limit (ProgramOptions(define_macro=...): NVRTC's --define-macro=),
and the fix.

    python3 cuda_core_define.py define   # the bug: a compile and a load per request
    python3 cuda_core_define.py arg      # the fix: the limit a kernel argument, one build

cuda.bindings finds NVRTC's functions by dlsym. Prints what it did as one JSON line
(tests/gpu/check.py)."""
import json
import sys

import numpy as np
from cuda.core import Device, LaunchConfig, Program, ProgramOptions, launch

mode = sys.argv[1] if len(sys.argv) > 1 else "define"
assert mode in ("define", "arg"), mode
LIMITS = [500, 501, 502, 503, 504]
SRC = {
    "define": 'extern "C" __global__ void fill(int *out) { out[threadIdx.x] = threadIdx.x < LIMIT; }',
    "arg": 'extern "C" __global__ void fill_arg(int *out, int limit) { out[threadIdx.x] = threadIdx.x < limit; }',
}[mode]
dev = Device()
dev.set_current()
s = dev.create_stream()
buf = dev.allocate(4 * 32, stream=s)
kernel = None
for lim in LIMITS:
    if mode == "define":
        opts = ProgramOptions(arch=f"sm_{dev.arch}", define_macro=("LIMIT", str(lim)))
        kernel = Program(SRC, code_type="c++", options=opts).compile("cubin").get_kernel("fill")
        launch(s, LaunchConfig(grid=1, block=32), kernel, buf)
    else:
        if kernel is None:
            opts = ProgramOptions(arch=f"sm_{dev.arch}")
            kernel = Program(SRC, code_type="c++", options=opts).compile("cubin").get_kernel("fill_arg")
        launch(s, LaunchConfig(grid=1, block=32), kernel, buf, np.int32(lim))
s.sync()
print(json.dumps({"case": "cuda_core_" + mode, "mode": mode, "limits": LIMITS}))
