#include "ingest/object_key.h"

#include "common/time.h"
#include "ingest/prefix_expression.h"

namespace lakebox::ingest {

Result<ObjectLocation> BuildObjectKey(const ObjectKeyInputs& inputs) {
  const StreamConfig& config = inputs.config;
  LAKEBOX_ASSIGN_OR_RETURN(DeliveryPrefixes prefixes,
                           CompileDeliveryPrefixes(config.prefix, config.error_output_prefix));
  LAKEBOX_ASSIGN_OR_RETURN(TimeZone zone, TimeZone::Load(config.custom_time_zone));
  // Spread (nonce, sequence) so consecutive segments and equal sequences of different streams get
  // unrelated random parts.
  EvalContext context{inputs.first_arrival_ms, zone, Mix64(inputs.header.stream_nonce ^ Mix64(inputs.header.sequence)), {}};
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
