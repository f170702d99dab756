// Where the cost of ingesting PutRecordBatch goes, stage by stage, so the bottleneck is known.
//
// Every stage runs alone on the benchmark thread over the same data: vehicle records from
// lakebox's own generator (producer/vehicle_generator.h, ~320 bytes each) in batches of 500, as an
// AWS SDK sends them. Every benchmark counts *record payload bytes* (the decoded records), so each
// line's bytes_per_second reads as "payload this stage alone sustains on one thread":
//
//   json_base64        FirehoseApi::Call("PutRecordBatch") into an ingest that only hands out ids:
//                      simdjson parse, validation, base64 decode, response JSON.
//   base64_decode      Base64DecodeAppend of the batch's 500 Data strings alone.
//   http               The whole server over loopback, ingest excepted: Server on port 0 and a
//                      blocking keep-alive client in the benchmark thread. Wall time covers client
//                      and server; server_cpu_MiBps is the payload per second of the server
//                      threads' CPU time.
//   wal_append_fsync   EncodeWalEntry + Enqueue + WaitDurable into a segment on /var/tmp, with
//                      batches_per_sync batches per fdatasync: 1 is one put at a time (no group
//                      commit, the worst case), 8 is the group commit of 8 concurrent puts. A new
//                      segment (fdatasync + directory fsync) starts every 5 MiB of payload, the
//                      default BufferingHints.SizeInMBs, as DeliveryStream::Put does.
//   wal_read_back      Delivery reading a sealed 5 MiB segment back (page cache, CRC-32C checks).
//   compress/<engine>  gzip level 1 of the payload through NewCompressor, fed in 1 MiB chunks of
//                      whole records as DeliveryStream::DeliverSegment does.
//   object_write       LocalObjectStore NewWriter + Append (256 KiB pieces, the compressor's sink
//                      size) of a 16 MiB gzip object + Commit (fsync, rename, directory fsync) on
//                      /var/tmp. Its payload is 16 MiB times the ISA-L gzip ratio.
//
// The disk stages (wal_*, object_write) and http use wall time, since they wait on the disk or on
// the other end; their cpu_MiBps counter is the payload per second of this thread's CPU time. The
// others use CPU time. Run a Release build with the machine otherwise idle:
//   build/release/bench/ingest_stages_bench --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <simdjson.h>
#include <spdlog/spdlog.h>

#include "common/base64.h"
#include "common/compression.h"
#include "ingest/ingest_service.h"
#include "ingest/stream_config.h"
#include "ingest/wal.h"
#include "producer/vehicle_generator.h"
#include "server/firehose_api.h"
#include "server/server.h"
#include "storage/local_object_store.h"

namespace lakebox {
namespace {

namespace fs = std::filesystem;

constexpr size_t kBatchRecords = 500;
constexpr size_t kMiB = 1 << 20;
// Payload generated once and shared by every stage: enough distinct batches that no stage runs
// over one cache-resident batch, and the size of a large delivered object.
constexpr size_t kCorpusBytes = 16 * kMiB;
// DeliveryStream::DeliverSegment's compressor input chunk.
constexpr size_t kCompressChunk = 1 * kMiB;
// Compressors hand the object writer pieces of about this size (common/compression.h).
constexpr size_t kSinkPiece = 256 << 10;
constexpr size_t kObjectBytes = 16 * kMiB;
constexpr std::string_view kStream = "bench";
constexpr std::string_view kBucket = "lake";
// The form of DeliveryStream's RecordIds (48 hex digits), so the response has its real size.
constexpr std::string_view kRecordIdPattern = "{:016x}{:016x}{:012x}{:04x}";

// ---- Data -----------------------------------------------------------------------------------

struct Corpus {
  std::vector<std::string> records;                  // whole batches of kBatchRecords
  std::vector<std::vector<std::string_view>> batches;  // views into `records`
  std::vector<size_t> batch_bytes;                   // payload bytes per batch
  std::vector<std::vector<std::string>> base64;      // each batch's Data strings
  std::vector<std::string> bodies;                   // each batch's PutRecordBatch body
  size_t bytes = 0;                                  // payload bytes of all records
};

const Corpus& Data() {
  static const Corpus corpus = [] {
    Corpus c;
    producer::VehicleGenerator generator(producer::VehicleGenerator::kDefaultVehicles, 42);
    constexpr int64_t kStartMs = 1'764'028'800'000;  // 2025-11-25T00:00:00Z
    constexpr int64_t kStepMs = 10;
    while (c.bytes < kCorpusBytes || c.records.size() % kBatchRecords != 0) {
      c.records.push_back(generator.Next(kStartMs + static_cast<int64_t>(c.records.size()) * kStepMs));
      c.bytes += c.records.back().size();
    }
    for (size_t first = 0; first < c.records.size(); first += kBatchRecords) {
      std::vector<std::string_view> batch(c.records.begin() + first,
                                          c.records.begin() + first + kBatchRecords);
      size_t bytes = 0;
      std::vector<std::string> encoded;
      std::string body = fmt::format(R"({{"DeliveryStreamName":"{}","Records":[)", kStream);
      for (std::string_view record : batch) {
        bytes += record.size();
        encoded.push_back(Base64Encode(record));
        if (body.back() != '[') body += ',';
        body += R"({"Data":")";
        body += encoded.back();
        body += R"("})";
      }
      body += "]}";
      // As the server does, so parsing needs no copy.
      body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
      c.batches.push_back(std::move(batch));
      c.batch_bytes.push_back(bytes);
      c.base64.push_back(std::move(encoded));
      c.bodies.push_back(std::move(body));
    }
    return c;
  }();
  return corpus;
}

