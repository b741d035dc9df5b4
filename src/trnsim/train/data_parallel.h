// Data-parallel synchronisation of a step's parameters and gradients: gradient reductions in
// buckets behind the backwards, ZeRO's parameter gathers, and ZeRO-3's exposed edges, shared by
// the step simulation and the planner (train/step_parts.h).
#pragma once

#include <vector>

#include "trnsim/base/units.h"
#include "trnsim/net/collective.h"
#include "trnsim/train/layout.h"
#include "trnsim/train/pipeline.h"
#include "trnsim/train/plan.h"
#include "trnsim/train/step_parts.h"

namespace trnsim::train {

struct StageDp {
  Time exposed;               // gradient reduction after the stage's last backward
  Time param_gather_exposed;  // ZeRO-1/2 parameter all-gather after the optimizer
};

// A data-parallel collective of the dense parameters' bytes over their replicas and the experts'
// over theirs.
Time over_dp(CollectiveTimer& timer, const GroupLayout& g, net::CollectiveKind k, double dense_bytes, double expert_bytes);

// The reduction of the gradients of the parameters `held` trains (Part::trained_dense and
// trained_expert), at `bytes_per` bytes per gradient.
Time reduce_grads(CollectiveTimer& timer, const GroupLayout& g, net::CollectiveKind k, const Part& held,
                  double bytes_per);

// The all-gather of the parameters `held` holds: in the parameter type, the linear layers' weights
// in 1 byte under fp8 parameters.
Time gather_params(CollectiveTimer& timer, const GroupLayout& g, const Part& held, const ParallelPlan& p);

// A chunk's gradients are reduced in buckets during its last backward, as Megatron and FSDP do:
// the reduction starts with that backward and cannot end before the backward's last bucket has
// been reduced. One network carries the chunks' reductions in the order their backwards end, so
// with interleaved pipelines the early chunks hide behind the later ones. ZeRO-1/2 gather the
// updated parameters the same way before each chunk's first forward of the next step; whatever
// is not ready delays the whole step. The compute they hide behind slows by `slowdown` meanwhile.
// ZeRO-3 gathered once per step (ParallelPlan::zero3_once_per_step) gathers the same way, and
// reduce-scatters a chunk's gradients only after its last backward has ended. ZeRO-2 reduces in
// every micro-batch's backward (chunk_parts); only its last bucket is left here.
// Without dp_overlap the reductions all follow the stage's last task and each gather must be
// done before its chunk's first forward.
StageDp data_parallel(const ParallelPlan& p, CollectiveTimer& timer, const GroupLayout& g,
                      const std::vector<const Part*>& chunks, const StageTimes& st, double slowdown);

// ZeRO-3's edges of the step, which the chunks' per-micro-batch overlap leaves out: the gathers of
// each stage's first unit are issued at the step's start, and whatever is not ready by its first
// forward delays the whole step (the same for every stage, so finish_step computes it once as
// `lead`); a stage's last reduce-scatter, of its first chunk's first unit, follows that chunk's
// last backward (exposed). In between, the next micro-batch's gathers hide behind the work
// before them.
Time zero3_lead(const std::vector<Part>& chunks, const std::vector<StageTimes>& stages);

// Stage `s`'s ZeRO-3 edges: the step's `lead`, and what its last reduce-scatter runs past the
// stage's last task.
StageDp zero3_edges(const std::vector<Part>& chunks, const std::vector<StageTimes>& stages, int s, Time lead);

}  // namespace trnsim::train
