#include "trnsim/io/op_report.h"

#include <cstdio>

namespace trnsim::io {
namespace {

const char* kind_name(model::OpKind k) {
  switch (k) {
    case model::OpKind::kMatmul: return "matmul";
    case model::OpKind::kAttention: return "attention";
    case model::OpKind::kElementwise: return "elementwise";
    case model::OpKind::kNorm: return "norm";
    case model::OpKind::kEmbedding: return "embedding";
    case model::OpKind::kLoss: return "loss";
  }
  return "?";
}

std::string shape(const model::Op& op) {
  if (op.kind != model::OpKind::kMatmul && op.kind != model::OpKind::kAttention) {
    return op.n > 1 ? std::to_string(op.m) + "x" + std::to_string(op.n) : std::to_string(op.m) + " elements";
  }
  std::string s = std::to_string(op.m) + "x" + std::to_string(op.n) + "x" + std::to_string(op.k);
  return op.batch > 1 ? std::to_string(op.batch) + " x " + s : s;
}

}  // namespace

std::string format_op_profile(const std::vector<train::OpTiming>& ops) {
  std::string out = "ops of one micro-batch on one rank (compute only: no communication, overlap or recompute)\n";
  char line[256];
  std::snprintf(line, sizeof line, "%-10s %-16s %-24s %10s %10s %9s %9s %9s %6s\n", "part", "op", "shape (m x n x k)",
                "GFLOP", "MB", "fwd ms", "bwd ms", "fwd TF/s", "share");
  out += line;
  for (size_t i = 0; i < ops.size();) {
    size_t end = i;
    double fwd = 0, bwd = 0;
    for (; end < ops.size() && ops[end].part == ops[i].part; ++end) {
      fwd += ops[end].fwd.seconds();
      bwd += ops[end].bwd.seconds();
    }
    const double part_s = fwd + bwd;
    for (size_t j = i; j < end; ++j) {
      const train::OpTiming& t = ops[j];
      const double f = t.fwd.seconds(), b = t.bwd.seconds();
      std::snprintf(line, sizeof line, "%-10s %-16s %-24s %10.3f %10.1f %9.4f %9.4f %9.1f %5.1f%%\n", t.part.c_str(),
                    t.op.name.c_str(), shape(t.op).c_str(), t.op.flops * 1e-9, t.op.bytes * 1e-6, f * 1e3, b * 1e3,
                    f > 0 ? t.op.flops / f * 1e-12 : 0.0, part_s > 0 ? 100.0 * (f + b) / part_s : 0.0);
      out += line;
    }
    std::snprintf(line, sizeof line, "%-10s %-16s %-24s %10s %10s %9.4f %9.4f\n", ops[i].part.c_str(), "total", "", "",
                  "", fwd * 1e3, bwd * 1e3);
    out += line;
    i = end;
  }
  return out;
}

nlohmann::json op_profile_json(const std::vector<train::OpTiming>& ops) {
  nlohmann::json rows = nlohmann::json::array();
  for (const train::OpTiming& t : ops) {
    rows.push_back({{"part", t.part}, {"op", t.op.name}, {"kind", kind_name(t.op.kind)}, {"m", t.op.m}, {"n", t.op.n},
                    {"k", t.op.k}, {"batch", t.op.batch}, {"flops", t.op.flops}, {"bytes", t.op.bytes},
                    {"bwd_bytes", model::backward_bytes(t.op)}, {"fwd_s", t.fwd.seconds()}, {"bwd_s", t.bwd.seconds()}});
  }
  return rows;
}

}  // namespace trnsim::io