// ISA-L gzip level 1 of the whole corpus, the object delivery writes by default.
const std::string& GzipCorpus() {
  static const std::string gzip = [] {
    std::string out;
    auto compressor = NewCompressor(Codec::kGzip, [&](std::string_view piece) -> Status {
      out.append(piece);
      return Ok();
    });
    std::string payload;
    for (const std::string& record : Data().records) payload += record;
    if (!compressor || !(*compressor)->Write(payload) || !(*compressor)->Finish()) out.clear();
    return out;
  }();
  return gzip;
}

// ---- Helpers --------------------------------------------------------------------------------

double CpuSeconds(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Payload MiB per second of `seconds` (a CPU time), for the counters of wall-time benchmarks.
double MiBps(double bytes, double seconds) {
  return seconds > 0 ? bytes / seconds / static_cast<double>(kMiB) : 0;
}

// A fresh directory on the real disk (/var/tmp, not a tmpfs), removed with the object.
class ScratchDir {
 public:
  explicit ScratchDir(std::string_view stage)
      : path_(fs::path("/var/tmp") / fmt::format("lakebox-stages-{}-{}", ::getpid(), stage)) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// An ingest that accepts every put and answers ids shaped like DeliveryStream's, precomputed so
// that the stages measured around it carry none of ingest's cost.
class AcceptingIngest final : public ingest::IngestService {
 public:
  AcceptingIngest() {
    for (size_t i = 0; i < kBatchRecords; ++i)
      ids_.push_back(fmt::format(fmt::runtime(kRecordIdPattern), 0x5eedull, 1, 4096 * i, i));
  }

  Result<std::vector<std::string>> PutRecords(std::string_view stream,
                                              std::span<const std::string_view> records) override {
    if (stream != kStream || records.size() > ids_.size())
      return std::unexpected(Error::InvalidArgument("unexpected put"));
    records_ += records.size();
    return std::vector<std::string>(ids_.begin(), ids_.begin() + static_cast<ptrdiff_t>(records.size()));
  }

  Result<ingest::StreamDescription> CreateStream(ingest::StreamConfig) override { return Unused(); }
  Result<ingest::StreamDescription> EnsureStream(ingest::StreamConfig) override { return Unused(); }
  Result<ingest::StreamDescription> DescribeStream(std::string_view) const override { return Unused(); }
  std::vector<std::string> ListStreams() const override { return {}; }
  Status DeleteStream(std::string_view) override { return Unused(); }
  Status Flush(std::optional<std::string_view>) override { return Unused(); }
  std::vector<ingest::StreamStats> Stats() const override { return {}; }
  Status Shutdown() override { return Ok(); }

  uint64_t records() const { return records_; }

 private:
  static std::unexpected<Error> Unused() {
    return std::unexpected(Error::Internal("not used by the stage benchmark"));
  }

  std::vector<std::string> ids_;
  uint64_t records_ = 0;  // only the benchmark thread (direct calls) or one connection calls
};

// ---- 1. JSON + base64 -----------------------------------------------------------------------

void BM_JsonBase64(benchmark::State& state) {
  const Corpus& data = Data();
  std::vector<std::string> bodies = data.bodies;  // Call takes the body mutably
  for (std::string& body : bodies) body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
  AcceptingIngest ingest;
  server::FirehoseApi api(&ingest);
  size_t next = 0;
  int64_t bytes = 0;
  for (auto _ : state) {
    Result<std::string> response = api.Call("PutRecordBatch", bodies[next]);
    if (!response) {
      state.SkipWithError(response.error().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(response->data());
    bytes += static_cast<int64_t>(data.batch_bytes[next]);
    next = (next + 1) % bodies.size();
  }
  if (ingest.records() != static_cast<uint64_t>(state.iterations()) * kBatchRecords)
    state.SkipWithError("ingest did not receive every record");
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_JsonBase64)->Name("json_base64")->Unit(benchmark::kMicrosecond);

void BM_Base64Decode(benchmark::State& state) {
  const Corpus& data = Data();
  std::string buffer;
  size_t next = 0;
  int64_t bytes = 0;
  for (auto _ : state) {
    buffer.clear();
    for (const std::string& text : data.base64[next]) {
      if (!Base64DecodeAppend(text, &buffer)) {
        state.SkipWithError("base64 decode failed");
        return;
      }
    }
    benchmark::DoNotOptimize(buffer.data());
    if (buffer.size() != data.batch_bytes[next]) {
      state.SkipWithError("decoded size differs from the payload");
      return;
    }
    bytes += static_cast<int64_t>(data.batch_bytes[next]);
    next = (next + 1) % data.base64.size();
  }
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_Base64Decode)->Name("base64_decode")->Unit(benchmark::kMicrosecond);

// ---- 2. HTTP --------------------------------------------------------------------------------

// A blocking HTTP/1.1 keep-alive client for one connection; just enough HTTP for lakebox's
// responses (Content-Length bodies).
class LoopbackClient {
 public:
  ~LoopbackClient() {
    if (fd_ >= 0) ::close(fd_);
  }

  Status Connect(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return std::unexpected(Error::IoFromErrno("socket", "loopback"));
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
      return std::unexpected(Error::IoFromErrno("connect", "loopback"));
    return Ok();
  }

  // Sends one whole request and reads its response; returns the HTTP status.
  Result<int> RoundTrip(std::string_view request) {
    while (!request.empty()) {
      ssize_t sent = ::send(fd_, request.data(), request.size(), MSG_NOSIGNAL);
      if (sent < 0 && errno == EINTR) continue;
      if (sent <= 0) return std::unexpected(Error::IoFromErrno("send", "loopback"));
      request.remove_prefix(static_cast<size_t>(sent));
    }
    size_t header_end;
    while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) LAKEBOX_TRY(ReadMore());
    std::string_view head(buffer_.data(), header_end);
    int status = head.size() > 12 ? std::atoi(buffer_.c_str() + 9) : 0;
    size_t body_length = 0;
    for (std::string_view name : {"Content-Length:", "content-length:"}) {
      if (size_t at = head.find(name); at != std::string_view::npos)
        body_length = std::strtoull(buffer_.c_str() + at + name.size(), nullptr, 10);
    }
    const size_t total = header_end + 4 + body_length;
    while (buffer_.size() < total) LAKEBOX_TRY(ReadMore());
    buffer_.erase(0, total);
    return status;
  }

 private:
  Status ReadMore() {
    char chunk[64 << 10];
    for (;;) {
      ssize_t got = ::recv(fd_, chunk, sizeof chunk, 0);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) return std::unexpected(Error::IoFromErrno("recv", "loopback"));
      if (got == 0) return std::unexpected(Error::Io("the server closed the connection"));
      buffer_.append(chunk, static_cast<size_t>(got));
      return Ok();
    }
  }

  int fd_ = -1;
  std::string buffer_;
};

void BM_Http(benchmark::State& state) {
  const Corpus& data = Data();
  AcceptingIngest ingest;
  server::ServerOptions options;
  options.port = 0;
  auto server = server::Server::Start(options, {.ingest = &ingest});
  if (!server) {
    state.SkipWithError(server.error().ToString().c_str());
    return;
  }
  // The headers an AWS SDK sends (signature values are not checked by lakebox, but their bytes
  // are parsed like any others).
  std::vector<std::string> requests;
  for (const std::string& body : data.bodies) {
    requests.push_back(fmt::format(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/x-amz-json-1.1\r\n"
        "X-Amz-Target: Firehose_20150804.PutRecordBatch\r\nUser-Agent: aws-sdk-java/2.25.0 "
        "Linux/6.1 OpenJDK_64-Bit_Server_VM/21 Java/21 vendor/Eclipse_Adoptium io/sync "
        "http/Apache cfg/retry-mode/legacy\r\nX-Amz-Date: 20251125T000000Z\r\n"
        "amz-sdk-invocation-id: 6f1d3c2a-9b8e-4f70-a1d2-3c4b5a697887\r\n"
        "amz-sdk-request: attempt=1; max=4\r\nAuthorization: AWS4-HMAC-SHA256 "
        "Credential=AKIAIOSFODNN7EXAMPLE/20251125/us-east-1/firehose/aws4_request, "
        "SignedHeaders=amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;"
        "x-amz-date;x-amz-target, Signature="
        "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7\r\n"
        "Content-Length: {}\r\nConnection: keep-alive\r\n\r\n{}",
        (*server)->port(), body.size(), body));
  }
  LoopbackClient client;
  if (Status connected = client.Connect((*server)->port()); !connected) {
    state.SkipWithError(connected.error().ToString().c_str());
    return;
  }
  size_t next = 0;
  int64_t bytes = 0;
  const double process_start = CpuSeconds(CLOCK_PROCESS_CPUTIME_ID);
  const double thread_start = CpuSeconds(CLOCK_THREAD_CPUTIME_ID);
  for (auto _ : state) {
    Result<int> status = client.RoundTrip(requests[next]);
    if (!status || *status != 200) {
      state.SkipWithError(status ? fmt::format("HTTP {}", *status).c_str()
                                 : status.error().ToString().c_str());
      break;
    }
    bytes += static_cast<int64_t>(data.batch_bytes[next]);
    next = (next + 1) % requests.size();
  }
  const double client_cpu = CpuSeconds(CLOCK_THREAD_CPUTIME_ID) - thread_start;
  const double server_cpu = CpuSeconds(CLOCK_PROCESS_CPUTIME_ID) - process_start - client_cpu;
  state.SetBytesProcessed(bytes);
  state.counters["server_cpu_MiBps"] = MiBps(static_cast<double>(bytes), server_cpu);
  state.counters["client_cpu_MiBps"] = MiBps(static_cast<double>(bytes), client_cpu);
}
BENCHMARK(BM_Http)->Name("http")->UseRealTime()->Unit(benchmark::kMicrosecond);

// ---- 3. WAL + fsync -------------------------------------------------------------------------

// Arg: batches per fdatasync.
void BM_WalAppendFsync(benchmark::State& state) {
  const Corpus& data = Data();
  const auto batches_per_sync = static_cast<size_t>(state.range(0));
  const uint64_t segment_payload = static_cast<uint64_t>(ingest::StreamConfig{}.buffer_size_mb) * kMiB;
  ScratchDir dir("wal");
  std::unique_ptr<ingest::WalSegmentWriter> segment;
  uint64_t sequence = 0;
  uint64_t segment_bytes = 0;
  auto open_segment = [&]() -> Status {
    ++sequence;
    LAKEBOX_ASSIGN_OR_RETURN(segment, ingest::WalSegmentWriter::Create(
                                          ingest::WalSegmentPath(dir.path(), sequence),
                                          ingest::WalSegmentHeader{sequence, 0x5eed, 1}));
    segment_bytes = 0;
    return Ok();
  };
  size_t next = 0;
  int64_t bytes = 0;
  double cpu = 0;
  for (auto _ : state) {
    const double cpu_start = CpuSeconds(CLOCK_THREAD_CPUTIME_ID);
    // DeliveryStream::Put opens the next segment in the put that finds none open.
    if (!segment) {
      if (Status opened = open_segment(); !opened) {
        state.SkipWithError(opened.error().ToString().c_str());
        break;
      }
    }
    uint64_t end = 0;
    for (size_t i = 0; i < batches_per_sync; ++i) {
      std::string entry;  // per put, as in DeliveryStream::Put
      ingest::EncodeWalEntry(1'764'028'800'000, data.batches[next], &entry);
      Result<uint64_t> queued = segment->Enqueue(entry);
      if (!queued) {
        state.SkipWithError(queued.error().ToString().c_str());
        return;
      }
      end = *queued;
      segment_bytes += data.batch_bytes[next];
      bytes += static_cast<int64_t>(data.batch_bytes[next]);
      next = (next + 1) % data.batches.size();
    }
    if (Status durable = segment->WaitDurable(end); !durable) {
      state.SkipWithError(durable.error().ToString().c_str());
      break;
    }
    cpu += CpuSeconds(CLOCK_THREAD_CPUTIME_ID) - cpu_start;
    // Sealed at the buffer size; delivering and deleting it is delivery's work, not timed.
    if (segment_bytes >= segment_payload) {
      state.PauseTiming();
      const fs::path sealed = segment->path();
      segment.reset();
      fs::remove(sealed);
      state.ResumeTiming();
    }
  }
  state.SetBytesProcessed(bytes);
  state.counters["cpu_MiBps"] = MiBps(static_cast<double>(bytes), cpu);
}
BENCHMARK(BM_WalAppendFsync)
    ->Name("wal_append_fsync")
    ->ArgName("batches_per_sync")
    ->Arg(1)
    ->Arg(8)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

// Delivery's first step: reading a sealed segment back entry by entry, checksums verified, from
// the page cache (it was written moments before).
void BM_WalReadBack(benchmark::State& state) {
  const Corpus& data = Data();
  const uint64_t segment_payload = static_cast<uint64_t>(ingest::StreamConfig{}.buffer_size_mb) * kMiB;
  ScratchDir dir("walread");
  const fs::path path = ingest::WalSegmentPath(dir.path(), 1);
  int64_t segment_bytes = 0;
  {
    auto writer = ingest::WalSegmentWriter::Create(path, ingest::WalSegmentHeader{1, 0x5eed, 1});
    if (!writer) {
      state.SkipWithError(writer.error().ToString().c_str());
      return;
    }
    uint64_t end = 0;
    for (size_t b = 0; b < data.batches.size() && static_cast<uint64_t>(segment_bytes) < segment_payload;
         ++b) {
      std::string entry;
      ingest::EncodeWalEntry(1'764'028'800'000, data.batches[b], &entry);
      Result<uint64_t> queued = (*writer)->Enqueue(entry);
      if (!queued) {
        state.SkipWithError(queued.error().ToString().c_str());
        return;
      }
      end = *queued;
      segment_bytes += static_cast<int64_t>(data.batch_bytes[b]);
    }
    if (!(*writer)->WaitDurable(end) || !(*writer)->Close()) {
      state.SkipWithError("writing the segment failed");
      return;
    }
  }
  int64_t bytes = 0;
  for (auto _ : state) {
    Result<ingest::WalSegmentReader> reader = ingest::WalSegmentReader::Open(path);
    if (!reader) {
      state.SkipWithError(reader.error().ToString().c_str());
      break;
    }
    ingest::WalEntry entry;
    int64_t read = 0;
    for (;;) {
      Result<bool> more = reader->Next(&entry);
      if (!more) {
        state.SkipWithError(more.error().ToString().c_str());
        return;
      }
      if (!*more) break;
      for (std::string_view record : entry.records) read += static_cast<int64_t>(record.size());
    }
    if (read != segment_bytes) {
      state.SkipWithError("read back a different payload");
      break;
    }
    bytes += read;
  }
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_WalReadBack)->Name("wal_read_back")->Unit(benchmark::kMillisecond);

// ---- 4. Compression -------------------------------------------------------------------------

void BM_Compress(benchmark::State& state, GzipBackend backend) {
  const Corpus& data = Data();
  CompressorOptions options;
  options.level = 1;
  options.gzip_backend = backend;
  std::string chunk;
  chunk.reserve(kCompressChunk + (64 << 10));
  uint64_t compressed = 0;
  for (auto _ : state) {
    compressed = 0;
    auto compressor = NewCompressor(
        Codec::kGzip,
        [&](std::string_view piece) -> Status {
          compressed += piece.size();
          return Ok();
        },
        options);
    if (!compressor) {
      state.SkipWithError(compressor.error().ToString().c_str());
      break;
    }
    // As DeliveryStream::DeliverSegment: whole records gathered into ~1 MiB chunks.
    Status written = Ok();
    chunk.clear();
    for (const std::string& record : data.records) {
      chunk.append(record);
      if (chunk.size() >= kCompressChunk) {
        written = (*compressor)->Write(chunk);
        if (!written) break;
        chunk.clear();
      }
    }
    if (written && !chunk.empty()) written = (*compressor)->Write(chunk);
    if (written) written = (*compressor)->Finish();
    if (!written) {
      state.SkipWithError(written.error().ToString().c_str());
      break;
    }
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(data.bytes));
  if (compressed > 0)
    state.counters["ratio"] = static_cast<double>(data.bytes) / static_cast<double>(compressed);
}
BENCHMARK_CAPTURE(BM_Compress, isal, GzipBackend::kIsal)
    ->Name("compress/isal")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Compress, libdeflate, GzipBackend::kLibdeflate)
    ->Name("compress/libdeflate")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Compress, zlib, GzipBackend::kZlib)
    ->Name("compress/zlib")
    ->Unit(benchmark::kMillisecond);

