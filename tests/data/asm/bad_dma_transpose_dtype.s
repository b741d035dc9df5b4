# expect: dma_transpose moves 2- or 4-byte elements, not fp8e4m3
# kind: verify
program k
input x bf16[128,512]
output y f32[128,512]
semaphores 2
dma.q0 dma_transpose dst=sbuf[0:128]@0:fp8e4m3(128:1) src=sbuf[0:128]@4096:fp8e4m3(128:1)
