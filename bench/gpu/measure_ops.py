#!/usr/bin/env python3
"""Measure the kernels a transformer training step runs, on one NVIDIA GPU, with PyTorch.

Writes JSON (argument 1, default ops.json): bf16 and fp8 GEMM throughput over a grid of shapes,
fused causal attention forward and backward (cuDNN and FlashAttention backends) over sequence
length, head dimension and query and key/value head counts, memory-bound kernels (norms, activations, cross-entropy), and whole
forward+backward passes of GPT models built from those kernels. The Hopper roofline calibration
(configs/cost/h100.yaml) was fitted to such a file, and tests/cost/measured_h100_test.cpp checks
it against points of it; docs/cost.md says how and when it was run.

Every figure is the median of three timed batches of back-to-back calls after warm-up, on random
data, timed with CUDA events (GEMMs replayed from CUDA graphs). Needs PyTorch with CUDA and
nvidia-ml-py for the clock readings.
"""
import json
import math
import subprocess
import sys
import time

import torch
import torch.nn.functional as F

DEV = "cuda"
BF16 = torch.bfloat16


def timed(fn, min_ms=25.0, max_reps=200):
    """Milliseconds per call of fn(), after warm-up: the median of three batches of back-to-back
    calls, so the launch queue stays full as it does in a training step."""
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    fn()
    torch.cuda.synchronize()
    once = max((time.perf_counter() - t0) * 1e3, 1e-3)
    reps = int(min(max_reps, max(3, min_ms / once)))
    times = []
    for _ in range(3):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        for _ in range(reps):
            fn()
        b.record()
        torch.cuda.synchronize()
        times.append(a.elapsed_time(b) / reps)
    return sorted(times)[1]


def graphed(fn, target_ms=8.0):
    """Milliseconds per call of fn() replayed from a CUDA graph of back-to-back calls: no launch
    or host time, as kernels queued behind one another run."""
    once = timed(fn, min_ms=5.0, max_reps=50)
    reps = int(min(500, max(4, target_ms / max(once, 1e-3))))
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        fn()
    torch.cuda.current_stream().wait_stream(s)
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        for _ in range(reps):
            fn()
    g.replay()
    times = []
    for _ in range(3):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        g.replay()
        b.record()
        torch.cuda.synchronize()
        times.append(a.elapsed_time(b) / reps)
    del g
    return sorted(times)[1]


def clock_probe():
    """SM clock and time of one large GEMM on random and on zero data, cold and after 10 s of load:
    how far the power limit pulls the clock down under a sustained matrix load."""
    out = {}
    for name, make in (("random", torch.randn), ("zeros", torch.zeros)):
        x = make(8192, 8192, device=DEV, dtype=BF16)
        w = make(8192, 8192, device=DEV, dtype=BF16)
        fn = lambda: torch.mm(x, w.t())  # noqa: E731
        cold = graphed(fn)
        t0 = time.time()
        while time.time() - t0 < 10:
            for _ in range(50):
                fn()
            torch.cuda.synchronize()
        out[name] = {"cold_ms": cold, "cold_mhz": sm_clock_mhz(), "hot_ms": graphed(fn), "hot_mhz": sm_clock_mhz()}
    return out


def sm_clock_mhz():
    try:
        import pynvml
        pynvml.nvmlInit()
        h = pynvml.nvmlDeviceGetHandleByIndex(0)
        return pynvml.nvmlDeviceGetClockInfo(h, pynvml.NVML_CLOCK_SM)
    except Exception:  # noqa: BLE001
        return None


def env():
    p = torch.cuda.get_device_properties(0)
    smi = ""
    try:
        smi = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version,clocks.max.sm,power.limit",
                              "--format=csv,noheader"], capture_output=True, text=True, timeout=30).stdout.strip()
    except Exception as e:  # noqa: BLE001
        smi = str(e)
    return {"device": p.name, "sms": p.multi_processor_count, "torch": torch.__version__,
            "cuda": torch.version.cuda, "cudnn": torch.backends.cudnn.version(), "nvidia_smi": smi}


GRID = [256, 512, 1024, 2048, 4096, 8192, 16384]


