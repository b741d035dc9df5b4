# expect: an access of 33-64 partitions must start at 0 or 64
# kind: verify
program k
input x bf16[128,512]
output y f32[128,512]
semaphores 2
vector memset dst=sbuf[32:96]@0:f32(512:1) value=0
