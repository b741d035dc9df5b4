# expect: nc_transpose on vector takes at most 32 x 32
# kind: verify
program k
input x bf16[128,512]
output y f32[128,512]
semaphores 2
vector nc_transpose dst=sbuf[0:64]@0:f32(64:1) src=sbuf[0:64]@4096:f32(64:1)
