#!/usr/bin/env python3
"""Time the decoder layer of torchtitan's Llama 3 8B recipe on one NVIDIA GPU, as that recipe runs it.

Each layer is built here from the Llama 3 8B shapes (hidden 4096, 32 query and 8 key/value heads of
128, SwiGLU width 14336, RMSNorm, rotary embeddings), wrapped the way torchtitan's llama3 recipe wraps
a TransformerBlock (June 2025, torchtitan/models/llama3/parallelize_llama.py): optionally torchao's
float8 linears with dynamic tensorwise scaling, then per-op selective activation checkpointing (save
the outputs of matmuls, attention and max, except every second matmul), then torch.compile of the
block with fullgraph=True. SDPA is held to its FlashAttention-2 backend, the default on Hopper until
PyTorch 2.9.

For each variant (bf16 or float8, with or without the selective checkpointing) it writes to the JSON
file (argument 1) the milliseconds per layer of forward plus backward over a stack of layers, and the
GPU kernel time of one step split into matmuls, attention and the rest, with the number of matmul
kernels: a recomputed linear shows up as an extra matmul kernel. tests do not run this; docs/cost.md
says how its results were used.

Needs PyTorch with CUDA and torchao's Python sources (put on PYTHONPATH, or in .gpu/ at the
repository root); torchao's compiled extensions are not needed (TORCHAO_FORCE_SKIP_LOADING_SO_FILES).
"""
import json
import os
import sys
import time
from collections import defaultdict

os.environ.setdefault("TORCHAO_FORCE_SKIP_LOADING_SO_FILES", "1")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".gpu"))

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch.utils.checkpoint import CheckpointPolicy, checkpoint, create_selective_checkpoint_contexts  # noqa: E402

from timing import is_matmul, kernel_events, timed  # noqa: E402

HIDDEN, HEADS, KV_HEADS, HEAD_DIM, FFN = 4096, 32, 8, 128, 14336


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn_norm = nn.RMSNorm(HIDDEN, eps=1e-5)
        self.wq = nn.Linear(HIDDEN, HEADS * HEAD_DIM, bias=False)
        self.wk = nn.Linear(HIDDEN, KV_HEADS * HEAD_DIM, bias=False)
        self.wv = nn.Linear(HIDDEN, KV_HEADS * HEAD_DIM, bias=False)
        self.wo = nn.Linear(HEADS * HEAD_DIM, HIDDEN, bias=False)
        self.ffn_norm = nn.RMSNorm(HIDDEN, eps=1e-5)
        self.w1 = nn.Linear(HIDDEN, FFN, bias=False)
        self.w3 = nn.Linear(HIDDEN, FFN, bias=False)
        self.w2 = nn.Linear(FFN, HIDDEN, bias=False)

    @staticmethod
    def rotate(x, cos, sin):
        a, b = x[..., 0::2], x[..., 1::2]
        return torch.stack((a * cos - b * sin, a * sin + b * cos), dim=-1).flatten(-2)

    def forward(self, x, cos, sin):
        b, s, _ = x.shape
        h = self.attn_norm(x)
        q = self.rotate(self.wq(h).view(b, s, HEADS, HEAD_DIM), cos, sin)
        k = self.rotate(self.wk(h).view(b, s, KV_HEADS, HEAD_DIM), cos, sin)
        v = self.wv(h).view(b, s, KV_HEADS, HEAD_DIM)
        rep = HEADS // KV_HEADS
        k = k.unsqueeze(3).expand(b, s, KV_HEADS, rep, HEAD_DIM).reshape(b, s, HEADS, HEAD_DIM)
        v = v.unsqueeze(3).expand(b, s, KV_HEADS, rep, HEAD_DIM).reshape(b, s, HEADS, HEAD_DIM)
        o = F.scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), is_causal=True)
        x = x + self.wo(o.transpose(1, 2).reshape(b, s, HEADS * HEAD_DIM))
        h = self.ffn_norm(x)
        return x + self.w2(F.silu(self.w1(h)) * self.w3(h))


SAVE = {
    torch.ops.aten.mm.default,
    torch.ops.aten._scaled_dot_product_efficient_attention.default,
    torch.ops.aten._scaled_dot_product_flash_attention.default,
    torch.ops.aten.max.default,
}


