#include "common/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace lakebox::metrics {
namespace {

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "lakebox metrics: %s\n", message.c_str());
  std::abort();
}

bool IsValidName(std::string_view name, bool allow_colon) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (allow_colon && c == ':') || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// Sorted by label name so that the same set in another order names the same series.
Labels Normalize(std::string_view metric, Labels labels, bool is_histogram) {
  std::sort(labels.begin(), labels.end());
  for (size_t i = 0; i < labels.size(); ++i) {
    const std::string& label = labels[i].first;
    if (!IsValidName(label, /*allow_colon=*/false) || label.starts_with("__")) {
      Die(fmt::format("metric {}: invalid label name '{}'", metric, label));
    }
    if (i > 0 && labels[i - 1].first == label) {
      Die(fmt::format("metric {}: label '{}' given twice", metric, label));
    }
    if (is_histogram && label == "le") {
      Die(fmt::format("histogram {}: the label 'le' is reserved for buckets", metric));
    }
  }
  return labels;
}

void AppendEscaped(std::string& out, std::string_view text, bool escape_quote) {
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && escape_quote) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

std::string FormatDouble(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

// <name>{a="x",le="0.5"} <value>
void AppendSample(std::string& out, std::string_view name, const Labels& labels,
                  std::string_view le, std::string_view value) {
  out += name;
  if (!labels.empty() || !le.empty()) {
    out += '{';
    bool first = true;
    for (const auto& [label, label_value] : labels) {
      if (!first) out += ',';
      first = false;
      out += label;
      out += "=\"";
      AppendEscaped(out, label_value, /*escape_quote=*/true);
      out += '"';
    }
    if (!le.empty()) {
      if (!first) out += ',';
      out += "le=\"";
      out += le;
      out += '"';
    }
    out += '}';
  }
  out += ' ';
  out += value;
  out += '\n';
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      counts_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {}

void Histogram::Observe(double value) {
  if (std::isnan(value)) return;
  // Bucket i counts values <= bounds_[i] (Prometheus "le"); past the last bound is +Inf.
  size_t index = static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), value) -
                                     bounds_.begin());
  counts_[index].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::CumulativeCounts() const {
  std::vector<uint64_t> cumulative(bounds_.size() + 1);
  uint64_t running = 0;
  for (size_t i = 0; i < cumulative.size(); ++i) {
    running += counts_[i].load(std::memory_order_relaxed);
    cumulative[i] = running;
  }
  return cumulative;
}

std::vector<double> ExponentialBuckets(double start, double factor, int count) {
  if (!(start > 0) || !(factor > 1) || count < 1) {
    Die(fmt::format("ExponentialBuckets({}, {}, {}): need start > 0, factor > 1, count >= 1", start,
                    factor, count));
  }
  std::vector<double> bounds;
  bounds.reserve(static_cast<size_t>(count));
  double bound = start;
  for (int i = 0; i < count; ++i, bound *= factor) bounds.push_back(bound);
  return bounds;
}

struct Registry::Family {
  Type type;
  std::string help;
  std::vector<double> bounds;  // histograms only
  std::map<Labels, std::unique_ptr<metrics::Counter>> counters;
  std::map<Labels, std::unique_ptr<metrics::Gauge>> gauges;
  std::map<Labels, std::unique_ptr<metrics::Histogram>> histograms;
};

Registry::Registry() = default;
Registry::~Registry() = default;

Registry& Registry::Global() {
  // Never destroyed: threads may still update metrics while static destructors run at exit.
  static Registry* registry = new Registry();
  return *registry;
}

Registry::Family& Registry::GetFamily(std::string_view name, std::string_view help, Type type,
                                      const std::vector<double>* bounds) {
  auto it = families_.find(name);
  if (it == families_.end()) {
    if (!IsValidName(name, /*allow_colon=*/true))
      Die(fmt::format("invalid metric name '{}'", name));
    auto family = std::make_unique<Family>();
    family->type = type;
    family->help = std::string(help);
    if (bounds != nullptr) family->bounds = *bounds;
    it = families_.emplace(std::string(name), std::move(family)).first;
  }
  Family& family = *it->second;
  if (family.type != type)
    Die(fmt::format("metric {} registered twice with different types", name));
  if (bounds != nullptr && family.bounds != *bounds) {
    Die(fmt::format("histogram {} registered twice with different buckets", name));
  }
  return family;
}

metrics::Counter& Registry::Counter(std::string_view name, std::string_view help, Labels labels) {
  Labels key = Normalize(name, std::move(labels), false);
  std::lock_guard lock(mutex_);
  auto& series = GetFamily(name, help, Type::kCounter, nullptr).counters[std::move(key)];
  if (!series) series = std::make_unique<metrics::Counter>();
  return *series;
}

metrics::Gauge& Registry::Gauge(std::string_view name, std::string_view help, Labels labels) {
  Labels key = Normalize(name, std::move(labels), false);
  std::lock_guard lock(mutex_);
  auto& series = GetFamily(name, help, Type::kGauge, nullptr).gauges[std::move(key)];
  if (!series) series = std::make_unique<metrics::Gauge>();
  return *series;
}

metrics::Histogram& Registry::Histogram(std::string_view name, std::string_view help,
                                        std::vector<double> bounds, Labels labels) {
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i]) || (i > 0 && !(bounds[i - 1] < bounds[i]))) {
      Die(fmt::format("histogram {}: bucket bounds must be finite and strictly increasing", name));
    }
  }
  Labels key = Normalize(name, std::move(labels), true);
  std::lock_guard lock(mutex_);
  auto& series = GetFamily(name, help, Type::kHistogram, &bounds).histograms[std::move(key)];
  if (!series) series = std::make_unique<metrics::Histogram>(std::move(bounds));
  return *series;
}

std::string Registry::RenderPrometheus() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& [name, family] : families_) {
    out += "# HELP ";
    out += name;
    out += ' ';
    AppendEscaped(out, family->help, /*escape_quote=*/false);
    out += "\n# TYPE ";
    out += name;
    switch (family->type) {
      case Type::kCounter:
        out += " counter\n";
        for (const auto& [labels, counter] : family->counters) {
          AppendSample(out, name, labels, "", fmt::format("{}", counter->Value()));
        }
        break;
      case Type::kGauge:
        out += " gauge\n";
        for (const auto& [labels, gauge] : family->gauges) {
          AppendSample(out, name, labels, "", FormatDouble(gauge->Value()));
        }
        break;
      case Type::kHistogram: {
        out += " histogram\n";
        std::string bucket_name = name + "_bucket";
        for (const auto& [labels, histogram] : family->histograms) {
          std::vector<uint64_t> cumulative = histogram->CumulativeCounts();
          for (size_t i = 0; i < cumulative.size(); ++i) {
            std::string le = i < family->bounds.size() ? FormatDouble(family->bounds[i]) : "+Inf";
            AppendSample(out, bucket_name, labels, le, fmt::format("{}", cumulative[i]));
          }
          AppendSample(out, name + "_sum", labels, "", FormatDouble(histogram->Sum()));
          // From the same snapshot as the +Inf bucket: Prometheus requires them equal.
          AppendSample(out, name + "_count", labels, "", fmt::format("{}", cumulative.back()));
        }
        break;
      }
    }
  }
  return out;
}

}  // namespace lakebox::metrics
