#include "schedule/schedule_toml.h"

#include <algorithm>
#include <initializer_list>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>


namespace lakebox::schedule {
namespace {

constexpr size_t kMaxNameLength = 255;

// Reads one entry of an array of tables, with messages naming the source, the entry and the key.
class Entry {
 public:
  // Named by its name when it has one ("schedule \"producer\""), else by position ("schedule #2").
  Entry(std::string_view source, std::string_view section, size_t index, const toml::table& table)
      : source_(source), table_(table), where_(fmt::format("{} #{}", section, index + 1)) {
    if (const toml::node* name = table.get("name"); name && name->is_string() && !name->value<std::string>()->empty())
      where_ = fmt::format("{} \"{}\"", section, *name->value<std::string>());
  }

  Status KnownKeys(std::initializer_list<std::string_view> allowed) const {
    for (const auto& [key, value] : table_)
      if (std::find(allowed.begin(), allowed.end(), key.str()) == allowed.end()) {
        std::string valid;
        for (std::string_view a : allowed) valid += fmt::format("{}{}", valid.empty() ? "" : ", ", a);
        return std::unexpected(Bad(key.str(), fmt::format("unknown key (valid keys here: {})", valid)));
      }
    return Ok();
  }

  Error Bad(std::string_view key, std::string_view problem) const {
    return Error::InvalidArgument(fmt::format("{}: {}: {}: {}", source_, where_, key, problem));
  }

  // A string key; nullopt when absent. `what` describes it for a wrong type or an empty value.
  Result<std::optional<std::string>> String(std::string_view key, std::string_view what) const {
    const toml::node* node = table_.get(key);
    if (!node) return std::nullopt;
    if (!node->is_string()) return std::unexpected(Bad(key, fmt::format("must be a string: {}", what)));
    std::string value = *node->value<std::string>();
    if (value.empty()) return std::unexpected(Bad(key, fmt::format("must not be empty: {}", what)));
    return value;
  }

  Result<std::string> RequiredString(std::string_view key, std::string_view what) const {
    LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> value, String(key, what));
    if (!value) return std::unexpected(Bad(key, fmt::format("is required: {}", what)));
    return *value;
  }

  Result<std::string> Name(std::string_view what) const {
    LAKEBOX_ASSIGN_OR_RETURN(std::string name, RequiredString("name", what));
    if (name.size() > kMaxNameLength)
      return std::unexpected(Bad("name", fmt::format("is longer than {} characters", kMaxNameLength)));
    return name;
  }

  Result<ScheduleExpression> Expression(std::string_view key, const std::string& text) const {
    auto parsed = ScheduleExpression::Parse(text);
    if (!parsed) return std::unexpected(Bad(key, parsed.error().message()));
    return *parsed;
  }

  const toml::table& table() const { return table_; }
  const std::string& where() const { return where_; }

