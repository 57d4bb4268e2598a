#pragma once
// Field problems gathered while reading one input, so that the answer names every field that
// needs attention at once instead of stopping at the first. Thread-compatible.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/result.h"

namespace rapport {

// kInvalidArgument with `fields`, whose message is `lead` followed by each "field message"
// (or the message alone where the field is empty), joined by "; ".
Error InvalidFields(std::string_view lead, std::vector<FieldError> fields);

class FieldProblems {
 public:
  void Add(std::string field, std::string message) {
    fields_.push_back({std::move(field), std::move(message)});
  }
  // Keeps the field problems of a failed result; a success adds nothing.
  template <typename T>
  void Take(const Result<T>& result) {
    if (!result)
      fields_.insert(fields_.end(), result.error().fields.begin(), result.error().fields.end());
  }
  bool Empty() const { return fields_.empty(); }
  std::size_t Size() const { return fields_.size(); }
  const std::vector<FieldError>& Fields() const { return fields_; }

  // InvalidFields(lead, the problems); the collector is empty afterwards.
  Error ToError(std::string_view lead);
  // Ok() when there is no problem, otherwise Fail(ToError(lead)).
  Status Verdict(std::string_view lead);

 private:
  std::vector<FieldError> fields_;
};

}  // namespace rapport
