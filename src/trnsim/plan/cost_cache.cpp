#include "trnsim/plan/cost_cache.h"

#include <bit>
#include <functional>

namespace trnsim::plan {
namespace {

int64_t bits(double v) { return std::bit_cast<int64_t>(v); }

}  // namespace

size_t CostCache::KeyHash::operator()(const Key& k) const {
  uint64_t h = 1469598103934665603ull;
  for (int64_t v : {k.a, k.b, k.c, k.d, k.e, k.f, k.g}) {
    h ^= static_cast<uint64_t>(v) + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  }
  return static_cast<size_t>(h);
}

CostCache::CostCache(const hw::SystemSpec& system, const cost::CostOptions& options) {
  ops_ = cost::make_cost_model(system, options);
  net_ = std::make_unique<net::NetworkModel>(system);
}

CostCache::~CostCache() = default;

template <typename Compute>
Time CostCache::lookup(std::unordered_map<Key, Time, KeyHash>& map, const Key& key, Compute&& compute) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = map.find(key); it != map.end()) {
      ++hits_;
      return it->second;
    }
  }
  const Time t = compute();  // outside mu_: a NeuronCore kernel simulation can take a while
  std::lock_guard<std::mutex> lock(mu_);
  ++misses_;
  map.emplace(key, t);
  return t;
}

// The cost models read an op's kind, shape, traffic, precision and whether its weights are frozen
// (LoRA: no weight gradient), never its name.
static_assert(static_cast<int>(model::OpKind::kLoss) < 16);
CostCache::Key CostCache::op_key(const model::Op& op) {
  const int64_t head =
      static_cast<int64_t>(op.kind) | (op.in_matmul_precision ? 16 : 0) | (op.frozen ? 32 : 0) | (op.batch << 6);
  return Key{head, op.m, op.n, op.k, bits(op.flops), bits(op.bytes), bits(op.bwd_bytes)};
}

Time CostCache::forward(const model::Op& op) {
  const Key k = op_key(op);
  return lookup(fwd_, k, [&] {
    std::lock_guard<std::mutex> lock(backend_mu_);
    return ops_->forward(op);
  });
}

Time CostCache::backward(const model::Op& op) {
  const Key k = op_key(op);
  return lookup(bwd_, k, [&] {
    std::lock_guard<std::mutex> lock(backend_mu_);
    return ops_->backward(op);
  });
}

Time CostCache::memory_bound(double bytes) {
  return lookup(mem_, Key{bits(bytes)}, [&] {
    std::lock_guard<std::mutex> lock(backend_mu_);
    return ops_->memory_bound(bytes);
  });
}

Time CostCache::time(net::CollectiveKind kind, double bytes, const net::Group& g) {
  if (g.size <= 1 || bytes <= 0) return Time();
  const int64_t b = static_cast<int64_t>(bytes);
  // NetworkModel::collective is const and keeps no state: no backend lock.
  return lookup(coll_, Key{static_cast<int64_t>(kind), b, g.size, g.stride},
                [&] { return net_->collective(kind, b, g).time; });
}

CostCache::Counts CostCache::counts() const {
  std::lock_guard<std::mutex> lock(mu_);
  Counts c;
  c.op_entries = static_cast<int64_t>(fwd_.size() + bwd_.size() + mem_.size());
  c.collective_entries = static_cast<int64_t>(coll_.size());
  c.hits = hits_;
  c.misses = misses_;
  return c;
}

}  // namespace trnsim::plan
