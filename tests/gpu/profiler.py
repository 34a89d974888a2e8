"""torch.profiler inside a process kcprof records: the program's profiler must still get its
GPU events (kcprof yields CUPTI to it), and kcprof takes CUPTI back afterwards."""
import json
import torch
from torch.profiler import profile, ProfilerActivity

a = torch.randn(512, 512, device="cuda")
b = torch.randn(512, 512, device="cuda")
torch.cuda.synchronize()
with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
    for _ in range(10):
        c = a @ b
    torch.cuda.synchronize()
gpu_events = [e for e in prof.events() if getattr(e, "device_type", None) == torch.autograd.DeviceType.CUDA]
for _ in range(7):
    c = a + b
torch.cuda.synchronize()
print(json.dumps({"case": "profiler", "gpu_events": len(gpu_events)}))
