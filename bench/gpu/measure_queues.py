#!/usr/bin/env python3
"""Measure what CUDA's hardware work queues (CUDA_DEVICE_MAX_CONNECTIONS) do to overlapped
expert all-to-alls, on one NVIDIA GPU, with PyTorch.

Writes JSON (argument 1, default queues.json) with two sections, each run in fresh processes
because the queue count is fixed per process:

  connections  whether a process started with CUDA_DEVICE_MAX_CONNECTIONS=1 gets more queues when
               it unsets the variable after torch.cuda.get_device_capability() (the order of
               Megatron-Bridge 25.09's comm_overlap.py) or after the context exists. Probe: stream
               A sleeps 50 ms; stream B waits on A's event, then sleeps 5 ms; stream C, issued after
               B's wait, sleeps 50 ms. One queue: C waits behind B's wait, so the probe takes
               about twice one sleep (ratio 2); several: about 1.1.
  overlap      Megatron-Core 0.14's combined 1F1B layer (model_chunk_schedule_plan.py,
               TransformerLayerSchedulePlan.run): a forward and a backward micro-batch's nodes in
               its launch order, compute on one stream, dispatch and combine all-to-alls on
               another, each node waiting on and recording its micro-batch's event
               (pipeline_parallel/utils.py stream_acquire_context). Compute is 4096^3 bf16 GEMMs
               sized to the DeepSeek-V3 H100 step's per-layer figures (trnsim simulate --ops); an
               all-to-all is a one-block sleep of 2.6 ms (network-bound: it holds no SMs to speak
               of). With host_sync the forward dispatch first reads a device value on the host, as
               the dropless dispatcher reads its receive counts. hidden_fraction = (compute + comm
               - overlapped) / comm, from medians of nine interleaved rounds.

docs/validation-residuals.md (DeepSeek-V3 paragraph) quotes the result. Needs PyTorch with CUDA.
"""
import json
import os
import statistics
import subprocess
import sys
import time

import torch

QUEUES = [None, "1", "32"]  # None: the variable unset (CUDA's default, 8)
# Per-layer compute of the DeepSeek-V3 H100 step (ms) and one all-to-all.
LAYER_MS = dict(attn_f=1.8, post_attn_f=0.4, mlp_f=1.5, mlp_b=3.3, mlp_dw=1.6, post_attn_b=0.8, attn_b=2.7)
A2A_MS = 2.6
LAYERS = 16


def cycles_for(ms):
    """torch.cuda._sleep cycles that take about `ms` on the current clock."""
    n = 10_000_000
    s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    s.record()
    torch.cuda._sleep(n)
    e.record()
    torch.cuda.synchronize()
    return int(n * ms / s.elapsed_time(e))


def wall_ms(fn):
    torch.cuda.synchronize()
    t = time.perf_counter()
    fn()
    torch.cuda.synchronize()
    return (time.perf_counter() - t) * 1e3


