#include "server/native_api.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fake_ingest_service.h"

namespace lakebox::server {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using testing::FakeIngestService;
using ::testing::HasSubstr;

class NativeApiTest : public ::testing::Test {
 protected:
  std::optional<HttpResponse> Send(std::string_view method, std::string_view path,
                                   std::string body = "") {
    body_ = std::move(body);
    HttpRequest request{method, path, "", body_};
    return api_.Handle(request);
  }

  FakeIngestService ingest_;
  metrics::Registry registry_;
  NativeApi api_{&ingest_, {}, {}, registry_};
  std::string body_;
};

TEST_F(NativeApiTest, NdjsonLinesBecomeRecordsWithTheirNewline) {
  ingest_.AddStream("orders");
  auto response = Send("POST", "/v1/streams/orders/records", "{\"a\":1}\n\n{\"a\":2}\n{\"a\":3}");
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->operation, "native.records");
  EXPECT_EQ(json::parse(response->body), json({{"RecordCount", 3}}));
  ASSERT_EQ(ingest_.puts().size(), 1u);
  EXPECT_EQ(ingest_.puts()[0].stream, "orders");
  EXPECT_THAT(ingest_.puts()[0].records, ElementsAre("{\"a\":1}\n", "{\"a\":2}\n", "{\"a\":3}\n"));
}

TEST_F(NativeApiTest, ALargeBodyIsOneAppend) {
  ingest_.AddStream("orders");
  std::string body;
  for (int i = 0; i < 5000; ++i) body += std::string(1000, 'x') + "\n";
  auto response = Send("POST", "/v1/streams/orders/records", body);
  EXPECT_EQ(json::parse(response->body), json({{"RecordCount", 5000}}));
  ASSERT_EQ(ingest_.puts().size(), 1u);
  EXPECT_EQ(ingest_.puts()[0].records.size(), 5000u);
}

TEST_F(NativeApiTest, AnOversizedLineAppendsNothing) {
  ingest_.AddStream("orders");
  std::string body = "ok\n" + std::string(1'024'000, 'x') + "\nok\n";
  auto response = Send("POST", "/v1/streams/orders/records", body);
  EXPECT_EQ(response->status, 400);
  EXPECT_EQ(response->error_type, "ValidationException");
  EXPECT_THAT(json::parse(response->body).at("message").get<std::string>(), HasSubstr("line 2"));
  EXPECT_TRUE(ingest_.puts().empty());

  // 1,023,999 bytes plus the newline is exactly the limit.
  body = std::string(1'023'999, 'x');
  EXPECT_EQ(Send("POST", "/v1/streams/orders/records", body)->status, 200);
}

TEST_F(NativeApiTest, EmptyBodiesStillNeedAnExistingStream) {
  ingest_.AddStream("orders");
  EXPECT_EQ(json::parse(Send("POST", "/v1/streams/orders/records", "\n\n")->body),
            json({{"RecordCount", 0}}));
  auto missing = Send("POST", "/v1/streams/nope/records", "");
  EXPECT_EQ(missing->status, 400);
  EXPECT_EQ(missing->error_type, "ResourceNotFoundException");
  EXPECT_TRUE(ingest_.puts().empty());
}

TEST_F(NativeApiTest, IngestErrorsAreAwsErrors) {
  ingest_.AddStream("orders");
  ingest_.FailPutsWith(Error::ServiceUnavailable("busy"));
  auto response = Send("POST", "/v1/streams/orders/records", "a\n");
  EXPECT_EQ(response->status, 503);
  EXPECT_EQ(json::parse(response->body),
            json({{"__type", "ServiceUnavailableException"}, {"message", "busy"}}));
}

TEST_F(NativeApiTest, FlushAllOrOne) {
  ingest_.AddStream("orders");
  auto all = Send("POST", "/v1/flush");
  EXPECT_EQ(all->status, 200);
  EXPECT_EQ(json::parse(all->body), json({{"flushed", true}}));
  EXPECT_EQ(all->operation, "native.flush");
  EXPECT_EQ(json::parse(Send("POST", "/v1/streams/orders/flush")->body), json({{"flushed", true}}));
  EXPECT_THAT(ingest_.flushes(), ElementsAre(std::nullopt, std::optional<std::string>("orders")));
  EXPECT_EQ(Send("POST", "/v1/streams/nope/flush")->error_type, "ResourceNotFoundException");
}

TEST_F(NativeApiTest, HealthAndWrongMethods) {
  auto health = Send("GET", "/healthz");
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(health->body, "ok");
  EXPECT_EQ(Send("GET", "/v1/flush")->status, 404);
  EXPECT_THAT(Send("GET", "/v1/flush")->body, HasSubstr("use POST /v1/flush"));
  EXPECT_EQ(Send("POST", "/healthz")->status, 404);
  EXPECT_TRUE(ingest_.flushes().empty());
}

TEST_F(NativeApiTest, OtherPathsAreNotNative) {
  EXPECT_FALSE(Send("GET", "/").has_value());
  EXPECT_FALSE(Send("POST", "/v1/streams/").has_value());
  EXPECT_FALSE(Send("POST", "/v1/streams//records").has_value());
  EXPECT_FALSE(Send("POST", "/v1/streams/orders").has_value());
  EXPECT_FALSE(Send("POST", "/v1/streams/orders/other").has_value());
}

TEST_F(NativeApiTest, MetricsRenderTheRegistryAndPerStreamStats) {
  registry_.Counter("lakebox_test_total", "A test counter.").Inc(7);
  ingest::StreamStats stats;
  stats.name = "orders";
  stats.records_received = 10;
  stats.bytes_received = 2048;
  stats.objects_delivered = 2;
  stats.bytes_delivered = 512;
  stats.buffered_bytes = 100;
  stats.wal_bytes = 4096;
  stats.last_delivery_ms = 1756000000500;
  ingest_.SetStats({stats});

  auto response = Send("GET", "/metrics");
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->content_type, "text/plain; version=0.0.4; charset=utf-8");
  const std::string& text = response->body;
  EXPECT_THAT(text, HasSubstr("lakebox_test_total 7\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE lakebox_stream_records_received_total counter\n"));
  EXPECT_THAT(text, HasSubstr("lakebox_stream_records_received_total{stream=\"orders\"} 10\n"));
  EXPECT_THAT(text, HasSubstr("lakebox_stream_bytes_received_total{stream=\"orders\"} 2048\n"));
  EXPECT_THAT(text, HasSubstr("lakebox_stream_objects_delivered_total{stream=\"orders\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("lakebox_stream_bytes_delivered_total{stream=\"orders\"} 512\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE lakebox_stream_buffered_bytes gauge\n"));
  EXPECT_THAT(text, HasSubstr("lakebox_stream_buffered_bytes{stream=\"orders\"} 100\n"));
  EXPECT_THAT(text, HasSubstr("lakebox_stream_wal_bytes{stream=\"orders\"} 4096\n"));
  EXPECT_THAT(
      text,
      HasSubstr(
          "lakebox_stream_last_delivery_timestamp_seconds{stream=\"orders\"} 1756000000.5\n"));
}

}  // namespace
}  // namespace lakebox::server
