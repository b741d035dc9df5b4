# expect: DMA cannot access PSUM
# kind: verify
program k
input x bf16[128,512]
output y f32[128,512]
semaphores 2
dma.q0 dma_copy dst=hbm:y@0:f32(128:512,512:1) src=psum[0:128]@0:f32(512:1)
