// A small Prometheus metrics registry: counters, gauges and histograms with labels, rendered in
// the text exposition format 0.0.4 (what `/metrics` serves).
//
//   auto& puts = metrics::Registry::Global().Counter(
//       "lakebox_records_received_total", "Records accepted by PutRecord(Batch).",
//       {{"stream", name}});
//   puts.Inc(n);  // keep the reference; looking it up again takes a lock
//
// A metric family is a name with one type and help text; each distinct label set is one series.
// Asking for the same name and labels again returns the same object (label order does not
// matter), so references stay valid for the registry's lifetime and series are never removed.
//
// Misuse is a programming error and aborts the process with a message: an invalid metric or
// label name, a name reused with another type (or other histogram buckets), a duplicate label
// name, the label "le" on a histogram, or histogram bounds that are not finite and increasing.
// Label values and help text may be any string; they are escaped when rendered.
//
// Thread safety: everything is thread-safe. Inc/Set/Add/Observe are lock-free atomics; only
// lookup/creation and RenderPrometheus take the registry's mutex.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lakebox::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

// A monotonically increasing count.
class Counter {
 public:
  void Inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// A value that goes up and down. Stored as a double: integers are exact up to 2^53.
class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double delta) { value_.fetch_add(delta, std::memory_order_relaxed); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Counts observations into buckets with fixed upper bounds (plus an implicit +Inf bucket) and
// keeps their sum. NaN observations are ignored.
class Histogram {
 public:
  // `bounds`: finite, strictly increasing upper bounds (checked by the Registry).
  explicit Histogram(std::vector<double> bounds);

  void Observe(double value);

  const std::vector<double>& bounds() const { return bounds_; }
  // Cumulative counts, one per bound and a last one for +Inf (which equals the total count).
  std::vector<uint64_t> CumulativeCounts() const;
  double Sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // per bucket, not cumulative; last is +Inf
  std::atomic<double> sum_{0};
};

// `count` bounds: start, start*factor, start*factor^2, ... (start > 0, factor > 1).
std::vector<double> ExponentialBuckets(double start, double factor, int count);

class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // The process-wide registry that `/metrics` renders.
  static Registry& Global();

  // The series of family `name` with `labels`, created (at zero) on first use. `help` is taken
  // from the first call for the family.
  metrics::Counter& Counter(std::string_view name, std::string_view help, Labels labels = {});
  metrics::Gauge& Gauge(std::string_view name, std::string_view help, Labels labels = {});
  // All series of one histogram family share the same `bounds`.
  metrics::Histogram& Histogram(std::string_view name, std::string_view help,
                                std::vector<double> bounds, Labels labels = {});

  // Every family in name order, each series in label order:
  //   # HELP <name> <help>
  //   # TYPE <name> counter|gauge|histogram
  //   <name>{<label>="<value>",...} <value>
  // Histograms add _bucket{...,le="<bound>"} lines (cumulative, ending with le="+Inf"), _sum
  // and _count. Help escapes \ and newline; label values escape \, " and newline.
  std::string RenderPrometheus() const;

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Family;

  Family& GetFamily(std::string_view name, std::string_view help, Type type,
                    const std::vector<double>* bounds);

  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<Family>, std::less<>> families_;  // guarded by mutex_
};

}  // namespace lakebox::metrics
