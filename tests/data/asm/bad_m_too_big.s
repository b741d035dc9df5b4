# expect: M = 256 (stationary free size) exceeds the 128 columns
# kind: verify
program k
input x bf16[128,512]
output y f32[128,512]
semaphores 2
tensor nc_matmul dst=psum[0:128]@0:f32(512:1) stationary=sbuf[0:128]@0:bf16(256:1) moving=sbuf[0:128]@0:bf16(512:1)
