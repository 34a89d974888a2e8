"""NVRTC from Python through ctypes, as CuPy or cuda-python do: a -D value per request, the PTX
loaded into the stand-in libcuda.so.1 on LD_LIBRARY_PATH. The CPU tests check that each compile
carries the Python line that asked for it, and each load its own.

py_nvrtc.py STEPS [noload]: MAX_LEN 500, 501, ... (a compile and a load each step; with noload,
the compiles alone: builds the run never uses).
py_nvrtc.py STEPS text: the value written into the program's source text instead (a code
generator's way, as CuPy's and PyTorch's jiterator's per type), the options alike.
py_nvrtc.py STEPS types: as CuPy writes an elementwise kernel per dtype: float, float16 (a
definition added before its typedef, unindented), double, by turns; the options alike.
py_nvrtc.py STEPS probe: as CuPy compiles a -D per request: an empty program first with the
request's options (-arch=compute_90), to key its cache, never loaded; then the program
(--device-as-default-execution-space added), loaded.
py_nvrtc.py STEPS probe cached: the same with CuPy's disk cache warm: the probe, then the
image read from the cache (PTX written here) and loaded, no other compile.
py_nvrtc.py STEPS probe file: the probe, then an image the program wrote to a file loaded by
path (cuModuleLoad): no image of the probe's.
py_nvrtc.py STEPS cubins: no compile; tests/data/step_1.cubin, step_2.cubin, ... read and loaded
from memory, as PyTorch's jiterator loads the cubins it cached on disk: no Triton in sight."""
import ctypes
import glob
import os
import sys


def find_nvrtc():
    lib = os.path.join(os.environ.get("CUDA_HOME", "/usr/local/cuda"), "lib64")
    for path in ["libnvrtc.so"] + sorted(glob.glob(os.path.join(lib, "libnvrtc.so*"))):
        try:
            return ctypes.CDLL(path)
        except OSError:
            pass
    raise SystemExit("no libnvrtc")


nvrtc = find_nvrtc()
cuda = ctypes.CDLL("libcuda.so.1")
cuda.cuInit(0)
SRC = b'extern "C" __global__ void fill_mask(int *m) { m[0] = MAX_LEN; }'


TYPES = [b"    typedef float T;\n",
         b"    struct float16 { unsigned short bits; };\n\ntypedef float16 T;\n",
         b"    typedef double T;\n"]
BODY = b'\n    extern "C" __global__ void fill_mask(T *m, T v) { m[0] = v; }\n'


def compile_ptx(max_len, src=None, opts=None):
    prog = ctypes.c_void_p()
    text = "text" in sys.argv[2:]
    if src is None:
        src = SRC.replace(b"MAX_LEN", b"%d" % max_len) if text else SRC
    if "types" in sys.argv[2:]:
        src = TYPES[(max_len - 500) % 3] + BODY
    if nvrtc.nvrtcCreateProgram(ctypes.byref(prog), src, b"fill_mask.cu", 0, None, None):
        raise SystemExit("nvrtcCreateProgram failed")
    if opts is None:
        alike = text or "types" in sys.argv[2:]
        opts = [b"-arch=compute_90", b"-DUNUSED=1" if alike else b"-DMAX_LEN=%d" % max_len]
    copts = (ctypes.c_char_p * len(opts))(*opts)
    if nvrtc.nvrtcCompileProgram(prog, len(opts), copts):  # the compile's line
        raise SystemExit("nvrtcCompileProgram failed")
    size = ctypes.c_size_t()
    nvrtc.nvrtcGetPTXSize(prog, ctypes.byref(size))
    ptx = ctypes.create_string_buffer(size.value)
    nvrtc.nvrtcGetPTX(prog, ptx)
    nvrtc.nvrtcDestroyProgram(ctypes.byref(prog))
    return ptx.raw


def load(image):
    mod = ctypes.c_void_p()
    if cuda.cuModuleLoadData(ctypes.byref(mod), ctypes.c_char_p(image)):  # the load's line
        raise SystemExit("cuModuleLoadData failed")


for step in range(int(sys.argv[1]) if len(sys.argv) > 1 else 3):
    if "cubins" in sys.argv[2:]:
        with open(os.path.join("tests", "data", "step_%d.cubin" % (step % 2 + 1)), "rb") as f:
            load(f.read())
        continue
    if "probe" in sys.argv[2:]:
        define = b"-DMAX_LEN=%d" % (500 + step)
        compile_ptx(0, b"", [define, b"-arch=compute_90"])  # CuPy's key: the compiler's version
        if "cached" in sys.argv[2:] or "file" in sys.argv[2:]:  # the image its cache held
            ptx = (".version 8.0\n.target sm_90\n.address_size 64\n.visible .entry fill_mask()\n"
                   "{\n\tmov.u32 %%r1, %d;\n\tret;\n}\n" % (500 + step)).encode()
        else:
            ptx = compile_ptx(0, SRC, [define, b"-arch=compute_90", b"--device-as-default-execution-space"])
        if "file" in sys.argv[2:]:  # a file of its own, loaded by path
            path = os.path.join(os.environ.get("TMPDIR", "/tmp"), "py_nvrtc_%d_%d.ptx" % (os.getpid(), step))
            with open(path, "wb") as f:
                f.write(ptx)
            mod = ctypes.c_void_p()
            rc = cuda.cuModuleLoad(ctypes.byref(mod), path.encode())
            os.unlink(path)
            if rc:
                raise SystemExit("cuModuleLoad failed")
            continue
    else:
        ptx = compile_ptx(500 + step)
    if "noload" not in sys.argv[2:]:
        load(ptx)
