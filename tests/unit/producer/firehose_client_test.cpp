#include "producer/firehose_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/base64.h"

namespace lakebox::producer {
namespace {

// A minimal HTTP/1.1 server on a loopback port, serving one connection at a time (the client under
// test uses one), with keep-alive. Each request goes to `handler`, which runs on the server thread.
class FakeServer {
 public:
  struct Request {
    std::string method;
    std::string path;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
  };
  struct Reply {
    int status = 200;
    std::string body;
    bool drop_connection = false;  // close without answering, like a crashed server
  };
  using Handler = std::function<Reply(const Request&)>;

  explicit FakeServer(Handler handler) : handler_(std::move(handler)) {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    EXPECT_EQ(bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(listen(listener_, 8), 0);
    socklen_t length = sizeof address;
    getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }

  ~FakeServer() {
    stop_ = true;
    thread_.join();
    close(listener_);
  }

  std::string endpoint() const { return fmt::format("http://127.0.0.1:{}", port_); }
  int connections() const { return connections_; }
  std::vector<Request> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  // Waits until `fd` is readable or the server stops; false when stopping.
  bool WaitReadable(int fd) {
    while (!stop_) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 20) > 0) return true;
    }
    return false;
  }

  void Serve() {
    while (WaitReadable(listener_)) {
      int connection = accept(listener_, nullptr, nullptr);
      if (connection < 0) continue;
      ++connections_;
      while (ServeOne(connection)) {
      }
      close(connection);
    }
  }

  // Reads one request and answers it; false when the connection is over.
  bool ServeOne(int connection) {
    std::string data;
    size_t header_end;
    while ((header_end = data.find("\r\n\r\n")) == std::string::npos) {
      if (!ReadMore(connection, data)) return false;
    }
    Request request;
    std::string head = data.substr(0, header_end);
    size_t line_end = head.find("\r\n");
    std::string request_line = head.substr(0, line_end);
    request.method = request_line.substr(0, request_line.find(' '));
    request.path = request_line.substr(request.method.size() + 1,
                                       request_line.rfind(' ') - request.method.size() - 1);
    size_t pos = line_end + 2;
    while (pos < head.size()) {
      size_t end = std::min(head.find("\r\n", pos), head.size());
      std::string line = head.substr(pos, end - pos);
      size_t colon = line.find(':');
      std::string name = line.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      request.headers[name] = value;
      pos = end + 2;
    }
    size_t content_length = std::stoul(request.headers["content-length"]);
    request.body = data.substr(header_end + 4);
    while (request.body.size() < content_length) {
      if (!ReadMore(connection, request.body)) return false;
    }
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(request);
    }
    Reply reply = handler_(request);
    if (reply.drop_connection) return false;
    std::string response = fmt::format(
        "HTTP/1.1 {} Status\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\n\r\n{}",
        reply.status, reply.body.size(), reply.body);
    size_t sent = 0;
    while (sent < response.size()) {
      ssize_t n = send(connection, response.data() + sent, response.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<size_t>(n);
    }
    return true;
  }

  bool ReadMore(int connection, std::string& data) {
    if (!WaitReadable(connection)) return false;
    char buffer[65536];
    ssize_t n = recv(connection, buffer, sizeof buffer, 0);
    if (n <= 0) return false;
    data.append(buffer, static_cast<size_t>(n));
    return true;
  }

  Handler handler_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_ = false;
  std::atomic<int> connections_ = 0;
  mutable std::mutex mutex_;
  std::vector<Request> requests_;
  std::thread thread_;
};

// The decoded records of a PutRecordBatch request body. A plain scan rather than a JSON parse,
// which is slow on the multi-megabyte bodies of some tests (base64 text has no escapes).
std::vector<std::string> RecordsOf(const FakeServer::Request& request) {
  constexpr std::string_view kData = R"("Data":")";
  std::vector<std::string> records;
  for (size_t pos = request.body.find(kData); pos != std::string::npos; pos = request.body.find(kData, pos)) {
    pos += kData.size();
    size_t end = request.body.find('"', pos);
    auto decoded = Base64Decode(std::string_view(request.body).substr(pos, end - pos));
    EXPECT_TRUE(decoded.has_value());
    records.push_back(decoded.value_or(""));
    pos = end;
  }
  return records;
}