def probe_connections(when):
    """One process: the false-dependency probe, after unsetting the variable at `when`."""
    if when == "after-capability":
        torch.cuda.get_device_capability()
        os.environ.pop("CUDA_DEVICE_MAX_CONNECTIONS", None)
    torch.zeros(1, device="cuda")
    torch.cuda.synchronize()
    if when == "after-context":
        os.environ.pop("CUDA_DEVICE_MAX_CONNECTIONS", None)
    n = cycles_for(50)
    sa, sb, sc = torch.cuda.Stream(), torch.cuda.Stream(), torch.cuda.Stream()

    def false_dependency():
        with torch.cuda.stream(sa):
            torch.cuda._sleep(n)
            ev = torch.cuda.Event()
            ev.record(sa)
        with torch.cuda.stream(sb):
            sb.wait_event(ev)
            torch.cuda._sleep(n // 10)
        with torch.cuda.stream(sc):
            torch.cuda._sleep(n)

    wall_ms(false_dependency)
    probe = min(wall_ms(false_dependency) for _ in range(5))
    sleep = min(wall_ms(lambda: torch.cuda._sleep(n)) for _ in range(5))
    return dict(probe_ms=probe, one_sleep_ms=sleep, ratio=probe / sleep)


def probe_overlap(host_sync):
    """One process: the combined 1F1B layer, overlapped against serial."""
    a = torch.randn(4096, 4096, device="cuda", dtype=torch.bfloat16)
    b = torch.randn(4096, 4096, device="cuda", dtype=torch.bfloat16)

    def gemms(k):
        for _ in range(k):
            torch.mm(a, b)

    for _ in range(20):
        gemms(10)
    gemm_ms = min(wall_ms(lambda: gemms(50)) for _ in range(5)) / 50
    count = {k: max(1, round(v / gemm_ms)) for k, v in LAYER_MS.items()}
    a2a = cycles_for(A2A_MS)
    comp, comm = torch.cuda.Stream(), torch.cuda.Stream()
    flag = torch.zeros(1, device="cuda", dtype=torch.int32)

    class MicroBatch:
        def __init__(self):
            self.ev = torch.cuda.Event()
            self.ev.record(comp)

        def node(self, stream, fn):
            stream.wait_event(self.ev)
            with torch.cuda.stream(stream):
                fn()
            self.ev.record(stream)

    def dispatch():
        if host_sync:
            flag.add_(1)
            flag.item()
        torch.cuda._sleep(a2a)

    def overlapped():
        f, bk = MicroBatch(), MicroBatch()
        for _ in range(LAYERS):
            bk.node(comm, lambda: torch.cuda._sleep(a2a))  # combine backward
            f.node(comp, lambda: gemms(count["attn_f"]))
            f.node(comp, lambda: gemms(count["post_attn_f"]))
            bk.node(comp, lambda: gemms(count["mlp_b"]))
            f.node(comm, dispatch)  # dispatch forward
            with torch.cuda.stream(comp):
                gemms(count["mlp_dw"])
            bk.node(comm, lambda: torch.cuda._sleep(a2a))  # dispatch backward
            f.node(comp, lambda: gemms(count["mlp_f"]))
            f.node(comm, lambda: torch.cuda._sleep(a2a))  # combine forward
            bk.node(comp, lambda: gemms(count["post_attn_b"]))
            bk.node(comp, lambda: gemms(count["attn_b"]))

    def compute_only():
        with torch.cuda.stream(comp):
            for _ in range(LAYERS):
                for k in count:
                    gemms(count[k])

    def comm_only():
        with torch.cuda.stream(comp):
            for _ in range(LAYERS):
                for i in range(4):
                    if i == 1 and host_sync:
                        flag.add_(1)
                        flag.item()
                    torch.cuda._sleep(a2a)

    def serial():
        compute_only()
        comm_only()

    fns = dict(compute=compute_only, comm=comm_only, serial=serial, overlapped=overlapped)
    for fn in fns.values():
        wall_ms(fn)
    runs = {k: [] for k in fns}
    for _ in range(9):  # interleaved, so clock drift reaches every variant alike
        for k, fn in fns.items():
            runs[k].append(wall_ms(fn))
    med = {k + "_ms": statistics.median(v) for k, v in runs.items()}
    hidden = (med["compute_ms"] + med["comm_ms"] - med["overlapped_ms"]) / med["comm_ms"]
    return dict(gemm_ms=gemm_ms, layers=LAYERS, a2a_ms=A2A_MS, **med, hidden_fraction=hidden)


def child(args):
    section, arg = args
    if section == "connections":
        return probe_connections(arg)
    return probe_overlap(arg == "sync")


def spawn(section, arg, queues):
    env = dict(os.environ)
    env.pop("CUDA_DEVICE_MAX_CONNECTIONS", None)
    if queues is not None:
        env["CUDA_DEVICE_MAX_CONNECTIONS"] = queues
    out = subprocess.run([sys.executable, __file__, "--child", section, arg], env=env, check=True,
                         capture_output=True, text=True).stdout
    r = json.loads(out.strip().splitlines()[-1])
    r["connections_at_start"] = queues or "unset"
    print(section, arg, json.dumps(r), flush=True)
    return r


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(child(sys.argv[2:4])))
        return
    out = sys.argv[1] if len(sys.argv) > 1 else "queues.json"
    res = dict(env=dict(gpu=torch.cuda.get_device_name(), torch=torch.__version__, cuda=torch.version.cuda),
               connections=[], overlap=[])
    for q in QUEUES + ["8"]:
        res["connections"].append(dict(unset="never", **spawn("connections", "never", q)))
    for when in ("after-capability", "after-context"):
        res["connections"].append(dict(unset=when, **spawn("connections", when, "1")))
    for sync in ("nosync", "sync"):
        for q in QUEUES:
            res["overlap"].append(dict(host_sync=sync == "sync", **spawn("overlap", sync, q)))
    with open(out, "w") as f:
        json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
