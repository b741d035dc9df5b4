# expect: unknown ALU operation 'plus'
# kind: input
program k
input x bf16[128,512]
output y f32[128,512]
semaphores 2
vector tensor_tensor dst=sbuf[0:128]@0:f32(512:1) a=sbuf[0:128]@0:f32(512:1) b=sbuf[0:128]@0:f32(512:1) op=plus
