# expect: at most 65536 (64K) per partition in SBUF
# kind: verify
program k
input x bf16[128,512]
output y f32[128,512]
semaphores 2
vector memset dst=sbuf[0:128]@0:fp8e4m3(70000:1) value=0
