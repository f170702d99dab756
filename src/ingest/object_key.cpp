#include "ingest/object_key.h"

#include "common/time.h"
#include "ingest/prefix_expression.h"

namespace lakebox::ingest {
namespace {

// splitmix64's finalizer: spreads (nonce, sequence) over 64 bits so that consecutive segments of
// one stream and equal sequences of different streams get unrelated random parts.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace

Result<ObjectLocation> BuildObjectKey(const ObjectKeyInputs& inputs) {
  const StreamConfig& config = inputs.config;
  LAKEBOX_ASSIGN_OR_RETURN(DeliveryPrefixes prefixes,
                           CompileDeliveryPrefixes(config.prefix, config.error_output_prefix));
  LAKEBOX_ASSIGN_OR_RETURN(TimeZone zone, TimeZone::Load(config.custom_time_zone));
  EvalContext context{inputs.first_arrival_ms, zone, Mix(inputs.header.stream_nonce ^ Mix(inputs.header.sequence)), {}};
  std::string extension(config.file_extension.value_or(std::string(DefaultFileExtension(config.compression))));
  ObjectLocation key;
  key.bucket = config.Bucket();
  LAKEBOX_ASSIGN_OR_RETURN(key.key, ObjectKey(prefixes.data, context, config.name,
                                              static_cast<int>(inputs.header.version_id), extension));
  std::string_view name = key.key;
  name.remove_prefix(name.rfind('/') == std::string_view::npos ? 0 : name.rfind('/') + 1);
  if (name.ends_with(extension)) name.remove_suffix(extension.size());
  key.zip_entry_name = std::string(name);
  return key;
}

}  // namespace lakebox::ingest
