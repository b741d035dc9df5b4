# expect: tensor 'x' has more than 2^44 elements
# kind: input
program k
input x bf16[4294967296,4294967296]
output y f32[128,512]
semaphores 2
