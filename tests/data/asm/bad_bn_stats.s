# expect: bn_stats takes at most 512 elements per partition
# kind: verify
program k
input x bf16[128,512]
output y f32[128,512]
semaphores 2
vector bn_stats dst=sbuf[0:128]@0:f32(3:1) src=sbuf[0:128]@4096:f32(1024:1)
