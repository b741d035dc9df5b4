# expect: ends at byte 231424 of the SBUF partition, 2048 bytes over its capacity of 229376 bytes
# kind: capacity
program k
input x bf16[128,512]
output y f32[128,512]
semaphores 2
vector memset dst=sbuf[0:128]@229376:f32(512:1) value=0
