#include "query/presto_functions.h"

#include <fmt/format.h>

namespace lakebox::query {
namespace {

// Each entry is a macro definition after "CREATE OR REPLACE MACRO main.": the name, then one or
// more `(parameters) AS expression` overloads. Helpers come before the macros that call them,
// because DuckDB binds a macro's body when it is created.
//
// Rules the definitions follow:
// - A macro that replaces a DuckDB built-in reaches the built-in as system.main.<name>; every
//   other body calls the built-ins it needs by a name no macro here takes, since an unqualified
//   call would find the macro (macro bodies are bound again at each call).
// - strptime, strftime and array_to_string insist on a constant format or separator when they are
//   bound, and DuckDB binds a body at creation with parameters of unknown type. Passing the
//   parameter as `format || ''` makes that creation-time binding stop early (`||` has several
//   overloads, none can be chosen for an unknown type) and wait for the call, where the caller's
//   literal folds to a constant.
// - Typed parameters (`value DATE`) pick an overload by argument type; an untyped overload catches
//   the rest. `MAP(VARCHAR, VARCHAR)` accepts every map, converting it.
constexpr std::string_view kMacros[] = {
    // MySQL date format (date_parse, date_format) -> DuckDB strptime/strftime format, converted
    // token by token so that no replacement sees another's output. Specifiers Athena rejects
    // (%D %U %u %V %w %X) are passed on unchanged: DuckDB refuses %D and reads the others its way.
    R"sql(lakebox_mysql_format(format) AS
  coalesce(array_to_string(list_transform(regexp_extract_all(format, '%.|%$|[^%]+'), token -> CASE token
    WHEN '%a' THEN '%a' WHEN '%b' THEN '%b' WHEN '%c' THEN '%-m' WHEN '%d' THEN '%d' WHEN '%e' THEN '%-d'
    WHEN '%f' THEN '%f' WHEN '%H' THEN '%H' WHEN '%h' THEN '%I' WHEN '%I' THEN '%I' WHEN '%i' THEN '%M'
    WHEN '%j' THEN '%j' WHEN '%k' THEN '%-H' WHEN '%l' THEN '%-I' WHEN '%M' THEN '%B' WHEN '%m' THEN '%m'
    WHEN '%p' THEN '%p' WHEN '%r' THEN '%I:%M:%S %p' WHEN '%S' THEN '%S' WHEN '%s' THEN '%S'
    WHEN '%T' THEN '%H:%M:%S' WHEN '%v' THEN '%V' WHEN '%W' THEN '%A' WHEN '%x' THEN '%G'
    WHEN '%Y' THEN '%Y' WHEN '%y' THEN '%y' WHEN '%%' THEN '%%' WHEN '%' THEN '%%'
    WHEN '%D' THEN '%D' WHEN '%U' THEN '%U' WHEN '%u' THEN '%u' WHEN '%V' THEN '%V' WHEN '%w' THEN '%w'
    WHEN '%X' THEN '%X'
    ELSE system.main.replace(CASE WHEN starts_with(token, '%') THEN substr(token, 2) ELSE token END, '%', '%%')
    END), ''),
  format))sql",
    // Joda-Time pattern (format_datetime, parse_datetime) -> DuckDB format. A run of one letter is
    // one field; 'quoted' text is literal and '' is a quote.
    R"sql(lakebox_joda_format(format) AS
  coalesce(array_to_string(list_transform(regexp_extract_all(format,
      'y+|Y+|x+|w+|e+|E+|D+|M+|d+|a+|h+|H+|m+|s+|S+|z+|Z+|''(?:[^'']|'''')*''|[^A-Za-z'']+|.'),
    token -> CASE
      WHEN token = 'yy' OR token = 'YY' THEN '%y'
      WHEN token[1] IN ('y', 'Y') THEN '%Y'
      WHEN token[1] = 'x' THEN '%G'
      WHEN token[1] = 'w' THEN '%V'
      WHEN token[1] = 'e' THEN '%u'
      WHEN token[1] = 'E' THEN CASE WHEN length(token) >= 4 THEN '%A' ELSE '%a' END
      WHEN token[1] = 'D' THEN CASE WHEN length(token) >= 3 THEN '%j' ELSE '%-j' END
      WHEN token[1] = 'M' THEN CASE length(token) WHEN 1 THEN '%-m' WHEN 2 THEN '%m' WHEN 3 THEN '%b' ELSE '%B' END
      WHEN token[1] = 'd' THEN CASE WHEN length(token) >= 2 THEN '%d' ELSE '%-d' END
      WHEN token[1] = 'a' THEN '%p'
      WHEN token[1] = 'h' THEN CASE WHEN length(token) >= 2 THEN '%I' ELSE '%-I' END
      WHEN token[1] = 'H' THEN CASE WHEN length(token) >= 2 THEN '%H' ELSE '%-H' END
      WHEN token[1] = 'm' THEN CASE WHEN length(token) >= 2 THEN '%M' ELSE '%-M' END
      WHEN token[1] = 's' THEN CASE WHEN length(token) >= 2 THEN '%S' ELSE '%-S' END
      WHEN token[1] = 'S' THEN CASE WHEN length(token) <= 3 THEN '%g' WHEN length(token) <= 6 THEN '%f' ELSE '%n' END
      WHEN token[1] = 'z' THEN '%Z'
      WHEN token[1] = 'Z' THEN '%z'
      WHEN token = '''''' THEN ''''
      WHEN token[1] = '''' THEN system.main.replace(system.main.replace(token[2:-2], '''''', ''''), '%', '%%')
      WHEN regexp_full_match(token, '[A-Za-z]') THEN token
      ELSE system.main.replace(token, '%', '%%') END), ''),
    format))sql",
    // A Presto interval unit and amount as a DuckDB INTERVAL (date_add).
    R"sql(lakebox_interval(unit, amount) AS CASE lower(unit)
  WHEN 'millisecond' THEN system.main.to_milliseconds(amount)
  WHEN 'second' THEN to_seconds(amount)
  WHEN 'minute' THEN to_minutes(amount)
  WHEN 'hour' THEN to_hours(amount)
  WHEN 'day' THEN to_days(CAST(amount AS INTEGER))
  WHEN 'week' THEN to_weeks(CAST(amount AS INTEGER))
  WHEN 'month' THEN to_months(CAST(amount AS INTEGER))
  WHEN 'quarter' THEN to_months(CAST(3 * amount AS INTEGER))
  WHEN 'year' THEN to_years(CAST(amount AS INTEGER))
  ELSE error('''' || unit || ''' is not a valid DATE field') END)sql",
    // Presto JSON path -> DuckDB's: $["a b"] and $.store[book] become $."a b" and $.store."book".
    R"sql(lakebox_json_path(path) AS
  system.main.regexp_replace(system.main.regexp_replace(path, '\[\s*"([^"]*)"\s*\]', '."\1"', 'g'),
                             '\[\s*([^\]"\s0-9*#-][^\]]*?)\s*\]', '."\1"', 'g'))sql",
    // Java regex replacement (regexp_replace) -> RE2's: $1 -> \1, \$ -> $, \\ stays a backslash.
    R"sql(lakebox_java_replacement(replacement) AS
  coalesce(array_to_string(list_transform(regexp_extract_all(replacement, '\\.|\\$|\$\d|[^\\$]+|\$'), token -> CASE
    WHEN token = '\\' THEN token
    WHEN starts_with(token, '\') THEN substr(token, 2)
    WHEN regexp_full_match(token, '\$\d') THEN '\' || substr(token, 2)
    ELSE token END), ''), replacement))sql",

