"""GPU timing shared by the measurement scripts in bench/gpu/: the median of CUDA-event-timed
repetitions, the GPU kernels of one profiled call, and which of them are matmuls."""
import torch

# Kernel-name marks of cuBLAS, cuBLASLt (nvjet), CUTLASS and Triton matmuls.
MATMUL_MARKS = ("gemm", "nvjet", "xmma", "cutlass", "sm90_", "matmul")


def is_matmul(name):
    n = name.lower()
    return any(m in n for m in MATMUL_MARKS)


def timed(fn, iters=10, warm=3):
    """Milliseconds of one call of `fn`, the median of `iters` timed calls after `warm` untimed ones."""
    for _ in range(warm):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(iters):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        fn()
        b.record()
        torch.cuda.synchronize()
        times.append(a.elapsed_time(b))
    return sorted(times)[len(times) // 2]


def kernel_events(fn):
    """(name, GPU milliseconds) of every kernel one profiled call of `fn` launches."""
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CUDA]) as prof:
        fn()
        torch.cuda.synchronize()
    return [(e.name, (e.device_time_total if hasattr(e, "device_time_total") else e.cuda_time_total) / 1e3)
            for e in prof.events() if e.device_type == torch.autograd.DeviceType.CUDA]


def kernel_ms(fn):
    """GPU milliseconds per kernel name (first 100 characters) over one profiled call of `fn`."""
    out = {}
    for name, t in kernel_events(fn):
        out[name[:100]] = out.get(name[:100], 0.0) + t
    return out
