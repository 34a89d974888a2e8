"""jax.jit: a function compiled again for each new input length (XLA builds the length into its
kernels), and its fix (inputs padded to one bucket); two functions whose kernels XLA names alike.

    python3 jax_jit.py shapes   # body(x) for 6 lengths, 4 calls each: 6 compiles
    python3 jax_jit.py padded   # the same lengths padded to 1024 with jnp.pad: body compiled
                                # once, but jnp.ones, jnp.pad and the slice back compile per
                                # length themselves (each an XLA computation of its own)
    python3 jax_jit.py host     # padded on the host (NumPy), one shape to the device: one
                                # compile of each
    python3 jax_jit.py two      # three different functions, each compiled once, their kernels
                                # all named loop_add_fusion by XLA
    python3 jax_jit.py static   # a scale passed in static_argnums, a new value per step: a
                                # compile each
    python3 jax_jit.py matmul   # one matmul compiled once: XLA's autotuner builds and times
                                # candidate configs of its Triton GEMM on its compile threads

Prints what it did as one JSON line (tests/gpu/check.py)."""
import json
import os
import sys

os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

mode = sys.argv[1] if len(sys.argv) > 1 else "shapes"
assert mode in ("shapes", "padded", "host", "two", "static", "matmul"), mode
LENGTHS = [1000, 1001, 1002, 1003, 1004, 1005]
CALLS = 4


@jax.jit
def body(x):
    return jnp.tanh(x) * 2.0 + 1.0


def scale_cos(x):
    return jnp.cos(x) * 3.0 + 1.0


def scale_exp(x):
    return jnp.exp(x) * 2.0 + 5.0


def root_sum(x):
    return jnp.sqrt(x) + x * 5.0


def scaled(x, k):
    return jnp.tanh(x) * k + 1.0


def main():
    if mode == "static":
        f = jax.jit(scaled, static_argnums=1)
        x = jnp.ones(4096)
        for k in range(1, 7):
            for _ in range(CALLS):
                f(x, float(k)).block_until_ready()
    elif mode == "matmul":
        f = jax.jit(lambda x, w: jnp.tanh(x @ w))
        x, w = jnp.ones((256, 512)), jnp.ones((512, 512))
        for _ in range(CALLS):
            f(x, w).block_until_ready()
    elif mode == "two":
        fs = [jax.jit(f) for f in (scale_cos, scale_exp, root_sum)]
        x = jnp.ones(4096)
        for _ in range(CALLS):
            for f in fs:
                f(x).block_until_ready()
    elif mode == "host":
        for n in LENGTHS:
            x = jnp.asarray(np.pad(np.ones(n, np.float32), (0, 1024 - n)))
            for _ in range(CALLS):
                y = np.asarray(body(x))[:n]
    else:
        for n in LENGTHS:
            x = jnp.ones(n)
            if mode == "padded":  # one shape whatever the length: pad, then slice
                x = jnp.pad(x, (0, 1024 - n))
            for _ in range(CALLS):
                y = body(x)
                if mode == "padded":
                    y = y[:n]
                y.block_until_ready()
    print(json.dumps({"case": "jax_jit", "mode": mode, "lengths": LENGTHS, "calls": CALLS,
                      "jax": jax.__version__}))


main()
