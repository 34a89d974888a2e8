"""torch.compile(dynamic=False) fed three shapes: Inductor compiles and loads (cuModuleLoad of a
.cubin, through PyTorch's own driver table) a kernel per shape, then launches it 5 times."""
import json
import torch


@torch.compile(dynamic=False)
def f(x):
    return (x * 2.0 + 1.0).relu()


shapes = [1000, 2000, 3000]
for n in shapes:
    x = torch.randn(n, device="cuda")
    for _ in range(5):
        y = f(x)
    torch.cuda.synchronize()
    assert torch.allclose(y, (x * 2 + 1).relu())
print(json.dumps({"case": "torch_compile", "expect": {"shapes": len(shapes), "launches_per_shape": 5}}))