    // Date and time.
    R"sql(date_parse(string, format) AS strptime(string, lakebox_mysql_format(format || '')))sql",
    R"sql(date_format(value, format) AS strftime(value, lakebox_mysql_format(format || '')))sql",
    R"sql(format_datetime(value, format) AS strftime(value, lakebox_joda_format(format || '')))sql",
    R"sql(parse_datetime(string, format) AS
  CAST(strptime(string, lakebox_joda_format(format || '')) AS TIMESTAMPTZ))sql",
    R"sql(from_iso8601_timestamp(string) AS CAST(string AS TIMESTAMPTZ))sql",
    // DuckDB casts calendar dates; week dates (2020-W10[-3]), ordinal dates (2020-123) and reduced
    // precision (2020, 2020-05) are computed here. ISO week 1 is the week holding January 4th.
    R"sql(from_iso8601_date(string) AS CASE
  WHEN regexp_full_match(string, '\d{4}-W\d{2}(-[1-7])?') THEN
    make_date(CAST(substr(string, 1, 4) AS INTEGER), 1, 4)
      - CAST(isodow(make_date(CAST(substr(string, 1, 4) AS INTEGER), 1, 4)) - 1 AS INTEGER)
      + 7 * (CAST(substr(string, 7, 2) AS INTEGER) - 1)
      + coalesce(CAST(nullif(substr(string, 10, 1), '') AS INTEGER), 1) - 1
  WHEN regexp_full_match(string, '\d{4}-\d{3}') THEN
    make_date(CAST(substr(string, 1, 4) AS INTEGER), 1, 1) + (CAST(substr(string, 6, 3) AS INTEGER) - 1)
  WHEN regexp_full_match(string, '\d{4}') THEN make_date(CAST(string AS INTEGER), 1, 1)
  WHEN regexp_full_match(string, '\d{4}-\d{2}') THEN
    make_date(CAST(substr(string, 1, 4) AS INTEGER), CAST(substr(string, 6, 2) AS INTEGER), 1)
  ELSE CAST(string AS DATE) END)sql",
    // One macro choosing on typeof(value), not overloads by parameter type: DuckDB cannot pick an
    // overload for an argument it has not typed yet, such as an aggregate (to_iso8601(max(t))).
    R"sql(to_iso8601(value) AS CASE typeof(value)
  WHEN 'DATE' THEN strftime(CAST(value AS DATE), '%Y-%m-%d')
  WHEN 'TIMESTAMP WITH TIME ZONE' THEN
    strftime(CAST(value AS TIMESTAMPTZ), '%Y-%m-%dT%H:%M:%S.%g') || CASE
      WHEN timezone_hour(CAST(value AS TIMESTAMPTZ)) = 0 AND timezone_minute(CAST(value AS TIMESTAMPTZ)) = 0 THEN 'Z'
      ELSE printf('%s%02d:%02d',
                  CASE WHEN timezone_hour(CAST(value AS TIMESTAMPTZ)) < 0 OR timezone_minute(CAST(value AS TIMESTAMPTZ)) < 0
                       THEN '-' ELSE '+' END,
                  abs(timezone_hour(CAST(value AS TIMESTAMPTZ))), abs(timezone_minute(CAST(value AS TIMESTAMPTZ)))) END
  ELSE strftime(CAST(value AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S.%g') END)sql",
    // With a zone: the wall-clock time there, as a TIMESTAMP (DuckDB values carry no zone).
    R"sql(from_unixtime(unixtime) AS to_timestamp(unixtime),
  (unixtime, zone) AS timezone(zone, to_timestamp(unixtime)))sql",
    // A TIMESTAMP is read in the session time zone, as Presto does.
    R"sql(to_unixtime(value) AS epoch(CAST(value AS TIMESTAMPTZ)))sql",
    // Presto's argument order (unit, amount, value); a DATE stays a DATE.
    R"sql(date_add(unit, amount, value DATE) AS CAST(value + lakebox_interval(unit, amount) AS DATE),
  (unit, amount, value) AS value + lakebox_interval(unit, amount),
  (value, step) AS system.main.date_add(value, step))sql",
    // DuckDB's date_diff counts unit boundaries crossed; Presto counts whole units elapsed, as
    // DuckDB's date_sub does.
    R"sql(date_diff(unit, value1, value2) AS date_sub(unit, value1, value2))sql",
    R"sql(day_of_week(value) AS isodow(value))sql",
    R"sql(dow(value) AS isodow(value))sql",
    R"sql(day_of_month(value) AS dayofmonth(value))sql",
    R"sql(day_of_year(value) AS dayofyear(value))sql",
    R"sql(doy(value) AS dayofyear(value))sql",
    R"sql(week_of_year(value) AS weekofyear(value))sql",
    R"sql(year_of_week(value) AS isoyear(value))sql",
    R"sql(yow(value) AS isoyear(value))sql",
    R"sql(last_day_of_month(value) AS last_day(value))sql",
    // DuckDB's millisecond() includes the seconds (05.321 -> 5321); Presto's is 321.
    R"sql(millisecond(value) AS system.main.millisecond(value) % 1000)sql",
    R"sql(current_timezone() AS current_setting('TimeZone'))sql",
    R"sql(with_timezone(value, zone) AS timezone(zone, CAST(value AS TIMESTAMP)))sql",
    // Presto's takes an interval; DuckDB's (kept for numbers) makes one.
    R"sql(to_milliseconds(value INTERVAL) AS CAST(epoch(value) * 1000 AS BIGINT),
  (value) AS system.main.to_milliseconds(value))sql",

    // JSON. Presto returns NULL for malformed JSON where DuckDB fails the query, hence TRY; the
    // document is parsed once and the (small) extracted value again.
    R"sql(json_extract_scalar(json, path) AS CASE
  WHEN left(TRY(json_extract(json, lakebox_json_path(path))), 1) NOT IN ('{', '[')
  THEN json_extract_string(TRY(json_extract(json, lakebox_json_path(path))), '$') END)sql",
    R"sql(json_array_length(json) AS CASE
  WHEN TRY(json_type(json)) = 'ARRAY' THEN CAST(system.main.json_array_length(json) AS BIGINT) END,
  (json, path) AS system.main.json_array_length(json, path))sql",
    R"sql(json_size(json, path) AS CASE
  WHEN TRY(json_type(json, lakebox_json_path(path))) = 'ARRAY'
  THEN CAST(system.main.json_array_length(json, lakebox_json_path(path)) AS BIGINT)
  WHEN TRY(json_type(json, lakebox_json_path(path))) = 'OBJECT' THEN len(json_keys(json, lakebox_json_path(path)))
  WHEN TRY(json_type(json, lakebox_json_path(path))) IS NOT NULL THEN 0 END)sql",
    R"sql(json_format(json) AS CAST(json(json) AS VARCHAR))sql",
    R"sql(json_parse(string) AS json(string))sql",
    R"sql(is_json_scalar(json) AS json_type(json) NOT IN ('OBJECT', 'ARRAY'))sql",

    // Aggregates.
    R"sql(approx_distinct(value) AS approx_count_distinct(value),
  (value, max_standard_error) AS approx_count_distinct(value))sql",
    R"sql(approx_percentile(value, percentage) AS approx_quantile(value, percentage))sql",
    R"sql(every(value) AS bool_and(value))sql",

    // Arrays and maps.
    R"sql(cardinality(value MAP(VARCHAR, VARCHAR)) AS CAST(system.main.cardinality(value) AS BIGINT),
  (value) AS len(value))sql",
    // DuckDB's subscript already is 1-based, counts negative indexes from the end, gives NULL out
    // of range and looks keys up in maps; Presto refuses index 0.
    R"sql(element_at(container, key) AS CASE
  WHEN NOT starts_with(typeof(container), 'MAP') AND CAST(key AS VARCHAR) = '0'
  THEN error('SQL array indices start at 1') ELSE container[key] END)sql",
    R"sql(array_join(items, delimiter) AS CASE
    WHEN items IS NOT NULL THEN coalesce(array_to_string(items, delimiter || ''), '') END,
  (items, delimiter, null_replacement) AS CASE
    WHEN items IS NOT NULL THEN coalesce(array_to_string(list_transform(items,
      element -> coalesce(CAST(element AS VARCHAR), null_replacement)), delimiter || ''), '') END)sql",
    R"sql(array_max(items) AS CASE WHEN list_position(items, NULL) IS NULL THEN list_max(items) END)sql",
    R"sql(array_min(items) AS CASE WHEN list_position(items, NULL) IS NULL THEN list_min(items) END)sql",
    R"sql(array_position(items, element) AS CASE
  WHEN items IS NOT NULL THEN CAST(coalesce(list_position(items, element), 0) AS BIGINT) END)sql",
    R"sql(array_remove(items, element) AS list_filter(items, item -> item IS DISTINCT FROM element))sql",
    R"sql(arrays_overlap(items1, items2) AS list_has_any(items1, items2))sql",
    R"sql(slice(items, start, length) AS CASE
  WHEN start = 0 THEN error('SQL array indices start at 1')
  WHEN length < 0 THEN error('length must be greater than or equal to 0')
  WHEN start < 0 AND len(items) + start < 0 THEN list_slice(items, 1, 0)
  WHEN start > 0 THEN list_slice(items, start, start + length - 1)
  ELSE list_slice(items, len(items) + start + 1, len(items) + start + length) END)sql",
    R"sql(sequence(start DATE, stop DATE) AS
    list_transform(generate_series(CAST(start AS TIMESTAMP), CAST(stop AS TIMESTAMP),
                                   CASE WHEN start <= stop THEN INTERVAL '1 day' ELSE INTERVAL '-1 day' END),
                   day -> CAST(day AS DATE)),
  (start DATE, stop DATE, step) AS
    list_transform(generate_series(CAST(start AS TIMESTAMP), CAST(stop AS TIMESTAMP), step), day -> CAST(day AS DATE)),
  (start, stop) AS generate_series(start, stop, CASE WHEN start <= stop THEN 1 ELSE -1 END),
  (start, stop, step) AS generate_series(start, stop, step))sql",
    R"sql(reverse(value VARCHAR) AS system.main.reverse(value),
  (value) AS list_reverse(value))sql",

    // Strings.
    R"sql(split(string, delimiter) AS string_split(string, delimiter),
  (string, delimiter, "limit") AS CASE
    WHEN "limit" <= 0 THEN error('Limit must be positive')
    WHEN len(string_split(string, delimiter)) <= "limit" THEN string_split(string, delimiter)
    ELSE list_append(list_slice(string_split(string, delimiter), 1, "limit" - 1),
                     array_to_string(list_slice(string_split(string, delimiter), "limit", -1), delimiter || '')) END)sql",
    // DuckDB's gives '' past the last field and counts negative indexes from the end.
    R"sql(split_part(string, delimiter, index) AS CASE
  WHEN index <= 0 THEN error('Index must be greater than zero')
  WHEN index <= len(string_split(string, delimiter)) THEN system.main.split_part(string, delimiter, index) END)sql",
    R"sql(replace(string, search) AS system.main.replace(string, search, ''),
  (string, search, replacement) AS system.main.replace(string, search, replacement))sql",
    R"sql(codepoint(string) AS unicode(string))sql",
    R"sql(levenshtein_distance(string1, string2) AS levenshtein(string1, string2))sql",
    R"sql(hamming_distance(string1, string2) AS hamming(string1, string2))sql",
    R"sql(to_utf8(string) AS encode(string))sql",
    R"sql(from_utf8(bytes) AS decode(bytes))sql",

    // Regular expressions: DuckDB's regexp_extract gives '' where Presto's gives NULL, and its
    // regexp_replace replaces the first match only, with \1 group references.
    R"sql(regexp_like(string, pattern) AS regexp_matches(string, pattern))sql",
    R"sql(regexp_extract(string, pattern) AS CASE
    WHEN regexp_matches(string, pattern) THEN system.main.regexp_extract(string, pattern) END,
  (string, pattern, "group") AS CASE
    WHEN regexp_matches(string, pattern) THEN system.main.regexp_extract(string, pattern, "group") END)sql",
    R"sql(regexp_replace(string, pattern) AS system.main.regexp_replace(string, pattern, '', 'g'),
  (string, pattern, replacement) AS
    system.main.regexp_replace(string, pattern, lakebox_java_replacement(replacement), 'g'))sql",
    R"sql(regexp_split(string, pattern) AS regexp_split_to_array(string, pattern))sql",
    R"sql(regexp_count(string, pattern) AS CAST(len(regexp_extract_all(string, pattern)) AS BIGINT))sql",

    // Math.
    R"sql(is_nan(x) AS isnan(x))sql",
    R"sql(is_finite(x) AS isfinite(x))sql",
    R"sql(is_infinite(x) AS isinf(x))sql",
    R"sql(nan() AS CAST('NaN' AS DOUBLE))sql",
    R"sql(infinity() AS CAST('Infinity' AS DOUBLE))sql",
    R"sql(e() AS exp(1))sql",
    R"sql(rand() AS random())sql",
    R"sql(truncate(x) AS trunc(x), (x, n) AS trunc(x, n))sql",
};

constexpr std::string_view kHelperPrefix = "lakebox_";

std::string_view MacroName(std::string_view definition) { return definition.substr(0, definition.find('(')); }

}  // namespace

Status InstallPrestoFunctions(duckdb::Connection& connection) {
  LAKEBOX_TRY(connection.Execute("BEGIN TRANSACTION"));
  for (std::string_view definition : kMacros) {
    auto created = connection.Execute(fmt::format("CREATE OR REPLACE MACRO main.{}", definition));
    if (!created) {
      (void)connection.Execute("ROLLBACK");
      return std::unexpected(created.error().WithContext(
          fmt::format("installing the Presto function {}", MacroName(definition))));
    }
  }
  if (auto committed = connection.Execute("COMMIT"); !committed) {
    (void)connection.Execute("ROLLBACK");
    return std::unexpected(committed.error().WithContext("installing the Presto functions"));
  }
  return Ok();
}

std::vector<std::string_view> PrestoFunctionNames() {
  std::vector<std::string_view> names;
  for (std::string_view definition : kMacros) {
    std::string_view name = MacroName(definition);
    if (!name.starts_with(kHelperPrefix)) names.push_back(name);
  }
  return names;
}

}  // namespace lakebox::query
