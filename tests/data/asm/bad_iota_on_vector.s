# expect: iota runs only on gpsimd
# kind: verify
program k
input x bf16[128,512]
output y f32[128,512]
semaphores 2
vector iota dst=sbuf[0:128]@0:i32(512:1) expr=0+1*p
