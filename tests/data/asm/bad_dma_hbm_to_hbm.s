# expect: not HBM->HBM
# kind: verify
program k
input x bf16[128,512]
output y f32[128,512]
semaphores 2
dma.q0 dma_copy dst=hbm:y@0:f32(128:256,256:1) src=hbm:x@0:bf16(128:512,256:1)
