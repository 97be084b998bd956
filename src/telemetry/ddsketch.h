// DDSketch: a mergeable quantile sketch with relative-error guarantees (Masson, Rim, Lee,
// "DDSketch", VLDB 2019). For a relative accuracy alpha (default 1 %), every quantile it
// returns is within alpha of the true value of the same rank: |q' - q| <= alpha * q.
//
// Values must be >= 0 (latencies, token times, costs); zero is counted in its own bucket,
// negative or non-finite values are rejected by Add() and returned as false. Buckets are indexed
// by ceil(log_gamma(v)) with gamma = (1 + alpha) / (1 - alpha), stored densely between the
// lowest and highest index seen. Merging two sketches of the same alpha is exact (bucket-wise
// addition), associative and commutative.
//
// Thread safety: none; one sketch per owner.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace ballast::telemetry {

class DDSketch {
 public:
  explicit DDSketch(double relative_accuracy = 0.01);

  // Adds one value; false (and nothing added) if v < 0 or not finite.
  bool Add(double v);
  // Adds `other` into this sketch. Both must have the same relative accuracy (asserted).
  void Merge(const DDSketch& other);

  // Value at quantile q in [0, 1]; 0 when empty.
  double Quantile(double q) const;
  int64_t count() const { return count_; }
  double sum() const { return sum_; }
  double min() const { return min_; }
  double max() const { return max_; }
  double relative_accuracy() const { return alpha_; }
  bool empty() const { return count_ == 0; }

  // Compact binary form (varints), stable across versions of ballast for the same format byte.
  std::string Serialize() const;
  // Inverse of Serialize; INVALID_ARGUMENT for a corrupt or truncated input.
  static Result<DDSketch> Deserialize(std::string_view bytes);

  friend bool operator==(const DDSketch& a, const DDSketch& b);

 private:
  int Index(double v) const;
  double ValueAt(int index) const;

  double alpha_;
  double gamma_;
  double log_gamma_;
  int64_t count_ = 0;
  int64_t zero_count_ = 0;
  double sum_ = 0;
  double min_ = 0;
  double max_ = 0;
  int min_index_ = 0;              // index of bins_[0]
  std::vector<int64_t> bins_;      // dense counts from min_index_
};

}  // namespace ballast::telemetry
