# expect: dst is [128 x 256] but src is [128 x 512]
# kind: verify
program k
input x bf16[128,512]
output y f32[128,512]
semaphores 2
vector tensor_copy dst=sbuf[0:128]@0:f32(256:1) src=sbuf[0:128]@4096:f32(512:1)
