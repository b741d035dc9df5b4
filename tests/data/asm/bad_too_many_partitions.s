# expect: uses partitions [0, 130) but SBUF has 128
# kind: verify
program k
input x bf16[128,512]
output y f32[128,512]
semaphores 2
dma.q0 dma_copy dst=sbuf[0:130]@0:bf16(4:1) src=hbm:x@0:bf16(130:4,4:1)