def op_sac_context():
    """Per-op selective checkpointing as torchtitan's `selective_ac_option = "op"`: keep what SAVE
    names, except every second matmul of a pass; recompute the rest."""
    counts = defaultdict(int)

    def policy(ctx, func, *args, **kwargs):
        key = "recompute" if ctx.is_recompute else "forward"
        if func == torch.ops.aten.mm.default:
            counts[key] += 1
        keep = func in SAVE and not (func == torch.ops.aten.mm.default and counts[key] % 2 == 0)
        return CheckpointPolicy.MUST_SAVE if keep else CheckpointPolicy.PREFER_RECOMPUTE

    return create_selective_checkpoint_contexts(policy)


class Checkpointed(nn.Module):
    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x, cos, sin):
        return checkpoint(self.inner, x, cos, sin, use_reentrant=False, context_fn=op_sac_context,
                          preserve_rng_state=False)


def build(layers, fp8, sac):
    stack = nn.ModuleList(Layer() for _ in range(layers)).to("cuda", torch.bfloat16)
    if fp8:
        from torchao.float8 import Float8LinearConfig, convert_to_float8_training
        convert_to_float8_training(stack, config=Float8LinearConfig())  # dynamic tensorwise scaling
    return [torch.compile(Checkpointed(l) if sac else l, fullgraph=True) for l in stack]


def kernel_split(fn):
    """GPU time (ms) of one profiled call of `fn` by kind, and the number of matmul kernels."""
    out = {"matmul_ms": 0.0, "attention_ms": 0.0, "other_ms": 0.0, "matmul_kernels": 0}
    for name, t in kernel_events(fn):
        n = name.lower()
        if "flash" in n or "fmha" in n or "attention" in n:
            out["attention_ms"] += t
        elif is_matmul(n):
            out["matmul_ms"] += t
            out["matmul_kernels"] += 1
        else:
            out["other_ms"] += t
    return out


def run(layers, batch, seq, fp8, sac, iters=8):
    torch.manual_seed(0)
    stack = build(layers, fp8, sac)
    pos = torch.arange(seq, device="cuda", dtype=torch.float32)
    freqs = 1.0 / (500000.0 ** (torch.arange(0, HEAD_DIM, 2, device="cuda", dtype=torch.float32) / HEAD_DIM))
    ang = torch.outer(pos, freqs)[None, :, None, :]
    cos, sin = ang.cos().to(torch.bfloat16), ang.sin().to(torch.bfloat16)
    x0 = torch.randn(batch, seq, HIDDEN, device="cuda", dtype=torch.bfloat16)

    def step():
        x = x0.detach().requires_grad_(True)
        y = x
        for l in stack:
            y = l(y, cos, sin)
        y.float().pow(2).mean().backward()

    t0 = time.perf_counter()
    for _ in range(3):  # the first calls compile
        step()
    torch.cuda.synchronize()
    warm_s = time.perf_counter() - t0
    ms = timed(step, iters=iters, warm=0)
    split = kernel_split(step)
    row = {"fp8": fp8, "op_sac": sac, "layers": layers, "batch": batch, "seq": seq,
           "ms_per_layer": ms / layers,
           "warmup_and_compile_s": round(warm_s, 1),
           "peak_mem_gib": torch.cuda.max_memory_allocated() / 2**30}
    row.update({k: (v / layers if k.endswith("_ms") else v) for k, v in split.items()})
    row["matmul_kernels_per_layer"] = split["matmul_kernels"] / layers
    del stack
    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats()
    return row


def main():
    out_path = sys.argv[1] if len(sys.argv) > 1 else "titan_block.json"
    torch.backends.cuda.enable_cudnn_sdp(False)
    torch.backends.cuda.enable_mem_efficient_sdp(False)
    torch.backends.cuda.enable_math_sdp(False)
    torch.backends.cuda.enable_flash_sdp(True)
    env = {"gpu": torch.cuda.get_device_name(), "torch": torch.__version__,
           "note": "milliseconds per layer: forward + backward of a stack of layers, median of timed steps"}
    rows = []
    for fp8 in (False, True):
        for sac in (False, True):
            try:
                rows.append(run(4, 2, 8192, fp8, sac))
            except Exception as e:  # keep the other variants' figures
                rows.append({"fp8": fp8, "op_sac": sac, "error": repr(e)[:800]})
            print(json.dumps(rows[-1]), flush=True)
    with open(out_path, "w") as f:
        json.dump({"env": env, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