// ---- 5. Object write ------------------------------------------------------------------------

void BM_ObjectWrite(benchmark::State& state) {
  const Corpus& data = Data();
  const std::string& gzip = GzipCorpus();
  if (gzip.empty()) {
    state.SkipWithError("compressing the corpus failed");
    return;
  }
  // 16 MiB of real gzip output (the corpus's object repeated); its payload is what ISA-L packs
  // into 16 MiB.
  std::string object;
  while (object.size() < kObjectBytes) object.append(gzip, 0, kObjectBytes - object.size());
  const double payload_per_object =
      static_cast<double>(kObjectBytes) * static_cast<double>(data.bytes) / static_cast<double>(gzip.size());

  ScratchDir dir("s3");
  auto store = storage::LocalObjectStore::Open(dir.path());
  if (!store || !(*store)->EnsureBucket(kBucket)) {
    state.SkipWithError("opening the object store failed");
    return;
  }
  uint64_t n = 0;
  double cpu = 0;
  for (auto _ : state) {
    const double cpu_start = CpuSeconds(CLOCK_THREAD_CPUTIME_ID);
    // A key shaped like delivery's (YYYY/MM/DD/HH/ prefix, unique name).
    const std::string key =
        fmt::format("2025/11/25/00/{}-1-2025-11-25-00-00-00-{:08x}.gz", kStream, n++);
    Status written = [&]() -> Status {
      LAKEBOX_ASSIGN_OR_RETURN(std::unique_ptr<storage::ObjectWriter> writer,
                               (*store)->NewWriter(kBucket, key));
      for (size_t at = 0; at < object.size(); at += kSinkPiece)
        LAKEBOX_TRY(writer->Append(std::string_view(object).substr(at, kSinkPiece)));
      LAKEBOX_TRY(writer->Commit());
      return Ok();
    }();
    cpu += CpuSeconds(CLOCK_THREAD_CPUTIME_ID) - cpu_start;
    if (!written) {
      state.SkipWithError(written.error().ToString().c_str());
      break;
    }
    state.PauseTiming();  // deleting objects is not part of ingest
    Status deleted = (*store)->Delete(kBucket, key);
    state.ResumeTiming();
    if (!deleted) {
      state.SkipWithError(deleted.error().ToString().c_str());
      break;
    }
  }
  const double bytes = payload_per_object * static_cast<double>(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["cpu_MiBps"] = MiBps(bytes, cpu);
  state.counters["object_MiB"] = static_cast<double>(kObjectBytes) / static_cast<double>(kMiB);
  state.counters["payload_MiB"] = payload_per_object / static_cast<double>(kMiB);
}
BENCHMARK(BM_ObjectWrite)->Name("object_write")->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace lakebox

int main(int argc, char** argv) {
  // The server's startup lines would interleave with the results table.
  spdlog::set_level(spdlog::level::warn);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