 private:
  std::string_view source_;
  const toml::table& table_;
  std::string where_;
};

// The tables of an array-of-tables section, or an error if the section is written otherwise.
Result<std::vector<const toml::table*>> Tables(const toml::table& root, std::string_view section,
                                               std::string_view source) {
  std::vector<const toml::table*> tables;
  const toml::node* node = root.get(section);
  if (!node) return tables;
  const toml::array* array = node->as_array();
  if (!array)
    return std::unexpected(Error::InvalidArgument(
        fmt::format("{}: {}: declare each one as a [[{}]] table (double brackets)", source, section, section)));
  for (size_t i = 0; i < array->size(); ++i) {
    const toml::table* table = (*array)[i].as_table();
    if (!table)
      return std::unexpected(Error::InvalidArgument(
          fmt::format("{}: {} #{}: must be a table; declare it as a [[{}]] table", source, section, i + 1, section)));
    tables.push_back(table);
  }
  return tables;
}

Result<ProducerSchedule> ReadSchedule(std::string_view source, size_t index, const toml::table& table) {
  Entry entry(source, "schedule", index, table);
  LAKEBOX_TRY(entry.KnownKeys({"name", "expression", "stream", "records"}));
  LAKEBOX_ASSIGN_OR_RETURN(std::string name, entry.Name("the schedule's name, e.g. name = \"producer\""));
  LAKEBOX_ASSIGN_OR_RETURN(
      std::string text,
      entry.RequiredString("expression", "when to run, e.g. expression = \"rate(1 minute)\" or \"cron(0 * * * ? *)\""));
  LAKEBOX_ASSIGN_OR_RETURN(ScheduleExpression expression, entry.Expression("expression", text));
  LAKEBOX_ASSIGN_OR_RETURN(std::string stream,
                           entry.RequiredString("stream", "the delivery stream to put to, e.g. stream = \"vehicles\""));
  ProducerSchedule schedule{.name = std::move(name), .expression = std::move(expression), .stream = std::move(stream)};
  if (const toml::node* records = table.get("records")) {
    auto value = records->value<int64_t>();
    if (!records->is_integer() || *value < 1 || *value > ProducerSchedule::kMaxRecords)
      return std::unexpected(entry.Bad(
          "records", fmt::format("must be an integer from 1 to {} (records per run; default {})",
                                 ProducerSchedule::kMaxRecords, ProducerSchedule::kDefaultRecords)));
    schedule.records = *value;
  }
  return schedule;
}

Result<WorkflowStep> ReadStep(const Entry& entry, size_t index, const toml::node& node) {
  std::string key = fmt::format("steps[{}]", index);
  constexpr std::string_view kStepForms =
      "a step is exactly one of { produce = \"<schedule name>\" }, { crawl = \"<crawler name>\" } or "
      "{ job = \"<job name>\" }";
  const toml::table* table = node.as_table();
  if (!table || table->size() != 1) return std::unexpected(entry.Bad(key, kStepForms));
  // Keep the iterator alive: toml++ iterators hand out proxies that point into them.
  auto only = table->begin();
  const std::string_view step_key = only->first.str();
  const toml::node& value = only->second;
  WorkflowStep step;
  std::string_view section;
  if (step_key == "produce") step.kind = StepKind::kProduce, section = "[[schedule]]";
  else if (step_key == "crawl") step.kind = StepKind::kCrawl, section = "[[crawler]]";
  else if (step_key == "job") step.kind = StepKind::kJob, section = "[[job]]";
  else return std::unexpected(entry.Bad(key, fmt::format("unknown key '{}'; {}", step_key, kStepForms)));
  if (!value.is_string() || value.value<std::string>()->empty())
    return std::unexpected(entry.Bad(fmt::format("{}.{}", key, step_key),
                                     fmt::format("must be the name of a {} as a string", section)));
  step.target = *value.value<std::string>();
  return step;
}

Result<WorkflowDefinition> ReadWorkflow(std::string_view source, size_t index, const toml::table& table) {
  Entry entry(source, "workflow", index, table);
  LAKEBOX_TRY(entry.KnownKeys({"name", "schedule", "steps"}));
  WorkflowDefinition workflow;
  LAKEBOX_ASSIGN_OR_RETURN(workflow.name, entry.Name("the workflow's name, e.g. name = \"vehicles_pipeline\""));
  LAKEBOX_ASSIGN_OR_RETURN(
      std::optional<std::string> schedule,
      entry.String("schedule", "when to run, e.g. schedule = \"rate(5 minutes)\"; leave it out to run on demand"));
  if (schedule) {
    LAKEBOX_ASSIGN_OR_RETURN(ScheduleExpression expression, entry.Expression("schedule", *schedule));
    workflow.schedule = std::move(expression);
  }
  const toml::node* steps = table.get("steps");
  const toml::array* array = steps ? steps->as_array() : nullptr;
  if (!array || array->empty())
    return std::unexpected(entry.Bad(
        "steps", "is required: a list of steps run in order, e.g. steps = [ { crawl = \"vehicles_raw\" }, "
                 "{ job = \"vehicles_to_stage\" } ]"));
  for (size_t i = 0; i < array->size(); ++i) {
    LAKEBOX_ASSIGN_OR_RETURN(WorkflowStep step, ReadStep(entry, i, (*array)[i]));
    workflow.steps.push_back(std::move(step));
  }
  return workflow;
}

Error WorkflowError(std::string_view source, const WorkflowDefinition& workflow, std::string_view problem) {
  return Error::InvalidArgument(fmt::format("{}: workflow \"{}\": {}", source, workflow.name, problem));
}

}  // namespace