// A PutRecordBatch answer; `fail(i)` says whether record i is rejected as throttled.
std::string BatchReply(size_t count, const std::function<bool(size_t)>& fail = {}) {
  nlohmann::json responses = nlohmann::json::array();
  int failed = 0;
  for (size_t i = 0; i < count; ++i) {
    if (fail && fail(i)) {
      ++failed;
      responses.push_back({{"ErrorCode", "ServiceUnavailableException"}, {"ErrorMessage", "Slow down."}});
    } else {
      responses.push_back({{"RecordId", fmt::format("id-{}", i)}});
    }
  }
  return nlohmann::json{{"FailedPutCount", failed}, {"Encrypted", false}, {"RequestResponses", responses}}.dump();
}

FakeServer::Reply ErrorReply(int status, std::string_view type, std::string_view message) {
  return {status, nlohmann::json{{"__type", type}, {"message", message}}.dump()};
}

// Records accepted by a fake Firehose, shared between its handler and the test.
struct Ledger {
  std::mutex mutex;
  std::vector<std::string> accepted;

  void Accept(std::string record) {
    std::lock_guard lock(mutex);
    accepted.push_back(std::move(record));
  }
};

FirehoseClient MakeClient(const std::string& endpoint) {
  ClientOptions options;
  options.endpoint = endpoint;
  options.request_timeout = std::chrono::seconds(10);
  auto client = FirehoseClient::Create(options);
  EXPECT_TRUE(client.has_value());
  return std::move(client).value();
}

ProduceOptions FastRetries() {
  ProduceOptions options;
  options.initial_backoff = std::chrono::milliseconds(1);
  options.max_backoff = std::chrono::milliseconds(4);
  options.max_attempts = 4;
  return options;
}

RecordSource Numbered(const std::string& prefix = "record") {
  auto next = std::make_shared<int>(0);
  return [next, prefix] { return fmt::format("{}-{}\n", prefix, (*next)++); };
}

std::vector<std::string> NumberedRecords(int count, const std::string& prefix = "record") {
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) out.push_back(fmt::format("{}-{}\n", prefix, i));
  return out;
}

TEST(FirehoseClientTest, PutRecordBatchSendsTheAwsCliRequestAndParsesTheAnswer) {
  FakeServer server([](const FakeServer::Request& request) {
    return FakeServer::Reply{200, BatchReply(RecordsOf(request).size(), [](size_t i) { return i == 1; })};
  });
  FirehoseClient client = MakeClient(server.endpoint());
  std::vector<std::string> records = {"{\"a\":1}\n", std::string("bin\0ary\xff", 7), ""};
  auto result = client.PutRecordBatch("vehicles", records);
  ASSERT_TRUE(result.has_value()) << result.error().ToString();
  EXPECT_EQ(result->failed_put_count, 1);
  EXPECT_FALSE(result->encrypted);
  ASSERT_EQ(result->responses.size(), 3u);
  EXPECT_TRUE(result->responses[0].ok());
  EXPECT_EQ(result->responses[0].record_id, "id-0");
  EXPECT_FALSE(result->responses[1].ok());
  EXPECT_EQ(result->responses[1].error_code, "ServiceUnavailableException");
  EXPECT_EQ(result->responses[1].error_message, "Slow down.");
  EXPECT_EQ(result->responses[2].record_id, "id-2");

  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  const auto& request = requests[0];
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.path, "/");
  EXPECT_EQ(request.headers.at("x-amz-target"), "Firehose_20150804.PutRecordBatch");
  EXPECT_EQ(request.headers.at("content-type"), "application/x-amz-json-1.1");
  EXPECT_FALSE(request.headers.contains("expect"));
  auto body = nlohmann::json::parse(request.body);
  EXPECT_EQ(body["DeliveryStreamName"], "vehicles");
  ASSERT_EQ(body["Records"].size(), 3u);
  EXPECT_EQ(body["Records"][1]["Data"], Base64Encode(records[1]));
  EXPECT_EQ(RecordsOf(request), records);
}

