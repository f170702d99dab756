// Schedule expressions as CloudWatch Events / EventBridge rules and Glue triggers take them
// (AWS-REFERENCE.md §7, docs/schedules.md), evaluated in UTC with one-minute granularity:
//
//   rate(N minute|minutes|hour|hours|day|days)   singular unit for 1, plural otherwise; N >= 1
//   rate(N second|seconds)                       lakebox extension for demos and tests; AWS refuses it
//   cron(Minutes Hours Day-of-month Month Day-of-week Year)
//     six fields separated by blanks. In every field: a value, '*', a list 'a,b', a range 'a-b'
//     and an increment 'a/n', '*/n' or 'a-b/n' (not in Day-of-week).
//     Ranges whose start is after their end wrap around (hours 22-2, FRI-MON, NOV-FEB), as in
//     Quartz, whose cron dialect AWS's is; Year ranges cannot wrap.
//     '?' only in Day-of-month / Day-of-week, and exactly one of the two must be '?'.
//     Day-of-month also takes, each as the whole field: L (last day), LW (last weekday), nW (the
//     weekday nearest day n of the same month; no firing in a month without day n).
//     Day-of-week also takes, each as the whole field: L (= 7, Saturday), nL (last weekday n of the
//     month), n#k (k-th weekday n of the month, k 1-5; no firing in a month without one).
//     Months 1-12 or JAN-DEC, weekdays 1-7 or SUN-SAT (1 = Sunday), names in any case;
//     years 1970-2199.
//
// Thread safety: a parsed ScheduleExpression is immutable; any number of threads may use one.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"

namespace lakebox::schedule {

using Clock = std::chrono::system_clock;

class ScheduleExpression {
 public:
  // At most 256 characters, as EventBridge's ScheduleExpression.
  static constexpr size_t kMaxLength = 256;

  // InvalidArgument saying what is wrong and how to write it, always starting with the expression,
  // e.g. "cron(0 * * * * *): Day-of-month and Day-of-week cannot both be specified; use '?' in one
  // of them, e.g. cron(0 * * * ? *)" or "rate(1 minutes): use the singular unit for 1: rate(1 minute)".
  static Result<ScheduleExpression> Parse(std::string_view text);

  // The first firing time strictly after `after`, or nullopt if there is none (a cron whose years
  // are all past, or `after` beyond 2199).
  //  - rate: anchor + k*period for the smallest k >= 1 giving a time after `after`; `anchor` is when
  //    the schedule started (EventBridge counts a rule's rate from its creation).
  //  - cron: the first whole UTC minute after `after` that matches all six fields; `anchor` unused.
  // Cost: a handful of calendar steps per field, never a scan over minutes.
  std::optional<Clock::time_point> NextAfter(Clock::time_point after, Clock::time_point anchor) const;

  const std::string& text() const { return text_; }
  bool is_rate() const;
  // REQUIRES: is_rate(). Seconds because of the rate(N seconds) extension; AWS's are whole minutes.
  std::chrono::seconds rate_period() const;
  // True for rate(N second|seconds), which AWS does not accept (a configuration using it only works
  // on lakebox).
  bool is_lakebox_extension() const;

  ScheduleExpression(const ScheduleExpression&);
  ScheduleExpression& operator=(const ScheduleExpression&);
  ScheduleExpression(ScheduleExpression&&) noexcept;
  ScheduleExpression& operator=(ScheduleExpression&&) noexcept;
  ~ScheduleExpression();

  struct Spec;  // the parsed form; opaque outside schedule_expression.cpp

 private:
  ScheduleExpression(std::string text, std::unique_ptr<Spec> spec);
  std::string text_;
  std::unique_ptr<Spec> spec_;
};

}  // namespace lakebox::schedule
