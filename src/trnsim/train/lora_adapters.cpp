#include "trnsim/train/lora_adapters.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "trnsim/train/step_parts.h"

namespace trnsim::train {
namespace {

using net::CollectiveKind;

// A rank-r GEMM. Not model's matmul_op: A's share of r may be a fraction of a column (r below tp),
// which still takes a kernel one column wide.
model::Op matmul(std::string name, double m, double n, double k, double batch, double d) {
  model::Op op;
  op.name = std::move(name);
  op.m = static_cast<int64_t>(std::ceil(m));
  op.n = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(n)));
  op.k = static_cast<int64_t>(k);
  op.batch = static_cast<int64_t>(batch);
  op.flops = 2.0 * m * n * k * batch;
  op.bytes = d * batch * (m * k + k * n + m * n);
  op.weight_params = batch * k * n;
  op.in_matmul_precision = false;  // the adapters' linears are Megatron's, not Transformer Engine's fp8 ones
  return op;
}

// An element-wise pass over `elements` moving `bytes_per_element` forward and `bwd_bytes` in all
// backward.
model::Op pass(std::string name, double elements, double bytes_per_element, double bwd_bytes) {
  model::Op op;
  op.name = std::move(name);
  op.kind = model::OpKind::kElementwise;
  op.m = static_cast<int64_t>(std::ceil(elements));
  op.n = 1;
  op.flops = elements;
  op.bytes = elements * bytes_per_element;
  op.bwd_bytes = bwd_bytes;
  return op;
}

}  // namespace

AdapterWork adapter_work(const model::Op& op, const ParallelPlan& p) {
  AdapterWork w;
  if (p.lora_rank <= 0 || (lora_target_of(op) & p.lora_targets) == 0) return w;
  const bool routed = model::is_routed_expert(op);
  const LinearSplit split = linear_split(op);
  const bool column = split != LinearSplit::kRow;
  const double s = split == LinearSplit::kReplicated ? 1 : routed ? p.etp() : p.tp;
  // Collectives only beside layers tensor parallelism splits; routed experts' adapters work on
  // the expert's own tokens, which the dispatcher already moved.
  const bool comm = s > 1 && !routed;
  const bool sp = comm && p.sequence_parallel;
  const double d = p.param_bytes(), r = p.lora_rank, b = static_cast<double>(op.batch);
  const double m = static_cast<double>(op.m), k = static_cast<double>(op.k), n = static_cast<double>(op.n);
  // Beside a column-parallel layer under sequence parallelism, Transformer Engine hands the
  // adapter the norm's output gathered, except under tensor-parallel overlap, where the adapter
  // gathers its sequence shard itself (NeMo 24.09 mcore_mixins.py, Megatron-Bridge
  // get_adapter_attributes_from_linear: return_layernorm_output_gathered).
  const bool own_gather = column && sp && p.tp_overlap;
  const double in_elems = b * (own_gather ? m / s : m) * k;
  // The adapter's output as it joins the base layer's: a row-parallel layer's, back on the
  // sequence split under sequence parallelism, else whole.
  const double out_elems = b * (column ? m * n : sp ? m * n / s : m * n);
  // Dropout reads its input and writes its output and 1-byte mask; backward reads the gradient
  // and the mask and writes the gradient.
  if (p.lora_dropout > 0) w.ops.push_back(pass("lora_dropout", in_elems, 2 * d + 1, (2 * d + 1) * in_elems));
  w.ops.push_back(column ? matmul("lora_a", m, r / s, k, b, d) : matmul("lora_a", m, r, k, b, d));
  w.ops.push_back(column ? matmul("lora_b", m, n, r, b, d) : matmul("lora_b", m, n / s, r, b, d));
  w.ops.push_back(pass("lora_scale", out_elems, 2 * d, 2 * d * out_elems));
  // Forward: the base output plus the adapter's; backward: the base input gradient plus the
  // adapter's.
  w.ops.push_back(pass("lora_sum", out_elems, 3 * d, 3 * d * in_elems));
  // A's input (whole rows: gathered beside a column-parallel layer), B's input and the mask. The
  // output projection's input without dropout is the attention output, which flash attention
  // keeps anyway.
  const bool shares_input = !column && p.lora_dropout <= 0 && op.name == "out_proj" && p.flash_attention;
  w.saved_bytes = (shares_input ? 0 : d * b * m * k) + d * b * m * r + (p.lora_dropout > 0 ? in_elems : 0);
  if (!comm) return w;
  auto add = [&](CollectiveKind kind, double bytes, bool backward) { w.comms.push_back({kind, bytes, backward}); };
  // A's rank-r output: gathered beside a column-parallel layer (A splits r), reduced beside a
  // row-parallel one (A splits its inputs); B's input gradient reduced (B splits its outputs).
  add(column ? CollectiveKind::kAllGather : CollectiveKind::kAllReduce, d * m * r, false);
  add(CollectiveKind::kAllReduce, d * m * r, true);
  if (column) {
    if (own_gather) {
      add(CollectiveKind::kAllGather, d * m * k, false);
      add(CollectiveKind::kReduceScatter, d * m * k, true);
    } else if (!sp) {
      add(CollectiveKind::kAllReduce, d * m * k, true);  // A's input gradient, partial over r
    }
  } else if (sp && p.lora_a2a) {
    add(CollectiveKind::kAllToAll, d * m * n / s, false);
    add(CollectiveKind::kAllToAll, d * m * n / s, true);
  } else {
    // B's output gathered whole, then split to the sequence shard under sequence parallelism
    // (whose backward gathers the gradient).
    add(CollectiveKind::kAllGather, d * m * n, false);
    if (sp) add(CollectiveKind::kAllGather, d * m * n, true);
  }
  return w;
}

AdapterTimes adapter_times(const std::vector<model::Op>& layer_ops, const ParallelPlan& p, const net::Group& tp,
                           cost::OpCostModel& cost, CollectiveTimer& timer) {
  AdapterTimes t;
  if (p.lora_rank <= 0) return t;
  for (const model::Op& op : layer_ops) {
    const AdapterWork w = adapter_work(op, p);
    for (const model::Op& a : w.ops) {
      const Time f = cost.forward(a), bwd = cost.backward(a);
      t.fwd += f;
      t.bwd += bwd;
      if (a.kind == model::OpKind::kMatmul) {
        model::Op dgrad = a;
        dgrad.frozen = true;
        t.wgrad += std::max(Time(), bwd - cost.backward(dgrad));
      }
      t.flops += 3.0 * a.flops;
    }
    for (const AdapterComm& c : w.comms) (c.backward ? t.comm_bwd : t.comm_fwd) += timer.time(c.kind, c.bytes, tp);
  }
  return t;
}

double adapter_saved_bytes(const std::vector<model::Op>& layer_ops, const ParallelPlan& p, model::Recompute r) {
  if (p.lora_rank <= 0 || r == model::Recompute::kFull) return 0;
  double bytes = 0;
  for (const model::Op& op : layer_ops) bytes += adapter_work(op, p).saved_bytes;
  return bytes;
}

}  // namespace trnsim::train
