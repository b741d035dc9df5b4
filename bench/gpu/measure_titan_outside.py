#!/usr/bin/env python3
"""Time the parts of torchtitan's Llama 3 8B step that lie outside its decoder layers, on one GPU.

measure_titan_block.py times the decoder layer; this script times the rest of one rank's step as the
June 2025 recipe runs it on 32 GPUs (FSDP2, local batch 2 x 8192), each part on its own:

- embedding: nn.Embedding(128256, 4096) in bf16, forward and backward (the weight gradient is a
  scatter-add into a 128256 x 4096 buffer);
- head: the final RMSNorm and the bf16 output linear (torchtitan keeps the output layer out of
  float8) on the 2 x 8192 tokens, then the loss as torchtitan builds it (cross entropy on the logits
  cast to fp32, the loss function under torch.compile), forward and backward;
- optimizer: fused AdamW (torchtitan's default implementation) over one rank's 1/32 shard of every
  parameter in fp32, and clip_grad_norm_ over the same gradients with foreach, as torchtitan clips.

The FSDP2 traffic cannot be timed on one GPU. tests do not run this; docs/cost.md says how its
results were used. Writes JSON (argument 1): milliseconds per part, median of timed repetitions,
and the GPU kernel time of the head split into matmuls and the rest.
"""
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from timing import is_matmul, kernel_ms, timed

HIDDEN, VOCAB, LAYERS, FFN, KV = 4096, 128256, 32, 14336, 1024
BATCH, SEQ, SHARDS = 2, 8192, 32


def kernel_split(fn):
    """One profiled call's GPU time split into matmuls and the rest, with its largest kernels."""
    kernels = kernel_ms(fn)
    out = {"matmul_ms": 0.0, "other_ms": 0.0}
    for name, t in kernels.items():
        out["matmul_ms" if is_matmul(name) else "other_ms"] += t
    out["kernels"] = dict(sorted(kernels.items(), key=lambda kv: -kv[1])[:12])
    return out


def embedding():
    emb = nn.Embedding(VOCAB, HIDDEN).to("cuda", torch.bfloat16)
    tokens = torch.randint(0, VOCAB, (BATCH, SEQ), device="cuda")
    grad = torch.randn(BATCH, SEQ, HIDDEN, device="cuda", dtype=torch.bfloat16)
    def step():
        emb.weight.grad = None  # each step starts without gradients (torchtitan zeroes them to None)
        emb(tokens).backward(grad)

    return {"fwd_ms": timed(lambda: emb(tokens)), "fwd_bwd_ms": timed(step)}


def head():
    norm = nn.RMSNorm(HIDDEN, eps=1e-5).to("cuda", torch.bfloat16)
    out = nn.Linear(HIDDEN, VOCAB, bias=False).to("cuda", torch.bfloat16)
    loss_fn = torch.compile(lambda pred, labels: F.cross_entropy(pred.flatten(0, 1).float(), labels.flatten(0, 1)))
    x0 = torch.randn(BATCH, SEQ, HIDDEN, device="cuda", dtype=torch.bfloat16)
    labels = torch.randint(0, VOCAB, (BATCH, SEQ), device="cuda")

    def forward():
        norm.weight.grad = out.weight.grad = None
        x = x0.detach().requires_grad_(True)
        return loss_fn(out(norm(x)), labels)

    def logits_only():
        return out(norm(x0))

    row = {"logits_fwd_ms": timed(logits_only),
           "fwd_ms": timed(forward),
           "fwd_bwd_ms": timed(lambda: forward().backward())}
    row["split_fwd_bwd"] = kernel_split(lambda: forward().backward())
    return row


def shard_shapes():
    """Every parameter of Llama 3 8B, each cut to one rank's 1/32 (FSDP2 shards on dim 0)."""
    per_layer = [(HIDDEN, HIDDEN), (KV, HIDDEN), (KV, HIDDEN), (HIDDEN, HIDDEN),
                 (FFN, HIDDEN), (FFN, HIDDEN), (HIDDEN, FFN), (HIDDEN,), (HIDDEN,)]
    shapes = [(VOCAB, HIDDEN)] + per_layer * LAYERS + [(HIDDEN,), (VOCAB, HIDDEN)]
    return [((s[0] + SHARDS - 1) // SHARDS,) + s[1:] for s in shapes]


def optimizer():
    params = [torch.randn(s, device="cuda", dtype=torch.float32, requires_grad=True) for s in shard_shapes()]
    for p in params:
        p.grad = torch.randn_like(p)
    count = sum(p.numel() for p in params)
    opt = torch.optim.AdamW(params, lr=3e-4, betas=(0.9, 0.95), weight_decay=0.1, fused=True)
    step = timed(opt.step)
    clip = timed(lambda: torch.nn.utils.clip_grad_norm_(params, 1.0, foreach=True))
    return {"shard_params": count, "tensors": len(params), "adamw_fused_ms": step, "clip_grad_norm_ms": clip}


def main():
    out_path = sys.argv[1] if len(sys.argv) > 1 else "titan_outside.json"
    t0 = time.perf_counter()
    result = {"env": {"gpu": torch.cuda.get_device_name(), "torch": torch.__version__,
                      "note": "one rank of torchtitan's Llama 3 8B step on 32 GPUs, local batch 2 x 8192;"
                              " milliseconds, median of timed repetitions"}}
    for name, fn in (("embedding", embedding), ("head", head), ("optimizer", optimizer)):
        try:
            result[name] = fn()
        except Exception as e:  # keep the other parts' figures
            result[name] = {"error": repr(e)[:800]}
        print(name, json.dumps(result[name]), flush=True)
        torch.cuda.empty_cache()
    result["env"]["wall_s"] = round(time.perf_counter() - t0, 1)
    with open(out_path, "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
