program softmax_row
input x bf16[128,512]
output y bf16[128,512]
semaphores 2

dma.q0 dma_copy dst=sbuf[0:128]@0:bf16(512:1) src=hbm:x@0:bf16(128:512,512:1) signal=s0
vector tensor_reduce dst=sbuf[0:128]@4096:f32(1:1) src=sbuf[0:128]@0:bf16(512:1) op=max negate=true wait=s0>=1
scalar activation_reduce dst=sbuf[0:128]@8192:f32(512:1) src=sbuf[0:128]@0:bf16(512:1) func=exp scale=1 bias=sbuf[0:128]@4096:f32(1:1) reduce=sbuf[0:128]@4100:f32(1:1)
vector reciprocal dst=sbuf[0:128]@4104:f32(1:1) src=sbuf[0:128]@4100:f32(1:1)
vector tensor_scalar dst=sbuf[0:128]@0:bf16(512:1) src=sbuf[0:128]@8192:f32(512:1) op0=multiply s0=sbuf[0:128]@4104:f32(1:1) op1=bypass s1=0 signal=s1
dma.q1 dma_copy dst=hbm:y@0:bf16(128:512,512:1) src=sbuf[0:128]@0:bf16(512:1) wait=s1>=1
