# expect: ends at byte 9223372036854777855 of the SBUF partition
# kind: capacity
program k
input x bf16[128,512]
output y f32[128,512]
semaphores 2
vector tensor_copy dst=sbuf[0:128]@9223372036854775807:f32(512:1) src=sbuf[0:128]@0:f32(512:1)
