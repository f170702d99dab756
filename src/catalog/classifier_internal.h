// The format-specific halves of the classifier (classifier_json.cpp, classifier_csv.cpp), on an
// already decompressed sample. Not part of the public API: include catalog/classifier.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/data_type.h"
#include "common/error.h"

namespace lakebox::catalog::classifier_internal {

// What a sample's records gave.
struct Inference {
  DataType schema;              // kStruct
  int64_t records_sampled = 0;  // records whose types went into `schema`
  int64_t records_counted = 0;  // complete records in the sample (including those not typed)
  size_t bytes_counted = 0;     // bytes of the sample those records span (to the last one's end)
};

// Bytes of readable slack the JSON parser needs after the data (SIMDJSON_PADDING).
size_t JsonPadding();

// Infers the schema of the JSON records in `sample[0, size)`. `sample` must extend at least
// JsonPadding() bytes past `size` (any content); InferJson may overwrite bytes from `size` on.
// `cut`: the sample stopped before the end of the object, so a trailing partial record is
// dropped instead of failing. Zero complete records in a cut sample is not an error either
// (records_counted == 0 tells the caller to read on).
// Errors: InvalidInput with the reason ("record 3 at byte 712 is a number, not an object",
// "malformed JSON in record 2 at byte 80: ...", "incomplete JSON record at byte 90").
Result<Inference> InferJson(std::string& sample, size_t size, bool cut, int max_records);

struct CsvInference {
  Inference inference;
  char delimiter = ',';
  bool has_header = false;
  bool quoted = false;              // some cell was enclosed in double quotes
  std::vector<std::string> header;  // the header's cells as written (has_header only)
};

// Classifies `sample` as CSV (rules in classifier.h). `cut` as for InferJson.
// Errors: InvalidInput with the reason ("no delimiter gives the same number of columns on every
// row", ...).
Result<CsvInference> InferCsv(std::string_view sample, bool cut, int max_records);

}  // namespace lakebox::catalog::classifier_internal
