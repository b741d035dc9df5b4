#include "trnsim/base/stats.h"

#include <nlohmann/json.hpp>

namespace trnsim {

StatsTree& StatsTree::group(const std::string& name) {
  for (auto& [n, g] : groups_) {
    if (n == name) return *g;
  }
  groups_.emplace_back(name, std::make_unique<StatsTree>());
  return *groups_.back().second;
}

void StatsTree::set(const std::string& name, Value v) {
  for (auto& [n, val] : values_) {
    if (n == name) {
      val = std::move(v);
      return;
    }
  }
  values_.emplace_back(name, std::move(v));
}

void StatsTree::add(const std::string& name, int64_t delta) {
  for (auto& [n, val] : values_) {
    if (n == name) {
      if (auto* p = std::get_if<int64_t>(&val)) *p += delta;
      return;
    }
  }
  values_.emplace_back(name, delta);
}

const StatsTree::Value* StatsTree::get(const std::string& name) const {
  for (const auto& [n, val] : values_) {
    if (n == name) return &val;
  }
  return nullptr;
}

const StatsTree* StatsTree::find_group(const std::string& name) const {
  for (const auto& [n, g] : groups_) {
    if (n == name) return g.get();
  }
  return nullptr;
}

nlohmann::json StatsTree::to_json() const {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [n, val] : values_) {
    std::visit([&](const auto& x) { j[n] = x; }, val);
  }
  for (const auto& [n, g] : groups_) j[n] = g->to_json();
  return j;
}

}  // namespace trnsim
