"""numba.cuda kernels rebuilt, and their fixes. numba compiles each kernel's NVVM IR with
libNVVM (to PTX, then to LTO-IR), links the LTO-IR with nvJitLink (cuda.bindings: found by
dlsym, the plain names) and loads the cubin.

    python3 numba_kernels.py closure     # the bug: a factory makes the kernel per call, its
                                         # factor closed over: a new dispatcher, a build each
    python3 numba_kernels.py arg         # the fix: one module-level kernel, the factor an argument
    python3 numba_kernels.py types       # a reading: one kernel called on float32, float64 and
                                         # int32 arrays, a build per type signature, each once
    python3 numba_kernels.py signatures  # those signatures declared: built at the decorator

Prints what it did as one JSON line (tests/gpu/check.py)."""
import json
import sys

import numpy as np

if not hasattr(np, "row_stack"):  # numba 0.68 against numpy 2.4
    np.row_stack = np.vstack
from numba import cuda

mode = sys.argv[1] if len(sys.argv) > 1 else "closure"
assert mode in ("closure", "arg", "types", "signatures"), mode
STEPS = 6
DTYPES = ["float32", "float64", "int32"]


def make_scale(factor):
    @cuda.jit
    def scale(out, x):
        i = cuda.grid(1)
        if i < x.size:
            out[i] = x[i] * factor

    return scale


@cuda.jit
def scale_arg(out, x, factor):
    i = cuda.grid(1)
    if i < x.size:
        out[i] = x[i] * factor


SIGS = [f"void({t}[::1], {t}[::1], {t})" for t in DTYPES]
if mode == "signatures":
    @cuda.jit(SIGS)
    def axpy(out, x, a):
        i = cuda.grid(1)
        if i < x.size:
            out[i] = a * x[i] + out[i]
else:
    @cuda.jit
    def axpy(out, x, a):
        i = cuda.grid(1)
        if i < x.size:
            out[i] = a * x[i] + out[i]

x = cuda.to_device(np.ones(4096, dtype=np.float32))
o = cuda.device_array_like(x)
if mode == "closure":
    for step in range(STEPS):
        make_scale(step + 1)[16, 256](o, x)
elif mode == "arg":
    for step in range(STEPS):
        scale_arg[16, 256](o, x, np.float32(step + 1))
else:
    for dt in DTYPES + DTYPES:  # each type twice: built once each
        xs = cuda.to_device(np.ones(4096, dtype=dt))
        os_ = cuda.to_device(np.zeros(4096, dtype=dt))
        axpy[16, 256](os_, xs, np.dtype(dt).type(2))
cuda.synchronize()
print(json.dumps({"case": "numba_" + mode, "mode": mode, "steps": STEPS, "dtypes": DTYPES}))
