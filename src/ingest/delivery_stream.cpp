#include "ingest/delivery_stream.h"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/compression.h"
#include "common/file_util.h"
#include "common/metrics.h"
#include "common/time.h"
#include "ingest/object_key.h"
#include "storage/object_store.h"

namespace lakebox::ingest {
namespace {

constexpr uint64_t kMiB = 1ull << 20;
// Sequences are reserved in blocks so that stream.json is rewritten once per this many segments,
// not once per segment, while a restart still never reuses a sequence (and so never an object key).
constexpr uint64_t kSequenceReservation = 1024;
// Records are handed to the compressor in chunks of about this size: compressing 350-byte
// records one at a time costs several times more than compressing them in bulk.
constexpr size_t kCompressChunk = 1 << 20;

metrics::Histogram& FsyncSeconds() {
  static metrics::Histogram& h = metrics::Registry::Global().Histogram(
      "lakebox_wal_commit_seconds", "Time from enqueueing a put in the WAL to its fsync completing",
      {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1});
  return h;
}

std::string RecordId(uint64_t nonce, uint64_t sequence, uint64_t offset, size_t index) {
  return fmt::format("{:016x}{:016x}{:012x}{:04x}", nonce, sequence, offset, index);
}

Codec CodecFor(Compression c) {
  switch (c) {
    case Compression::kUncompressed: return Codec::kNone;
    case Compression::kGzip: return Codec::kGzip;
    case Compression::kZip: return Codec::kZip;
    case Compression::kSnappy: return Codec::kSnappy;
    case Compression::kHadoopSnappy: return Codec::kHadoopSnappy;
  }
  return Codec::kNone;
}

nlohmann::json RecordToJson(const StreamRecord& r) {
  const StreamDescription& d = r.description;
  return {{"config", ToJson(d.config)},
          {"arn", d.arn},
          {"status", StreamStatusName(d.status)},
          {"create_time_ms", d.create_time_ms},
          {"update_time_ms", d.update_time_ms},
          {"version_id", d.version_id},
          {"nonce", r.nonce},
          {"sequence_floor", r.sequence_floor}};
}

Result<StreamRecord> RecordFromJson(const nlohmann::json& j) {
  try {
    StreamRecord r;
    LAKEBOX_ASSIGN_OR_RETURN(r.description.config, StreamConfigFromJson(j.at("config")));
    r.description.arn = j.at("arn").get<std::string>();
    r.description.status = j.at("status").get<std::string>() == "DELETING" ? StreamStatus::kDeleting
                                                                           : StreamStatus::kActive;
    r.description.create_time_ms = j.at("create_time_ms").get<int64_t>();
    r.description.update_time_ms = j.at("update_time_ms").get<int64_t>();
    r.description.version_id = j.at("version_id").get<int>();
    r.nonce = j.at("nonce").get<uint64_t>();
    r.sequence_floor = j.at("sequence_floor").get<uint64_t>();
    return r;
  } catch (const nlohmann::json::exception& e) {
    return std::unexpected(Error::Corruption(fmt::format("stream.json: {}", e.what())));
  }
}

}  // namespace

DeliveryStream::DeliveryStream(std::filesystem::path dir, StreamRecord record, const StreamEnvironment& env)
    : dir_(std::move(dir)), name_(record.description.config.name), env_(env), record_(std::move(record)) {}

DeliveryStream::~DeliveryStream() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  sealed_cv_.notify_all();
  if (delivery_thread_.joinable()) delivery_thread_.join();
}

Result<std::unique_ptr<DeliveryStream>> DeliveryStream::Create(const std::filesystem::path& dir, StreamRecord record,
                                                               const StreamEnvironment& env) {
  LAKEBOX_TRY(CreateDirs(dir / "wal"));
  std::unique_ptr<DeliveryStream> stream(new DeliveryStream(dir, std::move(record), env));
  {
    std::lock_guard lock(stream->mu_);
    LAKEBOX_TRY(stream->Persist());
  }
  stream->StartDeliveryThread();
  return stream;
}

