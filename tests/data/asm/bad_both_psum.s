# expect: tensor_tensor inputs a and b are both in PSUM
# kind: verify
program k
input x bf16[128,512]
output y f32[128,512]
semaphores 2
vector tensor_tensor dst=sbuf[0:128]@0:f32(512:1) a=psum[0:128]@0:f32(512:1) b=psum[0:128]@2048:f32(512:1) op=add
