// Schedule expressions as CloudWatch Events / EventBridge rules and Glue triggers take them
// (AWS-REFERENCE.md §7), evaluated in UTC with one-minute granularity:
//   rate(N minute|minutes|hour|hours|day|days)   (singular unit for 1, plural otherwise)
//   cron(Minutes Hours Day-of-month Month Day-of-week Year)
//     six fields; ',' '-' '*' '/' everywhere; '?' only in day-of-month / day-of-week and exactly
//     one of the two must be '?'; 'L' and 'W' in day-of-month; 'L' and '#' in day-of-week;
//     months 1-12 or JAN-DEC, weekdays 1-7 or SUN-SAT (1 = Sunday); years 1970-2199.
// Thread safety: a parsed ScheduleExpression is immutable.
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
  // InvalidArgument saying what is wrong and how to write it, e.g.
  // "cron(0 * * * * *): Day-of-month and Day-of-week cannot both be specified; use '?' in one of
  //  them, e.g. cron(0 * * * ? *)" or "rate(1 minutes): use the singular unit for 1: rate(1 minute)".
  static Result<ScheduleExpression> Parse(std::string_view text);

  // The first firing time strictly after `after` (for rate: `anchor` + k*period, the anchor being
  // when the schedule was created), or nullopt if there is none (a cron whose years are past).
  std::optional<Clock::time_point> NextAfter(Clock::time_point after, Clock::time_point anchor) const;

  const std::string& text() const { return text_; }
  bool is_rate() const;
  std::chrono::minutes rate_period() const;  // is_rate() only

  ScheduleExpression(const ScheduleExpression&);
  ScheduleExpression& operator=(const ScheduleExpression&);
  ScheduleExpression(ScheduleExpression&&) noexcept;
  ScheduleExpression& operator=(ScheduleExpression&&) noexcept;
  ~ScheduleExpression();

 private:
  struct Spec;
  ScheduleExpression(std::string text, std::unique_ptr<Spec> spec);
  std::string text_;
  std::unique_ptr<Spec> spec_;
};

}  // namespace lakebox::schedule