Result<ScheduleConfig> ScheduleConfigFromToml(const toml::table& root, std::string_view source) {
  ScheduleConfig config;
  LAKEBOX_ASSIGN_OR_RETURN(std::vector<const toml::table*> schedules, Tables(root, "schedule", source));
  for (size_t i = 0; i < schedules.size(); ++i) {
    LAKEBOX_ASSIGN_OR_RETURN(ProducerSchedule schedule, ReadSchedule(source, i, *schedules[i]));
    for (const ProducerSchedule& earlier : config.schedules)
      if (earlier.name == schedule.name)
        return std::unexpected(Error::InvalidArgument(fmt::format(
            "{}: schedule \"{}\": name: another [[schedule]] has this name; give each a different one", source,
            schedule.name)));
    config.schedules.push_back(std::move(schedule));
  }

  std::vector<std::string> schedule_names;
  for (const ProducerSchedule& s : config.schedules) schedule_names.push_back(s.name);
  LAKEBOX_ASSIGN_OR_RETURN(std::vector<const toml::table*> workflows, Tables(root, "workflow", source));
  for (size_t i = 0; i < workflows.size(); ++i) {
    LAKEBOX_ASSIGN_OR_RETURN(WorkflowDefinition workflow, ReadWorkflow(source, i, *workflows[i]));
    for (const WorkflowDefinition& earlier : config.workflows)
      if (earlier.name == workflow.name)
        return std::unexpected(WorkflowError(
            source, workflow, "name: another [[workflow]] has this name; give each a different one"));
    if (std::find(schedule_names.begin(), schedule_names.end(), workflow.name) != schedule_names.end())
      return std::unexpected(WorkflowError(
          source, workflow,
          "name: a [[schedule]] has this name too; schedules and workflows share one namespace, rename one"));
    for (size_t j = 0; j < workflow.steps.size(); ++j) {
      const WorkflowStep& step = workflow.steps[j];
      if (step.kind != StepKind::kProduce ||
          std::find(schedule_names.begin(), schedule_names.end(), step.target) != schedule_names.end())
        continue;
      return std::unexpected(WorkflowError(
          source, workflow,
          fmt::format("steps[{}]: produce = \"{}\" names no [[schedule]]; {}", j, step.target,
                      schedule_names.empty() ? "declare one with [[schedule]] name = \"" + step.target + "\""
                                             : fmt::format("known schedules: {}", fmt::join(schedule_names, ", ")))));
    }
    config.workflows.push_back(std::move(workflow));
  }
  return config;
}

Status CheckWorkflowReferences(const std::vector<WorkflowDefinition>& workflows,
                               const std::vector<std::string>& crawlers, const std::vector<std::string>& jobs,
                               std::string_view source) {
  for (const WorkflowDefinition& workflow : workflows) {
    for (size_t i = 0; i < workflow.steps.size(); ++i) {
      const WorkflowStep& step = workflow.steps[i];
      if (step.kind == StepKind::kProduce) continue;  // checked against [[schedule]] when parsed
      const bool crawl = step.kind == StepKind::kCrawl;
      const std::vector<std::string>& known = crawl ? crawlers : jobs;
      if (std::find(known.begin(), known.end(), step.target) != known.end()) continue;
      std::string_view noun = crawl ? "crawler" : "job";
      return std::unexpected(WorkflowError(
          source, workflow,
          fmt::format("steps[{}]: {} = \"{}\" names no {}; {}", i, StepKindName(step.kind), step.target, noun,
                      known.empty()
                          ? fmt::format("none is declared: add a [[{}]] table named \"{}\"", noun, step.target)
                          : fmt::format("known {}s: {}", noun, fmt::join(known, ", ")))));
    }
  }
  return Ok();
}

}  // namespace lakebox::schedule
