#!/usr/bin/env python3
"""Time PyTorch's embedding forward and backward on one NVIDIA GPU, kernel by kernel.

The backward of nn.Embedding (F.embedding, which Megatron's vocabulary-parallel embedding and
torchtitan both call) builds a dense gradient of the whole table: it zero-fills the table, sorts
the token ids, sums the rows of each id in fp32 partial segments and scatters them into the table.
For a few table and batch shapes it writes to the JSON file (argument 1) the milliseconds of one
forward plus backward (median of timed repetitions) and the GPU time of each kernel of one such
step. tests do not run this; docs/cost.md says how its results were used.
"""
import json
import sys

import torch

from timing import kernel_ms, timed

SHAPES = ((128256, 4096, 16384), (131072, 2048, 4096), (32000, 4096, 4096), (16032, 16384, 8192))


def measure(vocab, hidden, tokens):
    emb = torch.nn.Embedding(vocab, hidden).to("cuda", torch.bfloat16)
    ids = torch.randint(0, vocab, (tokens,), device="cuda")
    grad = torch.randn(tokens, hidden, device="cuda", dtype=torch.bfloat16)

    def step():
        emb.weight.grad = None  # a fresh gradient each step, as zero_grad(set_to_none) leaves it
        emb(ids).backward(grad)

    ms = timed(step)  # warms up first
    kernels = kernel_ms(step)
    return {"vocab": vocab, "hidden": hidden, "tokens": tokens, "table_bytes": vocab * hidden * 2,
            "fwd_bwd_ms": ms,
            "kernels_ms": dict(sorted(kernels.items(), key=lambda kv: -kv[1])[:8])}


def main():
    out_path = sys.argv[1] if len(sys.argv) > 1 else "embedding.json"
    rows = []
    for shape in SHAPES:
        rows.append(measure(*shape))
        print(json.dumps(rows[-1]), flush=True)
        torch.cuda.empty_cache()
    env = {"gpu": torch.cuda.get_device_name(), "torch": torch.__version__,
           "note": "nn.Embedding in bf16, forward and backward; kernels of one profiled step"}
    with open(out_path, "w") as f:
        json.dump({"env": env, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
