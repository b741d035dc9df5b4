# expect: GpSimd cannot access PSUM
# kind: verify
program k
input x bf16[128,512]
output y f32[128,512]
semaphores 2
gpsimd tensor_copy dst=sbuf[0:128]@0:f32(512:1) src=psum[0:128]@0:f32(512:1)