Result<std::unique_ptr<DeliveryStream>> DeliveryStream::Load(const std::filesystem::path& dir,
                                                             const StreamEnvironment& env) {
  LAKEBOX_ASSIGN_OR_RETURN(std::string text, ReadFile(dir / "stream.json"));
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    return std::unexpected(Error::Corruption(fmt::format("{}: not valid JSON", (dir / "stream.json").string())));
  LAKEBOX_ASSIGN_OR_RETURN(StreamRecord record, RecordFromJson(j));
  LAKEBOX_TRY(CreateDirs(dir / "wal"));
  LAKEBOX_TRY(RemoveStaleTempFiles(dir));
  std::unique_ptr<DeliveryStream> stream(new DeliveryStream(dir, std::move(record), env));
  LAKEBOX_ASSIGN_OR_RETURN(std::vector<uint64_t> sequences, ListWalSegments(stream->WalDir()));
  {
    std::lock_guard lock(stream->mu_);
    for (uint64_t seq : sequences) {
      std::error_code ec;
      uint64_t size = std::filesystem::file_size(WalSegmentPath(stream->WalDir(), seq), ec);
      // The record bytes of a segment from the last run are not known without reading it; its file
      // size is a close upper bound, good enough for backpressure.
      uint64_t bytes = ec ? 0 : size;
      stream->sealed_.push_back({seq, nullptr, bytes, bytes});
      stream->buffered_bytes_ += bytes;
      stream->wal_bytes_ += bytes;
      stream->sealed_through_ = seq;
    }
    stream->delivered_through_ = sequences.empty() ? 0 : sequences.front() - 1;
    stream->next_sequence_ = std::max(stream->record_.sequence_floor,
                                      sequences.empty() ? uint64_t{1} : sequences.back() + 1);
    if (stream->record_.description.status == StreamStatus::kDeleting) stream->accepting_ = false;
    if (!sequences.empty())
      spdlog::info("stream {}: replaying {} undelivered WAL segment(s)", stream->name_, sequences.size());
  }
  stream->StartDeliveryThread();
  return stream;
}

Status DeliveryStream::Persist() {
  return WriteFileAtomic(dir_ / "stream.json", RecordToJson(record_).dump(2));
}

StreamDescription DeliveryStream::Describe() const {
  std::lock_guard lock(mu_);
  return record_.description;
}

StreamStats DeliveryStream::Stats() const {
  std::lock_guard lock(mu_);
  StreamStats s;
  s.name = name_;
  s.records_received = records_received_;
  s.bytes_received = bytes_received_;
  s.objects_delivered = objects_delivered_;
  s.bytes_delivered = bytes_delivered_;
  s.buffered_bytes = buffered_bytes_;
  s.wal_bytes = wal_bytes_;
  s.last_delivery_ms = last_delivery_ms_;
  s.delivery_errors = delivery_failures_;
  return s;
}

Status DeliveryStream::OpenSegmentLocked() {
  uint64_t seq = next_sequence_;
  if (seq >= record_.sequence_floor) {
    record_.sequence_floor = seq + kSequenceReservation;
    LAKEBOX_TRY(Persist());
  }
  WalSegmentHeader header{seq, record_.nonce, static_cast<uint32_t>(record_.description.version_id)};
  LAKEBOX_ASSIGN_OR_RETURN(std::unique_ptr<WalSegmentWriter> writer,
                           WalSegmentWriter::Create(WalSegmentPath(WalDir(), seq), header));
  open_ = std::move(writer);
  next_sequence_ = seq + 1;
  open_record_bytes_ = 0;
  open_first_arrival_ms_ = 0;
  wal_bytes_ += kWalHeaderSize;
  return Ok();
}

void DeliveryStream::SealLocked() {
  if (!open_) return;
  sealed_.push_back({open_->header().sequence, open_, open_record_bytes_, open_->size()});
  sealed_through_ = open_->header().sequence;
  open_.reset();
  open_record_bytes_ = 0;
  open_first_arrival_ms_ = 0;
  sealed_cv_.notify_all();
}

