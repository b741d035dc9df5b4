// The parts a training step is assembled from, shared by the full step simulation (step.h) and
// the planner's fast evaluator (plan/): per-layer work on the compute stream with the
// communication inside it, chunks of layers, the pipeline's input, data-parallel synchronisation,
// the optimizer and the step's figures. Op and collective times come through interfaces, so the
// planner can put caches in front of the cost and network models.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "trnsim/base/units.h"
#include "trnsim/cost/op_cost.h"
#include "trnsim/net/collective.h"
#include "trnsim/train/experiment.h"
#include "trnsim/train/layout.h"
#include "trnsim/train/pipeline.h"
#include "trnsim/train/step.h"

namespace trnsim::train {

// Times a collective of a symmetric group: nothing for a group of one or for no bytes.
class CollectiveTimer {
 public:
  virtual ~CollectiveTimer() = default;
  virtual Time time(net::CollectiveKind kind, double bytes, const net::Group& group) = 0;
  // Ranks in one scale-up domain of the network.
  virtual int64_t ranks_per_domain() const = 0;
};

class NetworkTimer : public CollectiveTimer {
 public:
  explicit NetworkTimer(const net::NetworkModel& net) : net_(net) {}
  Time time(net::CollectiveKind kind, double bytes, const net::Group& group) override;
  int64_t ranks_per_domain() const override { return net_.ranks_per_domain(); }

 private:
  const net::NetworkModel& net_;
};

// Compute and communication side by side: the longer of the two, where the compute slows by
// `slowdown` for as long as the communication runs beside it.
inline Time beside(Time compute, Time comm, double slowdown) {
  return max(comm, compute + Time::from_seconds(slowdown * std::min(compute, comm).seconds()));
}

// Work on a rank's compute stream for one micro-batch, and what is inside it.
struct Part {
  Time fwd, bwd;                   // everything on the compute stream
  Time tp, cp, ep, dp;             // exposed communication inside fwd + bwd, by kind (dp: ZeRO-3)
  Time recompute;                  // the recomputed forward inside bwd
  Time wgrad;                      // ZB-H1 plans only: of bwd, what its weight-gradient task runs
  Time offload;                    // activation transfers to and from the host that stall fwd + bwd
  Time host;                       // MoE host overhead (moe_host_overhead) the compute stream waits for
  // What a task without a partner micro-batch (pipeline_order.h) adds under ep_overlap, forward
  // and backward: the all-to-all it cannot hide, and the change in host wait (negative: the
  // longer exposed communication covers more of it). Inside neither fwd nor bwd.
  Time alone_ep_f, alone_ep_b, alone_host_f, alone_host_b;
  double saved_bytes = 0;          // activations one layer keeps for its backward (layer parts)
  double model_flops = 0;          // forward + backward FLOPs the rank runs (no recompute; replicated work included)
  double hardware_flops = 0;       // including recompute
  double dense_params = 0, expert_params = 0;  // held by this rank (LoRA adapters included)
  // Of those, what the rank trains (ParallelPlan::trained_params): its gradients, optimizer state
  // and data-parallel reductions.
  double trained_dense = 0, trained_expert = 0;
  // Of those, the linear layers' weights in the matmul precision (model::quantized_weights).
  double dense_quantized = 0, expert_quantized = 0;
  // ZeRO-3 (chunks only, once per step): the parameter gather of the chunk's first unit and the
  // gradient reduce-scatter of its last one in the backward, which no compute can hide.
  Time zero3_lead, zero3_tail;
  void add(const Part& o, int64_t n = 1);
};

// Copies of each token's hidden state one rank sends per expert all-to-all (dispatch or combine),
// as a multiple of one token's bytes spread evenly over the `ep` group: top_k for the all-to-all
// dispatcher; for the hierarchical one the expected distinct ranks hit inside one domain, or across
// domains the expected remote domains hit, scaled so the scale-out bytes match.
double dispatch_copies(const model::MoeSpec& moe, const ParallelPlan& p, const net::Group& ep, int64_t domain_ranks);

// Compute of `ops` (forward, backward, recompute) without communication.
Part ops_part(const std::vector<model::Op>& ops, bool recomputable, const ParallelPlan& p, cost::OpCostModel& cost);
// One layer: its ops plus the tensor-, context- and expert-parallel communication on the critical path.
Part layer_part(const model::ModelSpec& m, const std::vector<model::Op>& ops, bool moe, const ParallelPlan& p,
                cost::OpCostModel& cost, CollectiveTimer& timer);

// The parts of every kind of layer under one sharding: a layer with a dense FFN, an MoE layer
// (MoE models), the embedding and the head. Every layer of a kind costs the same.
struct LayerParts {
  Part dense, moe, embedding, head;
};
LayerParts layer_parts(const model::ModelSpec& m, const ParallelPlan& p, cost::OpCostModel& cost, CollectiveTimer& timer);

// Per global chunk (virtual index x pp + stage): its layers' parts, plus ZeRO-3's parameter
// gathers and gradient scatters where they do not hide behind the chunk's compute (which slows by
// the cost model's `overlap_slowdown` while they run beside it), and the step's leading gather
// and trailing scatter (Part::zero3_lead, zero3_tail) that finish_step charges.
// The first activation_offload_layers layers of each chunk send their saved activations to the
// host over `host_bw` (SystemSpec::host_link_bw_per_rank) while the next layer computes, and
// fetch them back while the layer after them runs its backward; copies that outlast that compute
// stall it.
std::vector<Part> chunk_parts(const model::ModelSpec& m, const ParallelPlan& p, const LayerParts& lp, CollectiveTimer& timer,
                              double overlap_slowdown, double host_bw);

// The pipeline schedule's input: chunk times and the activation transfer between stages.
PipelineInput pipeline_input(const model::ModelSpec& m, const ParallelPlan& p, const std::vector<Part>& chunks,
                             CollectiveTimer& timer);

// The step from the pipeline's per-stage times: each stage's exposed data-parallel
// synchronisation and optimizer, the slowest stage's breakdown, MFU, HFU and tokens/s. Leaves
// memory, fits, trace and sim_wall_s to the caller.
StepResult finish_step(const Experiment& e, const ParallelPlan& p, const std::vector<Part>& chunks,
                       const std::vector<StageTimes>& stages, cost::OpCostModel& cost, CollectiveTimer& timer);

}  // namespace trnsim::train