def gemm_bf16(m, n, k, layout="nt"):
    """Y[m,n] = X[m,k] W[k,n] with the operand layouts of a linear layer's three GEMMs: nt the
    forward (X W^T), nn the input gradient, tn the weight gradient (X^T dY)."""
    if layout == "nt":
        x, w = torch.randn(m, k, device=DEV, dtype=BF16), torch.randn(n, k, device=DEV, dtype=BF16)
        return graphed(lambda: torch.mm(x, w.t()))
    if layout == "nn":
        x, w = torch.randn(m, k, device=DEV, dtype=BF16), torch.randn(k, n, device=DEV, dtype=BF16)
        return graphed(lambda: torch.mm(x, w))
    x, w = torch.randn(k, m, device=DEV, dtype=BF16), torch.randn(k, n, device=DEV, dtype=BF16)
    return graphed(lambda: torch.mm(x.t(), w))


def gemm_fp8(m, n, k, fast_accum):
    x = torch.randn(m, k, device=DEV, dtype=BF16).to(torch.float8_e4m3fn)
    w = torch.randn(n, k, device=DEV, dtype=BF16).to(torch.float8_e4m3fn)
    one = torch.ones((), device=DEV, dtype=torch.float32)
    return graphed(lambda: torch._scaled_mm(x, w.t(), scale_a=one, scale_b=one, out_dtype=BF16,
                                            use_fast_accum=fast_accum))


def gemms(shapes, layouts):
    out = []
    for (m, n, k) in shapes:
        row = {"m": m, "n": n, "k": k}
        runs = [("bf16_ms", lambda: gemm_bf16(m, n, k)),
                ("fp8_fast_ms", lambda: gemm_fp8(m, n, k, True)),
                ("fp8_ms", lambda: gemm_fp8(m, n, k, False))]
        if layouts:
            runs += [("bf16_nn_ms", lambda: gemm_bf16(m, n, k, "nn")), ("bf16_tn_ms", lambda: gemm_bf16(m, n, k, "tn"))]
        for name, fn in runs:
            try:
                row[name] = fn()
            except Exception as e:  # noqa: BLE001
                row[name + "_error"] = str(e)[:200]
        row["sm_mhz"] = sm_clock_mhz()
        out.append(row)
        torch.cuda.empty_cache()
    return out


def attention(b, hq, hkv, s, dqk, dv, causal, backend):
    from torch.nn.attention import SDPBackend, sdpa_kernel
    be = {"cudnn": SDPBackend.CUDNN_ATTENTION, "flash": SDPBackend.FLASH_ATTENTION}[backend]
    q = torch.randn(b, hq, s, dqk, device=DEV, dtype=BF16, requires_grad=True)
    k = torch.randn(b, hkv, s, dqk, device=DEV, dtype=BF16, requires_grad=True)
    v = torch.randn(b, hkv, s, dv, device=DEV, dtype=BF16, requires_grad=True)
    gqa = hq != hkv
    with sdpa_kernel([be]):
        fwd = lambda: F.scaled_dot_product_attention(q, k, v, is_causal=causal, enable_gqa=gqa)  # noqa: E731
        o = fwd()
        g = torch.randn_like(o)

        def both():
            out = fwd()
            torch.autograd.grad(out, (q, k, v), g)
        f = timed(fwd)
        fb = timed(both)
    return f, fb - f