Result<std::vector<std::string>> DeliveryStream::Put(std::span<const std::string_view> records) {
  uint64_t record_bytes = 0;
  for (std::string_view r : records) record_bytes += r.size();
  int64_t now = NowMillis();
  // Encoding (copy + checksum) happens outside the lock so concurrent puts overlap.
  std::string entry;
  EncodeWalEntry(now, records, &entry);

  std::shared_ptr<WalSegmentWriter> segment;
  uint64_t end = 0;
  {
    std::lock_guard lock(mu_);
    if (!accepting_)
      return std::unexpected(Error::ResourceNotFound(fmt::format(
          "Firehose {} under account {} is being deleted.", name_, env_.options->account_id)));
    const uint64_t limit = env_.options->max_buffered_bytes_per_stream;
    if (buffered_bytes_ > 0 && buffered_bytes_ + record_bytes > limit)
      return std::unexpected(Error::ServiceUnavailable(fmt::format(
          "Slow down. Stream {} holds {} MiB not yet delivered (limit {} MiB); retry with backoff.", name_,
          buffered_bytes_ / kMiB, limit / kMiB)));
    if (env_.free_disk_bytes->load(std::memory_order_relaxed) < env_.options->min_free_disk_bytes)
      return std::unexpected(Error::ServiceUnavailable(fmt::format(
          "Slow down. The data dir has less than {} MiB free; retry with backoff once delivery or an operator "
          "frees space.",
          env_.options->min_free_disk_bytes / kMiB)));
    const uint64_t buffer_limit = static_cast<uint64_t>(record_.description.config.buffer_size_mb) * kMiB;
    // A batch that would overflow a non-empty buffer starts the next one, so objects stay within
    // SizeInMBs whenever a single batch fits.
    if (open_ && (open_->failed() || (open_record_bytes_ > 0 && open_record_bytes_ + record_bytes > buffer_limit)))
      SealLocked();
    if (!open_) LAKEBOX_TRY(OpenSegmentLocked());
    LAKEBOX_ASSIGN_OR_RETURN(end, open_->Enqueue(entry));
    if (open_record_bytes_ == 0) open_first_arrival_ms_ = now;
    open_record_bytes_ += record_bytes;
    buffered_bytes_ += record_bytes;
    wal_bytes_ += entry.size();
    segment = open_;
    if (open_record_bytes_ >= buffer_limit) SealLocked();
  }

  auto started = std::chrono::steady_clock::now();
  Status durable = segment->WaitDurable(end);
  FsyncSeconds().Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  if (!durable) {
    spdlog::error("stream {}: WAL write failed, {} record(s) not accepted: {}", name_, records.size(),
                  durable.error().message());
    return std::unexpected(Error::Internal(
        fmt::format("could not make the records durable ({}); they were not accepted, retry", durable.error().message())));
  }
  uint64_t offset = end - entry.size();
  std::vector<std::string> ids;
  ids.reserve(records.size());
  for (size_t i = 0; i < records.size(); ++i)
    ids.push_back(RecordId(record_.nonce, segment->header().sequence, offset, i));
  std::lock_guard lock(mu_);
  records_received_ += records.size();
  bytes_received_ += record_bytes;
  return ids;
}

void DeliveryStream::SealIfDue(int64_t now_ms) {
  std::lock_guard lock(mu_);
  if (!open_ || open_record_bytes_ == 0) return;
  int64_t interval_ms = int64_t{record_.description.config.buffer_interval_seconds} * 1000;
  if (now_ms - open_first_arrival_ms_ >= interval_ms) SealLocked();
}

Status DeliveryStream::Flush() {
  std::unique_lock lock(mu_);
  if (open_ && open_record_bytes_ > 0) SealLocked();
  const uint64_t target = sealed_through_;
  const uint64_t failures_before = delivery_failures_;
  delivered_cv_.wait(lock, [&] { return delivered_through_ >= target || delivery_failures_ != failures_before; });
  if (delivered_through_ >= target) return Ok();
  return std::unexpected(last_delivery_error_->WithContext(
      fmt::format("stream {}: delivery failed and will be retried; the records are safe in the WAL", name_)));
}

Status DeliveryStream::Close() {
  {
    std::lock_guard lock(mu_);
    if (open_ && open_record_bytes_ > 0) SealLocked();
    stopping_ = true;
  }
  sealed_cv_.notify_all();
  if (delivery_thread_.joinable()) delivery_thread_.join();
  std::lock_guard lock(mu_);
  if (open_) (void)open_->Close();  // an empty segment: delivered (as nothing) at the next start
  if (!sealed_.empty())
    return std::unexpected(Error::Io(fmt::format(
        "stream {}: {} segment(s) could not be delivered before shutdown; they stay in the WAL and are delivered "
        "at the next start",
        name_, sealed_.size())));
  return Ok();
}

Status DeliveryStream::Delete() {
  {
    std::lock_guard lock(mu_);
    accepting_ = false;
    record_.description.status = StreamStatus::kDeleting;
    LAKEBOX_TRY(Persist());
  }
  LAKEBOX_TRY(Close());
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
  if (ec) return std::unexpected(Error::Io(fmt::format("removing {}: {}", dir_.string(), ec.message())));
  return FsyncDir(dir_.parent_path());
}

void DeliveryStream::StartDeliveryThread() {
  delivery_thread_ = std::thread([this] { DeliveryLoop(); });
}

