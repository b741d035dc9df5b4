# expect: TensorE writes only PSUM, but dst sbuf
# kind: verify
program k
input x bf16[128,512]
output y f32[128,512]
semaphores 2
tensor nc_matmul dst=sbuf[0:128]@0:f32(512:1) stationary=sbuf[0:128]@0:bf16(128:1) moving=sbuf[0:128]@0:bf16(512:1)