TEST(FirehoseClientTest, ReusesOneConnection) {
  FakeServer server([](const FakeServer::Request& request) {
    return FakeServer::Reply{200, BatchReply(RecordsOf(request).size())};
  });
  FirehoseClient client = MakeClient(server.endpoint());
  auto records = NumberedRecords(3);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(client.PutRecordBatch("s", records).has_value());
  EXPECT_EQ(server.requests().size(), 5u);
  EXPECT_EQ(server.connections(), 1);
}

TEST(FirehoseClientTest, CallSendsAnyOperation) {
  FakeServer server([](const FakeServer::Request& request) {
    return FakeServer::Reply{200, R"({"DeliveryStreamNames":["a"],"HasMoreDeliveryStreams":false})"};
  });
  FirehoseClient client = MakeClient(server.endpoint());
  auto body = client.Call("ListDeliveryStreams", "{}");
  ASSERT_TRUE(body.has_value()) << body.error().ToString();
  EXPECT_EQ(*body, R"({"DeliveryStreamNames":["a"],"HasMoreDeliveryStreams":false})");
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].headers.at("x-amz-target"), "Firehose_20150804.ListDeliveryStreams");
  EXPECT_EQ(requests[0].body, "{}");
}

TEST(FirehoseClientTest, AwsErrorsBecomeTheMatchingError) {
  std::vector<FakeServer::Reply> replies = {
      ErrorReply(400, "ResourceNotFoundException", "Firehose nope under account 000000000000 not found."),
      ErrorReply(400, "com.amazonaws.firehose#InvalidArgumentException", "Records size exceeds 4 MB limit"),
      ErrorReply(503, "ServiceUnavailableException", "Slow down."),
      ErrorReply(400, "ThrottlingException", "Rate exceeded"),
      {502, "<html>bad gateway</html>"},
      {200, "not json"},
      {200, R"({"FailedPutCount":0,"RequestResponses":[]})"},
  };
  FakeServer server([&, next = size_t{0}](const FakeServer::Request&) mutable { return replies[next++]; });
  FirehoseClient client = MakeClient(server.endpoint());
  auto records = NumberedRecords(1);
  auto put = [&] { return client.PutRecordBatch("nope", records); };

  auto not_found = put();
  ASSERT_FALSE(not_found.has_value());
  EXPECT_EQ(not_found.error().code(), Error::Code::kResourceNotFound);
  EXPECT_EQ(not_found.error().message(), "Firehose nope under account 000000000000 not found.");

  auto invalid = put();
  ASSERT_FALSE(invalid.has_value());
  EXPECT_EQ(invalid.error().code(), Error::Code::kInvalidArgument);
  EXPECT_EQ(invalid.error().message(), "Records size exceeds 4 MB limit");

  auto unavailable = put();
  ASSERT_FALSE(unavailable.has_value());
  EXPECT_EQ(unavailable.error().code(), Error::Code::kServiceUnavailable);

  auto throttled = put();
  ASSERT_FALSE(throttled.has_value());
  EXPECT_EQ(throttled.error().code(), Error::Code::kInvalidArgument);
  EXPECT_EQ(throttled.error().message(), "ThrottlingException: Rate exceeded");

  auto gateway = put();
  ASSERT_FALSE(gateway.has_value());
  EXPECT_EQ(gateway.error().code(), Error::Code::kInternal);
  EXPECT_NE(gateway.error().message().find("HTTP 502"), std::string::npos) << gateway.error().message();
  EXPECT_NE(gateway.error().message().find("bad gateway"), std::string::npos);

  auto garbage = put();
  ASSERT_FALSE(garbage.has_value());
  EXPECT_EQ(garbage.error().code(), Error::Code::kSerialization);

  auto short_answer = put();
  ASSERT_FALSE(short_answer.has_value());
  EXPECT_EQ(short_answer.error().code(), Error::Code::kSerialization);
  EXPECT_NE(short_answer.error().message().find("0 RequestResponses for 1 records"), std::string::npos)
      << short_answer.error().message();
}

