program all_instructions
input x bf16[128,512]
input w fp8e4m3[256,128]
output y f32[128,512]
scratch t f32[64,64]
semaphores 4

dma.q0 dma_copy dst=sbuf[0:128]@0:bf16(512:1) src=hbm:x@0:bf16(128:512,512:1) signal=s0
dma.q1 dma_copy dst=sbuf[0:128]@1024:fp8e4m3(2:128,128:1) src=hbm:w@0:fp8e4m3(128:256,256:1) signal=s1
dma.q2 dma_transpose dst=sbuf[0:64]@2048:f32(64:1) src=hbm:t@0:f32(64:64,64:1)
tensor nc_matmul dst=psum[0:128]@0:f32(512:1) stationary=sbuf[0:128]@0:bf16(128:1) moving=sbuf[0:128]@0:bf16(512:1) wait=s0>=1
tensor nc_matmul dst=psum[0:128]@2048:f32(128:1) stationary=sbuf[0:128]@1024:fp8e4m3(2:128,128:1) moving=sbuf[0:128]@1024:fp8e4m3(2:128,128:1) accumulate=true double_row=true wait=s1>=1
tensor nc_transpose dst=psum[0:128]@4096:bf16(128:1) src=sbuf[0:128]@0:bf16(128:1) signal=s2
vector nc_transpose dst=sbuf[0:32]@4096:f32(32:1) src=sbuf[0:32]@8192:f32(32:1)
scalar activation dst=sbuf[0:128]@16384:f32(512:1) src=psum[0:128]@0:f32(512:1) func=gelu_tanh scale=0.125 bias=sbuf[0:128]@20480:f32(1:1) wait=s2>=1
scalar activation_reduce dst=sbuf[0:128]@16384:bf16(4:128,128:1) src=sbuf[0:128]@16384:f32(512:1) func=exp scale=sbuf[0:128]@20484:f32(1:1) reduce=sbuf[0:128]@20488:f32(1:1)
vector tensor_tensor dst=sbuf[0:128]@24576:f32(512:1) a=psum[0:128]@0:f32(512:1) b=sbuf[0:128]@16384:f32(512:1) op=subtract
gpsimd tensor_tensor dst=sbuf[0:64]@24576:f32(256:2) a=sbuf[64:128]@0:f32(256:1) b=sbuf[0:64]@1020:f32(256:-1) op=pow
scalar tensor_scalar dst=sbuf[0:128]@32768:bf16(512:1) src=sbuf[0:128]@24576:f32(512:1) op0=multiply s0=0.33333334 op1=add s1=sbuf[0:128]@20480:f32(1:1)
vector tensor_scalar dst=sbuf[0:32]@32768:f32(8:1) src=sbuf[32:64]@0:f32(8:1) op0=max s0=-inf op1=bypass s1=0
vector scalar_tensor_tensor dst=sbuf[0:128]@40960:f32(512:1) a=sbuf[0:128]@24576:f32(512:1) b=sbuf[0:128]@16384:f32(512:1) op0=divide scalar=1e-30 op1=is_ge
vector tensor_reduce dst=sbuf[0:128]@49152:f32(1:1) src=sbuf[0:128]@24576:f32(2:256,256:1) op=max negate=true
vector tensor_reduce dst=sbuf[0:128]@49156:f32(1:1) src=sbuf[0:128]@24576:f32(512:1) op=add
gpsimd tensor_copy dst=sbuf[0:128]@53248:i32(16:1) src=sbuf[0:128]@57344:i32(16:1)
vector tensor_copy dst=sbuf[0:128]@53248:fp8e5m2(512:1) src=psum[0:128]@0:f32(512:1)
vector memset dst=sbuf[96:128]@0:f16(1:0,2:1,2:1,2:1) value=-0
gpsimd memset dst=sbuf[0:128]@61440:f32(64:1) value=3.1415927
gpsimd iota dst=sbuf[0:128]@65536:i32(4:64,64:1) expr=0+1*p-64*i0+1*i1
gpsimd iota dst=sbuf[0:128]@69632:f32(64:1) expr=-7
gpsimd affine_select dst=sbuf[0:128]@73728:f32(128:1) src=sbuf[0:128]@24576:f32(128:1) expr=0+1*p-1*i0 cmp=is_ge fill=-3.4028235e+38
vector bn_stats dst=sbuf[0:128]@77824:f32(3:1) src=sbuf[0:128]@24576:f32(512:1)
vector bn_aggr dst=sbuf[0:128]@77836:f32(2:1) src=sbuf[0:128]@77824:f32(3:1)
vector reciprocal dst=sbuf[0:128]@81920:f32(512:1) src=sbuf[0:128]@24576:f32(512:1)
gpsimd random dst=sbuf[0:128]@90112:f32(512:1)
vector dropout dst=sbuf[0:128]@98304:f32(512:1) src=sbuf[0:128]@90112:f32(512:1) prob=0.1
vector sem_signal sem=s3 add=2
scalar sem_wait sem=s3 value=2
gpsimd barrier
dma.q15 dma_copy dst=hbm:y@0:f32(128:512,512:1) src=sbuf[0:128]@24576:f32(512:1) wait=s2>=1 wait=s3>=2 signal=s3