void DeliveryStream::DeliveryLoop() {
  int consecutive_failures = 0;
  while (true) {
    SealedSegment segment;
    {
      std::unique_lock lock(mu_);
      sealed_cv_.wait(lock, [&] { return !sealed_.empty() || stopping_; });
      if (sealed_.empty()) return;
      // While stopping, a store that keeps failing must not hang shutdown: the WAL keeps the data.
      if (stopping_ && consecutive_failures >= 3) return;
      segment = sealed_.front();
    }
    uint64_t object_bytes = 0;
    env_.delivery_slots->acquire();
    Status delivered = DeliverSegment(segment, &object_bytes);
    env_.delivery_slots->release();
    std::unique_lock lock(mu_);
    if (delivered) {
      consecutive_failures = 0;
      sealed_.pop_front();
      delivered_through_ = segment.sequence;
      buffered_bytes_ -= std::min(buffered_bytes_, segment.record_bytes);
      wal_bytes_ -= std::min(wal_bytes_, segment.wal_bytes);
      if (sealed_.empty() && !open_) buffered_bytes_ = 0;  // segments from the last run were estimates
      bytes_delivered_ += object_bytes;
      if (object_bytes > 0) {
        ++objects_delivered_;
        last_delivery_ms_ = NowMillis();
      }
      delivered_cv_.notify_all();
      continue;
    }
    ++consecutive_failures;
    ++delivery_failures_;
    last_delivery_error_ = delivered.error();
    delivered_cv_.notify_all();
    spdlog::error("stream {}: delivering segment {} failed (attempt {}), will retry: {}", name_, segment.sequence,
                  consecutive_failures, delivered.error().message());
    // Back off like Firehose retrying S3: quickly at first, then at most every 30 s.
    auto wait = std::chrono::milliseconds(std::min(30000, 250 << std::min(consecutive_failures, 7)));
    sealed_cv_.wait_for(lock, wait, [&] { return stopping_ && consecutive_failures >= 3; });
  }
}

Status DeliveryStream::DeliverSegment(const SealedSegment& segment, uint64_t* object_bytes) {
  const std::filesystem::path path = WalSegmentPath(WalDir(), segment.sequence);
  // A segment sealed in this run may still have queued entries: make them durable first, so the
  // object holds exactly the acknowledged records. A failed writer was cut back to its durable part.
  if (segment.writer) (void)segment.writer->Close();
  LAKEBOX_ASSIGN_OR_RETURN(WalSegmentReader reader, WalSegmentReader::Open(path));
  WalEntry entry;
  LAKEBOX_ASSIGN_OR_RETURN(bool has_entry, reader.Next(&entry));
  if (has_entry) {
    const StreamConfig& config = record_.description.config;  // immutable after creation
    ObjectKeyInputs inputs{config, reader.header(), entry.arrival_ms};
    LAKEBOX_ASSIGN_OR_RETURN(ObjectLocation key, BuildObjectKey(inputs));
    // Firehose needs the bucket to exist; on a local lake, creating it is what the user wants.
    LAKEBOX_TRY(env_.store->EnsureBucket(key.bucket));
    LAKEBOX_ASSIGN_OR_RETURN(std::unique_ptr<storage::ObjectWriter> writer,
                             env_.store->NewWriter(key.bucket, key.key));
    CompressorOptions options;
    options.zip_entry_name = key.zip_entry_name;
    LAKEBOX_ASSIGN_OR_RETURN(
        std::unique_ptr<Compressor> compressor,
        NewCompressor(CodecFor(config.compression),
                      [&](std::string_view bytes) -> Status { return writer->Append(bytes); }, options));
    std::string chunk;
    chunk.reserve(kCompressChunk + (64 << 10));
    uint64_t records = 0;
    do {
      for (std::string_view r : entry.records) {
        chunk.append(r);
        if (chunk.size() >= kCompressChunk) {
          LAKEBOX_TRY(compressor->Write(chunk));
          chunk.clear();
        }
      }
      records += entry.records.size();
      LAKEBOX_ASSIGN_OR_RETURN(has_entry, reader.Next(&entry));
    } while (has_entry);
    if (!chunk.empty()) LAKEBOX_TRY(compressor->Write(chunk));
    LAKEBOX_TRY(compressor->Finish());
    LAKEBOX_ASSIGN_OR_RETURN(storage::ObjectInfo info, writer->Commit());
    *object_bytes = info.size;
    spdlog::info("stream {}: delivered s3://{}/{} ({} records, {} bytes)", name_, key.bucket, key.key, records,
                 info.size);
  }
  if (reader.torn_tail())
    spdlog::warn("stream {}: segment {} ended in a torn write (a put that was never acknowledged)", name_,
                 segment.sequence);
  std::error_code ec;
  std::filesystem::remove(path, ec);
  if (ec) return std::unexpected(Error::Io(fmt::format("removing {}: {}", path.string(), ec.message())));
  return FsyncDir(WalDir());
}

}  // namespace lakebox::ingest
