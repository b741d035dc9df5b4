# expect: expected a number
# kind: input
program k
input x bf16[128,512]
output y f32[128,512]
semaphores 2
vector memset dst=sbuf[0:128]@0:f32(512:1) value=1.2.3