TEST(FirehoseClientTest, UnreachableEndpointIsAnIoErrorNamingIt) {
  // A port that was just free: nothing listens there.
  int probe = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(probe, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  socklen_t length = sizeof address;
  getsockname(probe, reinterpret_cast<sockaddr*>(&address), &length);
  close(probe);
  std::string endpoint = fmt::format("http://127.0.0.1:{}", ntohs(address.sin_port));

  FirehoseClient client = MakeClient(endpoint);
  auto result = client.PutRecordBatch("vehicles", NumberedRecords(1));
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code(), Error::Code::kIo);
  EXPECT_NE(result.error().message().find("cannot reach lakebox at " + endpoint), std::string::npos)
      << result.error().message();
  EXPECT_NE(result.error().message().find("is `lakebox serve` running?"), std::string::npos);

  // Produce does not retry it: the user should start the server, not wait.
  auto produced = Produce(client, "vehicles", 10, Numbered(), FastRetries());
  ASSERT_FALSE(produced.has_value());
  EXPECT_EQ(produced.error().code(), Error::Code::kIo);
}

TEST(FirehoseClientTest, CodeFromAwsNameInvertsAwsName) {
  for (auto code : {Error::Code::kInvalidArgument, Error::Code::kValidation, Error::Code::kSerialization,
                    Error::Code::kUnknownOperation, Error::Code::kResourceNotFound, Error::Code::kResourceInUse,
                    Error::Code::kLimitExceeded, Error::Code::kServiceUnavailable, Error::Code::kNotFound,
                    Error::Code::kInternal}) {
    Error error(code, "m");
    EXPECT_EQ(Error::CodeFromAwsName(error.AwsName()), code) << error.AwsName();
  }
  EXPECT_EQ(Error::CodeFromAwsName("com.amazonaws.firehose#ResourceInUseException"), Error::Code::kResourceInUse);
  EXPECT_EQ(Error::CodeFromAwsName("ThrottlingException"), std::nullopt);
  EXPECT_EQ(Error::CodeFromAwsName(""), std::nullopt);
}

TEST(ProduceTest, SplitsIntoBatchesAndReportsProgress) {
  Ledger ledger;
  FakeServer server([&](const FakeServer::Request& request) {
    auto records = RecordsOf(request);
    for (auto& record : records) ledger.Accept(record);
    return FakeServer::Reply{200, BatchReply(records.size())};
  });
  FirehoseClient client = MakeClient(server.endpoint());
  std::vector<int64_t> progress;
  auto stats = Produce(client, "vehicles", 1234, Numbered(), FastRetries(),
                       [&](const ProduceStats& s) { progress.push_back(s.records); });
  ASSERT_TRUE(stats.has_value()) << stats.error().ToString();
  EXPECT_EQ(stats->records, 1234);
  EXPECT_EQ(stats->retries, 0);
  int64_t bytes = 0;
  for (const auto& record : NumberedRecords(1234)) bytes += static_cast<int64_t>(record.size());
  EXPECT_EQ(stats->bytes, bytes);
  EXPECT_GT(stats->elapsed_seconds, 0);
  EXPECT_GT(stats->RecordsPerSecond(), 0);
  EXPECT_EQ(progress, (std::vector<int64_t>{500, 1000, 1234}));

  std::vector<size_t> sizes;
  for (const auto& request : server.requests()) sizes.push_back(RecordsOf(request).size());
  EXPECT_EQ(sizes, (std::vector<size_t>{500, 500, 234}));
  EXPECT_EQ(ledger.accepted, NumberedRecords(1234)) << "in order, each once";
}

TEST(ProduceTest, HonoursASmallerBatchSize) {
  FakeServer server([](const FakeServer::Request& request) {
    return FakeServer::Reply{200, BatchReply(RecordsOf(request).size())};
  });
  FirehoseClient client = MakeClient(server.endpoint());
  ProduceOptions options = FastRetries();
  options.batch_records = 7;
  auto stats = Produce(client, "s", 20, Numbered(), options);
  ASSERT_TRUE(stats.has_value());
  std::vector<size_t> sizes;
  for (const auto& request : server.requests()) sizes.push_back(RecordsOf(request).size());
  EXPECT_EQ(sizes, (std::vector<size_t>{7, 7, 6}));
}

