# expect: N = 1024 (moving free size) exceeds moving_fmax 512
# kind: verify
program k
input x bf16[128,512]
output y f32[128,512]
semaphores 2
tensor nc_matmul dst=psum[0:128]@0:f32(1024:1) stationary=sbuf[0:128]@0:bf16(128:1) moving=sbuf[0:128]@0:bf16(1024:1)
