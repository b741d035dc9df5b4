# expect: dst is [64 x 512] but stationary^T @ moving is [128 x 512]
# kind: verify
program k
input x bf16[128,512]
output y f32[128,512]
semaphores 2
tensor nc_matmul dst=psum[0:64]@0:f32(512:1) stationary=sbuf[0:128]@0:bf16(128:1) moving=sbuf[0:128]@0:bf16(512:1)
