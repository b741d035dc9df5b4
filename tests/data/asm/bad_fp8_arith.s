# expect: tensor_tensor cannot read fp8 a
# kind: verify
program k
input x bf16[128,512]
output y f32[128,512]
semaphores 2
vector tensor_tensor dst=sbuf[0:128]@0:f32(512:1) a=sbuf[0:128]@4096:fp8e4m3(512:1) b=sbuf[0:128]@8192:f32(512:1) op=add
