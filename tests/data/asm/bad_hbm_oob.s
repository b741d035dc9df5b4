# expect: bytes past its end (the tensor is 131072 bytes)
# kind: capacity
program k
input x bf16[128,512]
output y f32[128,512]
semaphores 2
dma.q0 dma_copy dst=sbuf[0:128]@0:bf16(512:1) src=hbm:x@1024:bf16(128:512,512:1)
