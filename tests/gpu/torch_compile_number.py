"""A sampling step compiled with torch.compile(dynamic=False), fed a new temperature per request.

    python3 torch_compile_number.py static    # the temperature a Python float: a build per value
    python3 torch_compile_number.py tensor    # the fix: the temperature a 0-d tensor, one build

Dynamo treats a Python number the compiled function takes as a constant of its graph: with
dynamic=False each new value is a new graph, and Inductor bakes the number (here its reciprocal:
it multiplies) into a new Triton kernel, compiled and loaded. Passed as a tensor, the value is
data the kernel reads, and one build serves every request. Prints what it did as one JSON line
(tests/gpu/check.py)."""
import json
import sys

import torch

mode = sys.argv[1] if len(sys.argv) > 1 else "static"
assert mode in ("static", "tensor"), mode
TEMPERATURES = [0.6, 0.7, 0.8, 0.9, 1.1, 1.3]  # a request's sampling temperature (under Dynamo's 8 recompiles)
CALLS = 4  # decode steps a request


def sample_probs(logits, temperature):
    return torch.softmax(logits / temperature, dim=-1)


def main():
    f = torch.compile(sample_probs, dynamic=False)
    logits = torch.randn(8, 32000, device="cuda")
    for t in TEMPERATURES:
        temperature = t if mode == "static" else torch.tensor(t, device="cuda")
        for _ in range(CALLS):
            p = f(logits, temperature)
    torch.cuda.synchronize()
    print(json.dumps({"case": "torch_compile_number", "mode": mode, "temperatures": TEMPERATURES,
                      "calls": CALLS}))


if __name__ == "__main__":
    sys.exit(main())
