# expect: unknown dtype 'bf61'
# kind: input
program k
input x bf16[128,512]
output y f32[128,512]
semaphores 2
vector tensor_copy dst=sbuf[0:128]@0:bf61(512:1) src=sbuf[0:128]@0:f32(512:1)
