# expect: unknown engine or directive 'vectr'
# kind: input
program k
input x bf16[128,512]
output y f32[128,512]
semaphores 2
vectr tensor_copy dst=sbuf[0:128]@0:f32(512:1) src=sbuf[0:128]@0:f32(512:1)
