# expect: activation runs only on scalar, not on vector
# kind: verify
program k
input x bf16[128,512]
output y f32[128,512]
semaphores 2
vector activation dst=sbuf[0:128]@0:f32(512:1) src=sbuf[0:128]@0:f32(512:1) func=exp scale=1
