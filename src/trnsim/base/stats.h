// A tree of named statistics that mirrors the components that produced them; it turns into JSON.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace trnsim {

class StatsTree {
 public:
  using Value = std::variant<int64_t, double, std::string>;

  // Child group by name, created on first use; children keep insertion order.
  StatsTree& group(const std::string& name);
  void set(const std::string& name, Value v);
  void add(const std::string& name, int64_t delta);
  const Value* get(const std::string& name) const;
  const StatsTree* find_group(const std::string& name) const;

  nlohmann::json to_json() const;

 private:
  std::vector<std::pair<std::string, Value>> values_;
  std::vector<std::pair<std::string, std::unique_ptr<StatsTree>>> groups_;
};

}  // namespace trnsim
