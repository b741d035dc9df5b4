# expect: dst has 32768 elements but src has 65536
# kind: verify
program k
input x bf16[128,512]
output y f32[128,512]
semaphores 2
dma.q0 dma_copy dst=sbuf[0:128]@0:bf16(256:1) src=hbm:x@0:bf16(128:512,512:1)