def attentions():
    cases = []
    dims = [(64, 64), (96, 96), (128, 128), (192, 128), (256, 256)]
    for s in [1024, 2048, 4096, 8192, 16384]:
        for dqk, dv in dims:
            cases.append((max(1, 16384 // s), 16, 16, s, dqk, dv, True))
    cases.append((4, 16, 16, 4096, 128, 128, False))
    # shapes of validation runs: DeepSeek-V3 MLA on a TP2 rank, Llama 3 70B on a TP4 rank (GQA)
    cases.append((1, 64, 64, 4096, 192, 128, True))
    cases.append((1, 16, 2, 8192, 128, 128, True))
    out = []
    for (b, hq, hkv, s, dqk, dv, causal) in cases:
        flop = 2.0 * b * hq * s * s * (dqk + dv) * (0.5 if causal else 1.0)
        for backend in ("cudnn", "flash"):
            row = {"b": b, "hq": hq, "hkv": hkv, "s": s, "dqk": dqk, "dv": dv, "causal": causal,
                   "backend": backend, "fwd_flop": flop}
            try:
                row["fwd_ms"], row["bwd_ms"] = attention(b, hq, hkv, s, dqk, dv, causal, backend)
            except Exception as e:  # noqa: BLE001
                row["error"] = str(e)[:200]
            out.append(row)
            torch.cuda.empty_cache()
    return out


def attentions_gqa():
    """cuDNN causal attention at head dim 128 with 64 query heads and 64 down to 1 key/value heads."""
    out = []
    for s in (2048, 4096, 8192):
        for hkv in (64, 32, 16, 8, 4, 1):
            b = max(1, 8192 // s)
            f, bw = attention(b, 64, hkv, s, 128, 128, True, "cudnn")
            out.append({"s": s, "b": b, "hq": 64, "hkv": hkv, "fwd_ms": f, "bwd_ms": bw,
                        "fwd_flop": 2.0 * b * 64 * s * s * 256 * 0.5})
    return out


def attentions_heads():
    """cuDNN causal attention at head dim 128, one sequence of 8192 and of 4096 tokens, with 8 to 64
    query heads (a tensor-parallel rank's share) and each query head count's key/value heads from
    as many down to 1: how the backward's speed follows the heads a rank holds."""
    out = []
    for s, b in ((8192, 1), (4096, 1)):
        for hq in (8, 16, 32, 64):
            hkv = hq
            while hkv >= 1:
                f, bw = attention(b, hq, hkv, s, 128, 128, True, "cudnn")
                out.append({"s": s, "b": b, "hq": hq, "hkv": hkv, "fwd_ms": f, "bwd_ms": bw,
                            "fwd_flop": 2.0 * b * hq * s * s * 256 * 0.5})
                hkv //= 2
    return out


def memory_ops():
    out = []
    for (t, h) in [(4096, 2048), (4096, 4096), (4096, 7168), (8192, 8192)]:
        x = torch.randn(t, h, device=DEV, dtype=BF16, requires_grad=True)
        w = torch.ones(h, device=DEV, dtype=BF16, requires_grad=True)
        bias = torch.zeros(h, device=DEV, dtype=BF16, requires_grad=True)
        g = torch.randn(t, h, device=DEV, dtype=BF16)
        y = torch.randn(t, h, device=DEV, dtype=BF16)
        ops = {
            "layer_norm": lambda: F.layer_norm(x, (h,), w, bias),
            "rms_norm": lambda: F.rms_norm(x, (h,), w),
            "gelu": lambda: F.gelu(x, approximate="tanh"),
            "add": lambda: x + y,
        }
        for name, fn in ops.items():
            row = {"op": name, "tokens": t, "hidden": h, "elements": t * h}
            row["fwd_ms"] = timed(fn)
            row["fwdbwd_ms"] = timed(lambda: torch.autograd.grad(fn(), (x,), g))
            out.append(row)
        del x, w, bias, g, y
    for (t, v) in [(4096, 32768), (4096, 65536), (4096, 131072)]:
        logits = torch.randn(t, v, device=DEV, dtype=BF16, requires_grad=True)
        tgt = torch.randint(0, v, (t,), device=DEV)
        fn = lambda: F.cross_entropy(logits.float(), tgt)  # noqa: E731
        row = {"op": "cross_entropy_fp32", "tokens": t, "vocab": v, "elements": t * v}
        row["fwd_ms"] = timed(fn)
        row["fwdbwd_ms"] = timed(lambda: fn().backward())
        out.append(row)
        del logits
        torch.cuda.empty_cache()
    return out


class Layer(torch.nn.Module):
    """A GPT layer as one tensor-parallel rank runs it (no communication): LayerNorm, fused QKV,
    cuDNN causal attention, output projection, GeLU MLP."""

    def __init__(self, hidden, heads, head_dim, ffn, tp):
        super().__init__()
        self.h, self.nh, self.d = hidden, heads // tp, head_dim
        self.ln1 = torch.nn.LayerNorm(hidden)
        self.qkv = torch.nn.Linear(hidden, 3 * self.nh * head_dim)
        self.proj = torch.nn.Linear(self.nh * head_dim, hidden)
        self.ln2 = torch.nn.LayerNorm(hidden)
        self.fc1 = torch.nn.Linear(hidden, ffn // tp)
        self.fc2 = torch.nn.Linear(ffn // tp, hidden)

    def forward(self, x):  # x: [s, b, h]
        from torch.nn.attention import SDPBackend, sdpa_kernel
        s, b, _ = x.shape
        q, k, v = self.qkv(self.ln1(x)).view(s, b, 3, self.nh, self.d).permute(2, 1, 3, 0, 4).unbind(0)
        with sdpa_kernel([SDPBackend.CUDNN_ATTENTION]):
            a = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.proj(a.permute(2, 0, 1, 3).reshape(s, b, self.nh * self.d))
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x)), approximate="tanh"))


def model_pass(name, layers, hidden, heads, head_dim, ffn, vocab, seq, tp):
    torch.manual_seed(0)
    blocks = torch.nn.ModuleList([Layer(hidden, heads, head_dim, ffn, tp) for _ in range(layers)]).to(DEV, BF16)
    emb = torch.nn.Embedding(vocab // tp, hidden).to(DEV, BF16)
    lnf = torch.nn.LayerNorm(hidden).to(DEV, BF16)
    head = torch.nn.Linear(hidden, vocab // tp, bias=False).to(DEV, BF16)
    tok = torch.randint(0, vocab // tp, (seq, 1), device=DEV)

    def layer_step():
        x = emb(tok)
        for blk in blocks:
            x = blk(x)
        return x

    params = [p for m in (emb, blocks, lnf, head) for p in m.parameters()]

    def step():  # gradients returned, not accumulated (Megatron fuses accumulation into the GEMM)
        logits = head(lnf(layer_step()))
        torch.autograd.grad(F.cross_entropy(logits.float().view(-1, vocab // tp), tok.view(-1)), params)

    x0 = torch.randn(seq, 1, hidden, device=DEV, dtype=BF16, requires_grad=True)
    gl = torch.randn(seq, 1, hidden, device=DEV, dtype=BF16)
    one_layer = lambda: torch.autograd.grad(blocks[0](x0), (x0,), gl)  # noqa: E731
    row = {"name": name, "layers": layers, "hidden": hidden, "heads": heads, "head_dim": head_dim,
           "ffn": ffn, "vocab": vocab, "seq": seq, "tp": tp}
    row["layer_fwd_ms"] = timed(lambda: blocks[0](x0))
    row["layer_fwdbwd_ms"] = timed(one_layer)
    row["step_fwdbwd_ms"] = timed(step, min_ms=500, max_reps=20)
    prof = {}
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CUDA]) as p:
        step()
        torch.cuda.synchronize()
    for ev in p.key_averages():
        t = getattr(ev, "device_time_total", None) or getattr(ev, "cuda_time_total", 0)
        if t > 0:
            prof[ev.key[:120]] = round(t / 1e3, 4)
    row["kernels_ms"] = dict(sorted(prof.items(), key=lambda kv: -kv[1])[:30])
    del blocks, emb, head
    torch.cuda.empty_cache()
    return row


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "ops.json"
    sections = sys.argv[2].split(",") if len(sys.argv) > 2 else ["env", "clock", "attention", "attention_gqa", "attention_heads", "memory", "models", "gemm"]
    res = {}

    def save():
        with open(path, "w") as f:
            json.dump(res, f, indent=1)

    torch.backends.cuda.matmul.allow_tf32 = False
    for sec in sections:
        t0 = time.time()
        if sec == "env":
            res["env"] = env()
        elif sec == "attention":
            res["attention"] = attentions()
        elif sec == "attention_gqa":
            res["attention_gqa"] = attentions_gqa()
        elif sec == "attention_heads":
            res["attention_heads"] = attentions_heads()
        elif sec == "memory":
            res["memory"] = memory_ops()
        elif sec == "models":
            res["models"] = [model_pass("gpt-1.7b", 24, 2048, 16, 128, 8192, 131072, 4096, 1),
                             model_pass("gpt-7.1b-tp2", 30, 4096, 32, 128, 16384, 131072, 4096, 2)]
        elif sec == "clock":
            res["clock"] = clock_probe()
        elif sec == "gemm":
            shapes = [(m, n, k) for m in GRID for n in GRID for k in GRID]
            res["gemm"] = gemms(shapes, layouts=False)
            # shapes of validation runs: DeepSeek-V3 (MLA, experts, head), Llama 3 70B on TP4,
            # Megatron-Core GPT 1.7B and 7.1B (TP2)
            models = [(4096, 1536, 7168), (4096, 576, 7168), (4096, 24576, 1536), (4096, 16384, 512),
                       (4096, 7168, 8192), (4096, 7168, 2048), (4096, 4096, 7168), (4096, 64640, 7168),
                       (8192, 2560, 8192), (8192, 8192, 2048), (8192, 7168, 8192), (8192, 8192, 3584),
                      (4096, 6144, 2048), (4096, 2048, 2048), (4096, 8192, 2048), (4096, 2048, 8192),
                      (4096, 131072, 2048), (4096, 6144, 4096), (4096, 4096, 2048), (4096, 65536, 4096)]
            res["gemm_models"] = gemms(models, layouts=True)
        res.setdefault("section_s", {})[sec] = round(time.time() - t0, 1)
        print(sec, "done in", res["section_s"][sec], "s", flush=True)
        save()


if __name__ == "__main__":
    main()
