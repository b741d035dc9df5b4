#!/usr/bin/env python3
"""Time the passes of a mixed-precision Adam step over one rank's parameter shard on one NVIDIA GPU.

Megatron's mixed-precision optimizer (and torchtitan's) runs its step as separate passes over the
shard, each a multi-tensor kernel: the gradient norm for clipping, the clip itself, fused Adam, the
fp32 master weights copied to the 16-bit model weights, the 16-bit gradients cast to fp32 main
gradients, and the gradient buffer zeroed. ParallelPlan::optimizer_bytes counts their bytes and
the step model times them at a streaming rate; this script measures what rate they reach.

The shard is a list of tensors shaped like a Llama 3 8B rank's (per layer: four attention and three
MLP matrices, two norms), scaled to the requested parameter count. For each shard size it writes to
the JSON file (argument 1) the milliseconds of each pass (median of timed repetitions), the bytes it
moves, and the GB/s, next to a plain device-to-device copy as the streaming reference. tests do not
run this; docs/cost.md says how its results were used.
"""
import json
import sys
import time

import torch

from timing import timed

LAYER = [(4096, 4096), (1024, 4096), (1024, 4096), (4096, 4096),
         (14336, 4096), (14336, 4096), (4096, 14336), (4096,), (4096,)]
LAYER_PARAMS = sum(torch.Size(s).numel() for s in LAYER)


def shapes(params):
    """Layer-shaped tensors, each cut on dim 0 so that the list holds about `params` parameters."""
    layers = max(1, round(8 * params / LAYER_PARAMS))  # an eighth of each matrix: a ZeRO-style shard
    return [((s[0] + 7) // 8,) + s[1:] for s in LAYER] * layers


def measure(params):
    sh = shapes(params)
    master = [torch.randn(s, device="cuda") for s in sh]
    grads = [torch.randn(s, device="cuda") for s in sh]
    model = [torch.empty(s, device="cuda", dtype=torch.bfloat16) for s in sh]
    grads16 = [torch.randn(s, device="cuda", dtype=torch.bfloat16) for s in sh]
    n = sum(t.numel() for t in master)
    for p, g in zip(master, grads):
        p.grad = g
    adam = torch.optim.AdamW(master, lr=3e-4, betas=(0.9, 0.95), weight_decay=0.1, fused=True)
    flat = torch.empty(n, device="cuda")
    big = torch.empty(n, device="cuda")

    def norm():
        torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads)))

    passes = {
        "copy_reference": (lambda: flat.copy_(big), 8),
        "adamw_fused": (adam.step, 28),
        "grad_norm": (norm, 4),
        "clip_scale": (lambda: torch._foreach_mul_(grads, 0.5), 8),
        "master_to_model": (lambda: torch._foreach_copy_(model, master), 6),
        "grad_cast_to_fp32": (lambda: torch._foreach_copy_(grads, grads16), 6),
        "zero_grad_buffer": (lambda: flat.zero_(), 4),
    }
    row = {"params": n, "tensors": len(sh)}
    for name, (fn, per_param) in passes.items():
        ms = timed(fn)
        row[name] = {"ms": ms, "bytes": per_param * n, "GB_per_s": per_param * n / ms / 1e6}
    return row


def main():
    out_path = sys.argv[1] if len(sys.argv) > 1 else "optimizer.json"
    t0 = time.perf_counter()
    rows = []
    for params in (64e6, 256e6, 1024e6):
        rows.append(measure(params))
        print(json.dumps(rows[-1]), flush=True)
        torch.cuda.empty_cache()
    env = {"gpu": torch.cuda.get_device_name(), "torch": torch.__version__,
           "wall_s": round(time.perf_counter() - t0, 1),
           "note": "one rank's optimizer passes; milliseconds, median of timed repetitions"}
    with open(out_path, "w") as f:
        json.dump({"env": env, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
