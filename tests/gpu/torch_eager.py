"""PyTorch eager: cudart reaches the driver through its own table, so only CUPTI sees these
launches. Exactly N add_ calls after one warm-up: the trace must count N+1 launches of the
kernel that runs them."""
import json
import torch

N = 200
x = torch.zeros(1 << 16, device="cuda")
x.add_(1.0)  # warm-up: module load
torch.cuda.synchronize()
for _ in range(N):
    x.add_(1.0)
torch.cuda.synchronize()
assert float(x[0]) == N + 1
print(json.dumps({"case": "torch_eager", "expect": {"add_launches": N + 1}}))
