# expect: vector cannot access HBM
# kind: verify
program k
input x bf16[128,512]
output y f32[128,512]
semaphores 2
vector tensor_copy dst=sbuf[0:128]@0:bf16(512:1) src=hbm:x@0:bf16(128:512,512:1)
