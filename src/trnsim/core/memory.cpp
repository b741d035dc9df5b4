#include "trnsim/core/memory.h"

#include <string>

#include "trnsim/base/error.h"
#include "trnsim/numerics/convert.h"

namespace trnsim::core {

OnChipMemory::OnChipMemory(int partitions, int64_t partition_bytes, bool allocate)
    : partitions_(partitions), partition_bytes_(partition_bytes) {
  if (!allocate) return;
  data_.reset(static_cast<uint8_t*>(std::calloc(static_cast<size_t>(partitions) * static_cast<size_t>(partition_bytes), 1)));
  if (!data_) throw Error(ErrorKind::kCapacity, "host memory", "cannot allocate the simulated on-chip memory",
                          "free host memory or use timing mode");
}

HbmImage::HbmImage(const isa::Program& program, bool allocate)
    : tensors_(program.tensors), buffers_(program.tensors.size()), allocated_(allocate) {
  if (!allocate) return;
  for (size_t i = 0; i < tensors_.size(); ++i) buffers_[i].assign(static_cast<size_t>(tensors_[i].bytes()), 0);
}

namespace {

void check_access(const HbmImage& image, int tensor, const char* what) {
  const std::string where = std::string("HbmImage::") + what;
  if (tensor < 0 || tensor >= image.count()) {
    throw input_error(where, "tensor index " + std::to_string(tensor) + " out of range [0, " +
                                 std::to_string(image.count()) + ")",
                      "use Program::find_tensor to look the tensor up by name");
  }
  if (!image.allocated()) {
    throw input_error(where, "the HBM image of tensor '" + image.info(tensor).name + "' holds no data",
                      "construct the HbmImage with allocate = true (functional mode)");
  }
}

}  // namespace

void HbmImage::write_f32(int tensor, const std::vector<float>& values) {
  check_access(*this, tensor, "write_f32");
  const isa::HbmTensor& t = tensors_[tensor];
  if (static_cast<int64_t>(values.size()) != t.elems()) {
    throw input_error("HbmImage::write_f32", "tensor '" + t.name + "' has " + std::to_string(t.elems()) +
                          " elements but " + std::to_string(values.size()) + " values were given",
                      "pass exactly one value per element, row-major");
  }
  numerics::store_f32(t.dtype, values.data(), buffers_[tensor].data(), values.size());
}

std::vector<float> HbmImage::read_f32(int tensor) const {
  check_access(*this, tensor, "read_f32");
  const isa::HbmTensor& t = tensors_[tensor];
  std::vector<float> out(static_cast<size_t>(t.elems()));
  numerics::load_f32(t.dtype, buffers_[tensor].data(), out.data(), out.size());
  return out;
}

}  // namespace trnsim::core
