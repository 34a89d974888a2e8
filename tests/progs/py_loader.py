"""A Triton-like kernel built per value of its tl.constexpr, through a stand-in of Triton
(py/site-packages/triton: JITFunction.run and a driver that loads PTX into the stand-in
libcuda.so.1 on LD_LIBRARY_PATH): the CPU tests check the Python call site and the
specialisation kcprof records at each load.

py_loader.py STEPS [subinterpreter]: MAX_LEN 500, 501, ... (a new variant each step); n 100
(not divisible by 16) at even steps, 64 at odd ones; each step launched twice (the second finds
its variant). With subinterpreter, a sub-interpreter is made first (after which
PyGILState_Check says yes on every thread). With flag: add_bias, its bool tl.constexpr HAS_BIAS
True and False by turns, instead. With offset: copy_block, its int base a block's element offset
into a pool, 2**28 a step: past 2**31 (i64 to Triton) from the ninth step on. With dtype:
cast_out, its tl.constexpr OUT_DTYPE a dtype (as Triton's tl.float16: a name and a width in its
__dict__), fp16, bf16, fp32 by turns."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "py", "site-packages"))
from triton.runtime.jit import JITFunction  # noqa: E402


def fill_mask_ptx(x_ptr, n, max_len):
    return (".version 8.0\n.target sm_90\n.address_size 64\n.visible .entry fill_mask()\n{\n"
            f"\tmov.u32 %r1, {max_len};\n\tret;\n}}\n").encode()


fill_mask = JITFunction(fill_mask_ptx, ["x_ptr", "n", "MAX_LEN"], constexprs=[2])


def serve(step):
    n = 64 if step % 2 else 100
    fill_mask.run(0x1000, n, 500 + step)  # the line a report names


if "subinterpreter" in sys.argv[2:]:
    try:
        import _xxsubinterpreters as interpreters  # 3.9-3.12
    except ImportError:
        import _interpreters as interpreters  # 3.13
    interpreters.create()

def add_bias_ptx(x_ptr, n, has_bias):
    return (".version 8.0\n.target sm_90\n.address_size 64\n.visible .entry add_bias()\n{\n"
            f"\tmov.u32 %r1, {int(has_bias)};\n\tret;\n}}\n").encode()


add_bias = JITFunction(add_bias_ptx, ["x_ptr", "n", "HAS_BIAS"], constexprs=[2])

def copy_block_ptx(pool_ptr, base):
    return (".version 8.0\n.target sm_90\n.address_size 64\n.visible .entry copy_block()\n{\n"
            f"\tmov.u32 %r1, {0 if base < 2**31 else 1};\n\tret;\n}}\n").encode()


copy_block = JITFunction(copy_block_ptx, ["pool_ptr", "base"], constexprs=[])

class dtype:  # as triton.language.core.dtype keeps its name and width
    def __init__(self, name, bits):
        self.name = name
        self.primitive_bitwidth = bits


DTYPES = [dtype("fp16", 16), dtype("bf16", 16), dtype("fp32", 32)]


def cast_out_ptx(x_ptr, out_dtype):
    return (".version 8.0\n.target sm_90\n.address_size 64\n.visible .entry cast_out()\n{\n"
            f"\tmov.u32 %r1, {out_dtype.primitive_bitwidth * 1000 + sum(map(ord, out_dtype.name))};\n\tret;\n}}\n").encode()


cast_out = JITFunction(cast_out_ptx, ["x_ptr", "OUT_DTYPE"], constexprs=[1])

for step in range(int(sys.argv[1]) if len(sys.argv) > 1 else 3):
    if "dtype" in sys.argv[2:]:
        cast_out.run(0x1000, DTYPES[step % 3])
        continue
    if "offset" in sys.argv[2:]:
        copy_block.run(0x1000, step * 2**28)
        continue
    if "flag" in sys.argv[2:]:  # a bool tl.constexpr, with a bias and without, by turns
        add_bias.run(0x1000, 64, step % 2 == 0)
        continue
    serve(step)
    serve(step)