TEST(ProduceTest, KeepsEachRequestUnderFourMebibytes) {
  std::vector<size_t> batch_bytes;
  FakeServer server([&](const FakeServer::Request& request) {
    auto records = RecordsOf(request);
    size_t bytes = 0;
    for (const auto& record : records) bytes += record.size();
    batch_bytes.push_back(bytes);
    return FakeServer::Reply{200, BatchReply(records.size())};
  });
  FirehoseClient client = MakeClient(server.endpoint());
  auto big = [n = 0]() mutable { return std::string(900'000, static_cast<char>('a' + n++)); };
  auto stats = Produce(client, "s", 5, big, FastRetries());
  ASSERT_TRUE(stats.has_value()) << stats.error().ToString();
  EXPECT_EQ(stats->records, 5);
  EXPECT_EQ(stats->bytes, 4'500'000);
  // Four 900 kB records fit in 4 MiB, five do not.
  EXPECT_EQ(batch_bytes, (std::vector<size_t>{3'600'000, 900'000}));
}

TEST(ProduceTest, ResendsOnlyTheRejectedRecords) {
  Ledger ledger;
  std::map<std::string, int> attempts;  // server thread only
  FakeServer server([&](const FakeServer::Request& request) {
    auto records = RecordsOf(request);
    // Every third record is throttled the first time it is seen.
    auto reject = [&](size_t i) { return attempts[records[i]]++ == 0 && std::stoi(records[i].substr(7)) % 3 == 0; };
    std::vector<bool> rejected(records.size());
    for (size_t i = 0; i < records.size(); ++i) {
      rejected[i] = reject(i);
      if (!rejected[i]) ledger.Accept(records[i]);
    }
    return FakeServer::Reply{200, BatchReply(records.size(), [&](size_t i) { return rejected[i]; })};
  });
  FirehoseClient client = MakeClient(server.endpoint());
  auto stats = Produce(client, "s", 1000, Numbered(), FastRetries());
  ASSERT_TRUE(stats.has_value()) << stats.error().ToString();
  EXPECT_EQ(stats->records, 1000);
  EXPECT_EQ(stats->retries, 2) << "one resend per batch";

  auto accepted = ledger.accepted;
  std::sort(accepted.begin(), accepted.end());
  auto expected = NumberedRecords(1000);
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(accepted, expected) << "every record exactly once";

  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(RecordsOf(requests[1]).size(), 167u) << "only the rejected records of batch 1 (0, 3, ..., 498)";
  EXPECT_EQ(RecordsOf(requests[3]).size(), 167u) << "only the rejected records of batch 2 (501, ..., 999)";
}

TEST(ProduceTest, RetriesTheWholeBatchOnServiceUnavailableAndBrokenConnections) {
  Ledger ledger;
  int call = 0;  // server thread only
  FakeServer server([&](const FakeServer::Request& request) {
    switch (call++) {
      // First, on a new connection: libcurl itself resends once when a reused one is closed.
      case 0: return FakeServer::Reply{.status = 0, .body = "", .drop_connection = true};
      case 1: return ErrorReply(503, "ServiceUnavailableException", "Buffer full.");
      case 2: return ErrorReply(500, "InternalFailure", "oops");
      default: break;
    }
    auto records = RecordsOf(request);
    for (auto& record : records) ledger.Accept(record);
    return FakeServer::Reply{200, BatchReply(records.size())};
  });
  FirehoseClient client = MakeClient(server.endpoint());
  auto stats = Produce(client, "s", 300, Numbered(), FastRetries());
  ASSERT_TRUE(stats.has_value()) << stats.error().ToString();
  EXPECT_EQ(stats->records, 300);
  EXPECT_EQ(stats->retries, 3);
  EXPECT_EQ(ledger.accepted, NumberedRecords(300));
  for (const auto& request : server.requests()) EXPECT_EQ(RecordsOf(request).size(), 300u);
}

TEST(ProduceTest, GivesUpAfterMaxAttempts) {
  FakeServer server([](const FakeServer::Request&) {
    return ErrorReply(503, "ServiceUnavailableException", "Buffer full.");
  });
  FirehoseClient client = MakeClient(server.endpoint());
  auto stats = Produce(client, "s", 10, Numbered(), FastRetries());
  ASSERT_FALSE(stats.has_value());
  EXPECT_EQ(stats.error().code(), Error::Code::kServiceUnavailable);
  EXPECT_NE(stats.error().message().find("giving up on 10 record(s) after 4 attempt(s)"), std::string::npos)
      << stats.error().message();
  EXPECT_NE(stats.error().message().find("Buffer full."), std::string::npos);
  EXPECT_EQ(server.requests().size(), 4u);
}

TEST(ProduceTest, GivesUpAfterMaxRetryTime) {
  FakeServer server([](const FakeServer::Request& request) {
    return FakeServer::Reply{200, BatchReply(RecordsOf(request).size(), [](size_t) { return true; })};
  });
  FirehoseClient client = MakeClient(server.endpoint());
  ProduceOptions options = FastRetries();
  options.max_attempts = 1'000'000;
  options.initial_backoff = std::chrono::milliseconds(10);
  options.max_backoff = std::chrono::milliseconds(20);
  options.max_retry_time = std::chrono::milliseconds(200);
  auto start = std::chrono::steady_clock::now();
  auto stats = Produce(client, "s", 5, Numbered(), options);
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(stats.has_value());
  EXPECT_EQ(stats.error().code(), Error::Code::kServiceUnavailable);
  EXPECT_NE(stats.error().message().find("5 of 5 records were rejected"), std::string::npos)
      << stats.error().message();
  EXPECT_LT(elapsed, std::chrono::seconds(2));
  EXPECT_GT(server.requests().size(), 5u);
}

TEST(ProduceTest, StopsAtOnceOnANonRetryableErrorAndSaysHowFarItGot) {
  int call = 0;  // server thread only
  FakeServer server([&](const FakeServer::Request& request) {
    if (call++ == 0) return FakeServer::Reply{200, BatchReply(RecordsOf(request).size())};
    return ErrorReply(400, "ResourceNotFoundException", "Firehose s under account 000000000000 not found.");
  });
  FirehoseClient client = MakeClient(server.endpoint());
  ProduceOptions options = FastRetries();
  options.batch_records = 10;
  auto stats = Produce(client, "s", 100, Numbered(), options);
  ASSERT_FALSE(stats.has_value());
  EXPECT_EQ(stats.error().code(), Error::Code::kResourceNotFound);
  EXPECT_EQ(stats.error().message(),
            "after 10 of 100 records were sent: Firehose s under account 000000000000 not found.");
  EXPECT_EQ(server.requests().size(), 2u);
}

TEST(ProduceTest, RejectsOversizedRecordsAndBadOptionsWithoutSending) {
  FakeServer server([](const FakeServer::Request& request) {
    return FakeServer::Reply{200, BatchReply(RecordsOf(request).size())};
  });
  FirehoseClient client = MakeClient(server.endpoint());
  auto huge = [] { return std::string(kMaxRecordBytes + 1, 'x'); };
  auto stats = Produce(client, "s", 1, huge, FastRetries());
  ASSERT_FALSE(stats.has_value());
  EXPECT_EQ(stats.error().code(), Error::Code::kInvalidArgument);

  for (size_t batch : {size_t{0}, kMaxBatchRecords + 1}) {
    ProduceOptions options = FastRetries();
    options.batch_records = batch;
    auto bad = Produce(client, "s", 1, Numbered(), options);
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().code(), Error::Code::kInvalidArgument);
  }
  EXPECT_TRUE(server.requests().empty());

  auto none = Produce(client, "s", 0, Numbered(), FastRetries());
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ(none->records, 0);
  EXPECT_TRUE(server.requests().empty());
}

}  // namespace
}  // namespace lakebox::producer
