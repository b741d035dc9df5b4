// The error policy: bad user input is an exception carrying context (where, what, how to fix).
// The library never exits; the command-line front end maps the kind to an exit code.
#pragma once

#include <stdexcept>
#include <string>

namespace trnsim {

enum class ErrorKind {
  kInput,     // malformed or invalid input: config, assembly, command line
  kVerify,    // a program breaks an ISA rule
  kCapacity,  // a memory overflows or an access is out of bounds
  kRuntime,   // the simulated program misbehaves at run time (deadlock, ...)
};

// Exit codes of the command-line tool, one per kind (0 is success).
int exit_code_for(ErrorKind kind);

class Error : public std::runtime_error {
 public:
  // where: the file / key path / instruction the problem is in; hint: how to fix it.
  Error(ErrorKind kind, std::string where, std::string message, std::string hint = {});
  ErrorKind kind() const { return kind_; }
  const std::string& where() const { return where_; }
  const std::string& message() const { return message_; }
  const std::string& hint() const { return hint_; }

 private:
  ErrorKind kind_;
  std::string where_, message_, hint_;
};

inline Error input_error(std::string where, std::string message, std::string hint = {}) {
  return Error(ErrorKind::kInput, std::move(where), std::move(message), std::move(hint));
}

}  // namespace trnsim
