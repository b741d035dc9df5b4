# expect: more than the 96.00 GiB of HBM
# kind: capacity
program too_big
input x bf16[262144,262144]
vector memset dst=sbuf[0:128]@0:f32(512:1) value=0
