// Pipeline inputs shared by the pipeline-schedule tests: fixed task times per model chunk, uneven
// across chunks, without the train layer's cost models.
#pragma once

#include "trnsim/train/pipeline.h"

namespace trnsim::train::testing {

// DualPipeV on `pp` stages with `m` micro-batches: forwards, backwards (weight-gradient part 250 us)
// and what a task without a partner adds, 20 us between stages.
inline PipelineInput dualpipe_v_input(int pp, int64_t m) {
  PipelineInput in;
  in.pp = pp;
  in.virtual_stages = 2;
  in.micro_batches = m;
  in.schedule = PipelineSchedule::kDualPipeV;
  for (int g = 0; g < 2 * pp; ++g) {
    in.fwd.push_back(Time::us(300 + 10 * (g % 3)));
    in.bwd.push_back(Time::us(700 + 20 * (g % 2)));
    in.fwd_alone.push_back(in.fwd.back() + Time::us(90));  // the all-to-alls a partner would hide
    in.bwd_alone.push_back(in.bwd.back() + Time::us(150));
    in.wgt.push_back(Time::us(250));
  }
  in.p2p = Time::us(20);
  return in;
}

}  // namespace trnsim::train::testing
