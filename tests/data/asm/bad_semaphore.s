# expect: signal uses semaphore s5 but the program declares 2
# kind: verify
program k
input x bf16[128,512]
output y f32[128,512]
semaphores 2
vector memset dst=sbuf[0:128]@0:f32(512:1) value=0 signal=s5
