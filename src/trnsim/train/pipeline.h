// A pipeline-parallel schedule (GPipe, 1F1B, interleaved 1F1B, ZB-H1, ZB-V, DualPipeV) of one training step, run on the
// event kernel: one representative rank per stage executes its forward and backward chunk tasks
// in the schedule's order, each starting when its stage is free and its input has arrived from
// the neighbouring stage.
#pragma once

#include <cstdint>
#include <vector>

#include "trnsim/base/units.h"
#include "trnsim/train/pipeline_order.h"
#include "trnsim/train/plan.h"

namespace trnsim::train {

struct PipelineInput {
  int pp = 1, virtual_stages = 1;
  int64_t micro_batches = 1;
  int64_t group = 0;  // interleaved 1F1B's micro-batches per group (ParallelPlan::group); 0: pp
  int extra_warmup = 0;  // ParallelPlan::extra_warmup
  PipelineSchedule schedule = PipelineSchedule::kNone;
  std::vector<Time> fwd, bwd;  // per model chunk g in pipeline order (plan.h global_chunk), per micro-batch
  // The same for a task that runs alone (pipeline_order.h); empty: as fwd and bwd.
  std::vector<Time> fwd_alone, bwd_alone;
  // Of bwd, the weight-gradient GEMMs that ZB-H1, ZB-V and DualPipeV run as a task of their own
  // (W); the rest is its input-gradient task (B). Per model chunk; read where splits_backward only.
  std::vector<Time> wgt;
  Time p2p;                    // activations (or their gradients) from one stage to the next
  // Sends hold the stage: a task that sends its output (a forward before the last chunk, a
  // backward after the first) ends when the transfer does, and the receiver may start then
  // (Megatron's blocking send-and-receive pairs). Off: the stage runs on while the output travels.
  bool blocking_p2p = false;
  // The V's turn (chunks pp - 1 and pp) crosses between two ranks: DualPipe folded (ParallelPlan::
  // mirrored). Off: it stays on the last stage.
  bool turn_apart = false;

  // The model chunk that stage s's task `u` runs (plan.h global_chunk).
  int chunk_of(const PipelineUnit& u, int s) const { return global_chunk(schedule, pp, u.chunk, s); }
  // Whether chunks g and h sit on different ranks (in a V, the turn stays on one unless turn_apart).
  bool apart(int g, int h) const {
    return chunk_stage(schedule, pp, g) != chunk_stage(schedule, pp, h) || (turn_apart && g != h);
  }
  // The blocking send that ends global chunk g's task `u`: p2p where the task sends its output
  // to another stage (a forward before the last chunk, a backward after the first), else zero.
  Time send(const PipelineUnit& u, int g) const {
    const bool sends = u.forward ? g + 1 < pp * virtual_stages && apart(g, g + 1) : !u.weight && g > 0 && apart(g, g - 1);
    return blocking_p2p && sends ? p2p : Time();
  }
  // The task whose output global chunk g's task `u` waits for: the previous chunk's forward, the
  // next chunk's backward, or on the last chunk its own forward; none (chunk -1) for the first
  // chunk's forwards and for weight-gradient tasks, whose B ran earlier on the stage.
  struct Input {
    int chunk = -1;
    bool forward = true;
  };
  Input input_of(const PipelineUnit& u, int g) const {
    if (u.weight || (u.forward && g == 0)) return {};
    if (u.forward) return {g - 1, true};
    return g == pp * virtual_stages - 1 ? Input{g, true} : Input{g + 1, false};
  }
  // From the end of chunk `from`'s task to its output's arrival at chunk `to`: zero on one stage,
  // or once the send held the task.
  Time travel(int from, int to) const { return blocking_p2p || !apart(from, to) ? Time() : p2p; }
  // How long global chunk g's task `u` holds its stage.
  Time duration(const PipelineUnit& u, int g) const {
    if (u.weight) return wgt[g];
    const std::vector<Time>& alone = u.forward ? fwd_alone : bwd_alone;
    const Time split = !u.forward && !u.whole && splits_backward(schedule) ? wgt[g] : Time();
    return (!u.paired && !alone.empty() ? alone[g] : (u.forward ? fwd : bwd)[g]) - split + send(u, g);
  }
  // Whether task `u` completes its chunk's gradients for this micro-batch: the backward, or
  // under a splitting schedule its weight-gradient task or a backward kept whole.
  bool ends_gradients(const PipelineUnit& u) const {
    return splits_backward(schedule) ? u.weight || (!u.forward && u.whole) : !u.forward;
  }
};

struct PipelineTask {
  int stage = 0, chunk = 0;  // global chunk
  int64_t micro_batch = 0;
  bool forward = true;
  bool weight = false;  // ZB-H1's weight-gradient task
  Time start, end;
  Time send;  // the blocking send that ends the task (PipelineInput::blocking_p2p), else zero
};

// When one of a stage's chunks first runs forward and last runs backward: the windows that
// data-parallel parameter gathers and gradient reductions of that chunk can hide behind.
struct ChunkWindow {
  Time first_fwd_start, first_fwd_end, last_bwd_start, last_bwd_end;
};

struct StageTimes {
  // A stage of `chunks` local chunks before any task has run.
  explicit StageTimes(int chunks = 0) : chunks(static_cast<size_t>(chunks)) {}

  Time end;                         // end of the stage's last task
  Time busy;                        // sum of its task durations
  std::vector<ChunkWindow> chunks;  // per local chunk (0 .. virtual_stages - 1)
  Time sends;                       // of busy, blocking sends (PipelineInput::blocking_p2p)
};

struct PipelineResult {
  Time end;                         // last task of any stage
  std::vector<StageTimes> stages;
  std::vector<PipelineTask> tasks;  // when asked for
};

PipelineResult run_pipeline(const PipelineInput& in, bool keep_tasks);

}  // namespace trnsim::train
