// The cost models by name, and the choice by accelerator family.
#include <sstream>

#include "trnsim/base/error.h"
#include "trnsim/cost/models.h"

namespace trnsim::cost {
namespace {

std::string number_text(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

// Another release's attention kernels: their times divided by `rate`, every other op unchanged.
class ReleaseAttention : public OpCostModel {
 public:
  ReleaseAttention(std::unique_ptr<OpCostModel> inner, double rate) : inner_(std::move(inner)), rate_(rate) {}
  Time forward(const model::Op& op) override { return scaled(op, inner_->forward(op)); }
  Time backward(const model::Op& op) override { return scaled(op, inner_->backward(op)); }
  Time memory_bound(double bytes) override { return inner_->memory_bound(bytes); }
  double overlap_slowdown() const override { return inner_->overlap_slowdown(); }
  std::string name() const override { return inner_->name() + "/attention_rate " + number_text(rate_); }

 private:
  Time scaled(const model::Op& op, Time t) const {
    return op.kind == model::OpKind::kAttention ? Time::from_seconds(t.seconds() / rate_) : t;
  }
  std::unique_ptr<OpCostModel> inner_;
  double rate_;
};

std::unique_ptr<OpCostModel> make_named(const std::string& name, const hw::SystemSpec& system, const CostOptions& opts) {
  std::string known;
  for (const auto& info : cost_model_registry()) {
    if (info.name == name) return info.make(system, opts);
    known += (known.empty() ? "" : ", ") + info.name;
  }
  throw input_error("cost model '" + name + "'", "is not a known cost model", "use one of: " + known);
}

}  // namespace

const std::vector<CostModelInfo>& cost_model_registry() {
  static const std::vector<CostModelInfo> models = {
      {"roofline", "GPU / TPU: roofline with calibrated size-dependent efficiency (configs/cost/<family>.yaml)",
       make_roofline_model},
      {"neuron", "Trainium: matmuls simulated as gemm kernels on the NeuronCore model, cached per shape",
       make_neuron_model},
  };
  return models;
}

std::unique_ptr<OpCostModel> make_cost_model(const hw::SystemSpec& system, const CostOptions& opts) {
  std::string name = opts.model;
  if (name.empty()) name = system.accel.family == hw::AcceleratorFamily::kTrainium ? "neuron" : "roofline";
  if (!(opts.attention_rate > 0)) {
    throw input_error("attention_rate", "is " + number_text(opts.attention_rate) + ", not a positive fraction",
                      "give the release's attention rate relative to the calibration, such as 0.6");
  }
  std::unique_ptr<OpCostModel> m = make_named(name, system, opts);
  return opts.attention_rate == 1.0 ? std::move(m) : std::make_unique<ReleaseAttention>(std::move(m), opts.attention_rate);
}

}  // namespace trnsim::cost
