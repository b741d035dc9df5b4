# expect: starts at partition 16 with 32 partitions; an access of at most 32 partitions must start at 0, 32, 64 or 96
# kind: verify
program k
input x bf16[128,512]
output y f32[128,512]
semaphores 2
vector memset dst=sbuf[16:48]@0:f32(512:1) value=0
