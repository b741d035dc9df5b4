// Op and collective times shared by every plan of a search. A plan search asks the same questions
// thousands of times (the forward time of a [4096 x 8192] @ [8192 x 1280] matmul, the time of a
// 64 MiB all-gather over 8 ranks of stride 1): each is answered once by the cost model (cost/) or
// the network model (net/) and kept. Safe to call from many threads; every answer is a pure
// function of its key, so what a search returns does not depend on which thread asked first.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "trnsim/base/units.h"
#include "trnsim/cost/op_cost.h"
#include "trnsim/hw/system_spec.h"
#include "trnsim/model/ops.h"
#include "trnsim/net/collective.h"
#include "trnsim/train/step_parts.h"

namespace trnsim::plan {

// Both interfaces the step's parts take (train/step_parts.h), with a cache in front.
class CostCache : public cost::OpCostModel, public train::CollectiveTimer {
 public:
  // `options` as the step builds them for the base plan (train::cost_options).
  CostCache(const hw::SystemSpec& system, const cost::CostOptions& options);
  ~CostCache() override;

  Time forward(const model::Op& op) override;
  Time backward(const model::Op& op) override;
  Time memory_bound(double bytes) override;
  double overlap_slowdown() const override { return ops_->overlap_slowdown(); }
  std::string name() const override { return "cached " + ops_->name(); }
  // As train/ counts it: nothing for a group of one or no bytes; bytes truncated to an integer.
  Time time(net::CollectiveKind kind, double bytes, const net::Group& group) override;
  int64_t ranks_per_domain() const override { return net_->ranks_per_domain(); }

  struct Counts {
    int64_t op_entries = 0, collective_entries = 0, hits = 0, misses = 0;
  };
  Counts counts() const;

 private:
  struct Key {
    int64_t a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, g = 0;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const;
  };
  static Key op_key(const model::Op& op);
  template <typename Compute>
  Time lookup(std::unordered_map<Key, Time, KeyHash>& map, const Key& key, Compute&& compute);

  std::unique_ptr<cost::OpCostModel> ops_;  // not thread-safe: misses take backend_mu_
  std::unique_ptr<net::NetworkModel> net_;
  mutable std::mutex mu_;       // the maps and counters
  std::mutex backend_mu_;       // the cost model
  std::unordered_map<Key, Time, KeyHash> fwd_, bwd_, mem_, coll_;
  int64_t hits_ = 0, misses_ = 0;
};

}  // namespace trnsim::plan
