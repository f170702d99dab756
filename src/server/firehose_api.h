// The Firehose API (X-Amz-Target prefix `Firehose_20150804`, AWS-REFERENCE.md §1): translates
// the JSON of CreateDeliveryStream, DescribeDeliveryStream, ListDeliveryStreams,
// DeleteDeliveryStream, PutRecord and PutRecordBatch into calls on ingest::IngestService, and the
// results back into Firehose's response shapes. No delivery logic lives here.
//
// Request checking follows AWS's order: a body that is not the JSON expected (malformed, a member
// of the wrong type, a Data blob that is not padded base64 of whole 4-character groups) is a
// SerializationException; then modelled constraints (required members, lengths, patterns,
// ranges, enums, 1-500 records, 1,024,000 bytes per record) give one ValidationException listing
// every violation; then semantic rules (4 MiB per batch, unsupported destinations/features) give
// InvalidArgumentException. Nothing reaches ingest until the whole request has passed, so an
// invalid request changes nothing. Unknown members are ignored, and JSON null counts as absent.
//
// CreateDeliveryStream maps ExtendedS3DestinationConfiguration (or the deprecated
// S3DestinationConfiguration) to ingest::StreamConfig. Members lakebox accepts but does not act on
// are kept, under their request names, in StreamConfig::passthrough and echoed by
// DescribeDeliveryStream: the destination's EncryptionConfiguration, CloudWatchLoggingOptions,
// ProcessingConfiguration, S3BackupMode, S3BackupConfiguration and any other destination member,
// plus the top-level Tags, DeliveryStreamEncryptionConfigurationInput and
// DirectPutSourceConfiguration.
//
// PutRecord/PutRecordBatch parse with simdjson On-Demand straight from the request body and
// decode every record's base64 into one buffer; ingest receives views into it.
//
// Thread safety: Call may run on any number of threads at once.
#pragma once

#include <string>
#include <string_view>

#include "ingest/ingest_service.h"
#include "server/router.h"

namespace lakebox::server {

class FirehoseApi final : public AwsJsonService {
 public:
  // `ingest` must outlive this object.
  explicit FirehoseApi(ingest::IngestService* ingest);

  std::string_view TargetPrefix() const override { return "Firehose_20150804"; }
  std::string_view Name() const override { return "Firehose"; }
  std::string_view ErrorMessageKey() const override { return "message"; }
  bool HasOperation(std::string_view operation) const override;
  Result<std::string> Call(std::string_view operation, std::string& body) override;

 private:
  Result<std::string> CreateDeliveryStream(std::string_view body);
  Result<std::string> DescribeDeliveryStream(std::string_view body);
  Result<std::string> ListDeliveryStreams(std::string_view body);
  Result<std::string> DeleteDeliveryStream(std::string_view body);
  Result<std::string> PutRecord(std::string& body);
  Result<std::string> PutRecordBatch(std::string& body);

  ingest::IngestService* ingest_;
};

}  // namespace lakebox::server
