"""CuPy's RawKernel compiled with a -D per request, and CuPy's ElementwiseKernel per dtype.

    python3 cupy_define.py define    # the bug: -DMAX_LEN= the request's length, a build each
    python3 cupy_define.py arg       # the fix: max_len a kernel argument, one build
    python3 cupy_define.py dtypes    # a reading: an ElementwiseKernel on three dtypes
    python3 cupy_define.py template  # the bug again: the length a template argument of the
                                     # kernel (RawModule's name_expressions), an instance each

CuPy compiles with NVRTC, and before each new set of options it compiles an empty program with
them (its cache key holds the compiler's version): two compiles a request, never a load for the
first. Prints what it did as one JSON line (tests/gpu/check.py)."""
import json
import sys

import cupy as cp

mode = sys.argv[1] if len(sys.argv) > 1 else "define"
assert mode in ("define", "arg", "dtypes", "template"), mode
LENGTHS = [100, 137, 174, 211, 248, 285]  # a request's length
SRC_DEFINE = r'''extern "C" __global__ void fill_mask(float* x, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) x[i] = i < MAX_LEN ? 1.f : 0.f;
}'''
SRC_TEMPLATE = r'''template <int MAX_LEN> __global__ void fill_mask_t(float* x, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) x[i] = i < MAX_LEN ? 1.f : 0.f;
}'''
SRC_ARG = r'''extern "C" __global__ void fill_mask_arg(float* x, int n, int max_len) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) x[i] = i < max_len ? 1.f : 0.f;
}'''
DTYPES = ["float32", "float16", "float64", "float32"]


def main():
    x = cp.empty(4096, dtype=cp.float32)
    if mode == "dtypes":
        axpy = cp.ElementwiseKernel("T x, T a", "T y", "y = a * x + y", "axpy_ew")
        for dt in DTYPES:
            v = cp.ones(4096, dtype=dt)
            y = cp.zeros(4096, dtype=dt)
            axpy(v, cp.dtype(dt).type(2), y)
    for n in LENGTHS if mode != "dtypes" else []:
        if mode == "define":
            k = cp.RawKernel(SRC_DEFINE, "fill_mask", options=(f"-DMAX_LEN={n}",))
            k((16,), (256,), (x, cp.int32(4096)))
        elif mode == "template":
            name = f"fill_mask_t<{n}>"
            mod = cp.RawModule(code=SRC_TEMPLATE, options=("-std=c++17",), name_expressions=[name])
            mod.get_function(name)((16,), (256,), (x, cp.int32(4096)))
        else:
            k = cp.RawKernel(SRC_ARG, "fill_mask_arg")
            k((16,), (256,), (x, cp.int32(4096), cp.int32(n)))
    cp.cuda.Device().synchronize()
    print(json.dumps({"case": "cupy_" + mode, "mode": mode, "lengths": LENGTHS, "dtypes": DTYPES}))


if __name__ == "__main__":
    sys.exit(main())
