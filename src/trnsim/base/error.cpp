#include "trnsim/base/error.h"

namespace trnsim {
namespace {
std::string compose(const std::string& where, const std::string& message, const std::string& hint) {
  std::string s = where.empty() ? message : where + ": " + message;
  if (!hint.empty()) s += " (fix: " + hint + ")";
  return s;
}
}  // namespace

int exit_code_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kInput: return 2;
    case ErrorKind::kVerify: return 3;
    case ErrorKind::kCapacity: return 4;
    case ErrorKind::kRuntime: return 5;
  }
  return 1;
}

Error::Error(ErrorKind kind, std::string where, std::string message, std::string hint)
    : std::runtime_error(compose(where, message, hint)),
      kind_(kind),
      where_(std::move(where)),
      message_(std::move(message)),
      hint_(std::move(hint)) {}

}  // namespace trnsim
