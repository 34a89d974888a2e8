"""A toy decode server: a warm-up over the padded batch sizes it serves (as vLLM and SGLang warm
up and capture before they take requests), then decode steps with 1 to 8 live requests.

Each step runs three Triton kernels:
- rms_norm: BLOCK (a tl.constexpr) is the hidden size's: built once, in the warm-up;
- softcap_logits (the bug): its tl.constexpr N_REQ is the number of live requests. The warm-up
  ran the padded sizes 1, 2, 4 and 8 only, so serving builds it again for 3, 5, 6 and 7
  requests, while requests wait;
- softcap_logits_fixed: the same with n_req a runtime argument (do_not_specialize): built once,
  in the warm-up.

`kcprof report --since T` with T the warm-up's end shows the serving-time builds alone (the
report of the whole run names when each kernel's loads came). Prints one JSON line for check.py,
with the warm-up's end as CLOCK_MONOTONIC nanoseconds (the clock of kcprof's traces)."""
import json
import os
import sys
import time

import torch
import triton
import triton.language as tl

STEPS = int(os.environ.get("STEPS", "300"))
HIDDEN, VOCAB = 1024, 4096


@triton.jit
def rms_norm(x_ptr, y_ptr, n, eps, BLOCK: tl.constexpr):
    row = tl.program_id(0)
    offs = tl.arange(0, BLOCK)
    x = tl.load(x_ptr + row * n + offs, mask=offs < n, other=0.0).to(tl.float32)
    r = tl.rsqrt(tl.sum(x * x, axis=0) / n + eps)
    tl.store(y_ptr + row * n + offs, (x * r).to(y_ptr.dtype.element_ty), mask=offs < n)


@triton.jit
def softcap_logits(logits_ptr, vocab, cap, N_REQ: tl.constexpr, BLOCK: tl.constexpr):
    col = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    for r in tl.static_range(N_REQ):  # unrolled over the live requests: a build per count
        p = logits_ptr + r * vocab + col
        v = tl.load(p, mask=col < vocab, other=0.0).to(tl.float32) / cap
        e = tl.exp(2.0 * v)
        tl.store(p, (cap * (e - 1.0) / (e + 1.0)).to(logits_ptr.dtype.element_ty),
                 mask=col < vocab)


@triton.jit(do_not_specialize=["n_req"])
def softcap_logits_fixed(logits_ptr, vocab, cap, n_req, BLOCK: tl.constexpr):
    col = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    for r in range(n_req):
        p = logits_ptr + r * vocab + col
        v = tl.load(p, mask=col < vocab, other=0.0).to(tl.float32) / cap
        e = tl.exp(2.0 * v)
        tl.store(p, (cap * (e - 1.0) / (e + 1.0)).to(logits_ptr.dtype.element_ty),
                 mask=col < vocab)


def step(x, y, logits, live):
    rms_norm[(live,)](x, y, HIDDEN, 1e-6, BLOCK=triton.next_power_of_2(HIDDEN))
    grid = (triton.cdiv(VOCAB, 1024),)
    softcap_logits[grid](logits, VOCAB, 30.0, N_REQ=live, BLOCK=1024)
    softcap_logits_fixed[grid](logits, VOCAB, 30.0, live, BLOCK=1024)


def main():
    torch.manual_seed(0)
    x = torch.randn(8, HIDDEN, device="cuda", dtype=torch.float16)
    y = torch.empty_like(x)
    logits = torch.randn(8, VOCAB, device="cuda", dtype=torch.float16)
    padded = (1, 2, 4, 8)
    for live in padded:  # warm-up: the padded batch sizes
        step(x, y, logits, live)
    torch.cuda.synchronize()
    warm_end = time.monotonic_ns()
    time.sleep(1.5)  # the server starts listening; launch counts flush every second
    serve_start = time.monotonic_ns()
    seen, new_in_serving = set(padded), []
    for i in range(STEPS):  # serving: 1..8 live requests, in a fixed pseudo-random order
        live = 1 + (i * 5 + i // 7) % 8
        if live not in seen:
            seen.add(live)
            new_in_serving.append(live)
        step(x, y, logits, live)
    torch.cuda.synchronize()
    assert torch.isfinite(logits.float()).all() and torch.isfinite(y.float()).all()
    print(json.dumps({"case": "serve_warmup", "warm_end_mono_ns": warm_end,
                      "serve_start_mono_ns": serve_start,
                      "padded": list(padded), "new_in_serving": new_in_serving,
                      "expect": {
                          "softcap_logits": {"variants": len(seen), "serving_builds": len(new_in_serving),
                                             "launches": len(padded) + STEPS},
                          "softcap_logits_fixed": {"variants": 1, "serving_builds": 0,
                                                   "launches": len(padded) + STEPS},
                          "rms_norm": {"variants": 1, "serving_builds": 0,
                                       "launches": len(padded) + STEPS}}}))


if __name__ == "__main__":
    sys.exit(main())
