# A vector instruction waits for a semaphore nothing ever signals.
program deadlock
input x bf16[128,64]
semaphores 1
dma.q0 dma_copy dst=sbuf[0:128]@0:bf16(64:1) src=hbm:x@0:bf16(128:64,64:1)
vector tensor_copy dst=sbuf[0:128]@1024:bf16(64:1) src=sbuf[0:128]@0:bf16(64:1) wait=s0>=1
