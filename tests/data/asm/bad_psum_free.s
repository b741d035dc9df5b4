# expect: at most 4096 (4K) per partition in PSUM
# kind: verify
program k
input x bf16[128,512]
output y f32[128,512]
semaphores 2
vector memset dst=psum[0:128]@0:bf16(8192:1) value=0
