#include "server/router.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "fake_ingest_service.h"
#include "server/firehose_api.h"
#include "server/native_api.h"

namespace lakebox::server {
namespace {

using nlohmann::json;
using testing::FakeIngestService;
using ::testing::HasSubstr;

// A Glue-like service: "Message"-keyed errors, one operation.
class EchoService final : public AwsJsonService {
 public:
  std::string_view TargetPrefix() const override { return "AWSGlue"; }
  std::string_view Name() const override { return "Glue"; }
  std::string_view ErrorMessageKey() const override { return "Message"; }
  bool HasOperation(std::string_view operation) const override { return operation == "Echo"; }
  Result<std::string> Call(std::string_view operation, std::string& body) override {
    if (operation != "Echo") return std::unexpected(Error::UnknownOperation("no such operation"));
    return body;
  }
};

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() {
    router_.AddAwsService(std::make_unique<FirehoseApi>(&ingest_));
    router_.AddAwsService(std::make_unique<EchoService>());
    ingest_.AddStream("orders");
  }

  HttpResponse Send(std::string_view method, std::string_view path, std::string_view target,
                    std::string body) {
    body_ = std::move(body);
    HttpRequest request{method, path, target, body_};
    return router_.Handle(request);
  }

  std::string Metrics() const { return registry_.RenderPrometheus(); }

  FakeIngestService ingest_;
  metrics::Registry registry_;
  Router router_{std::make_unique<NativeApi>(&ingest_, std::function<std::string()>{}, std::function<Status(std::string_view)>{}, registry_), registry_};
  std::string body_;
};

TEST_F(RouterTest, DispatchesOnTheTargetPrefix) {
  HttpResponse response = Send("POST", "/", "Firehose_20150804.PutRecord",
                               R"({"DeliveryStreamName":"orders","Record":{"Data":"YQ=="}})");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "application/x-amz-json-1.1");
  EXPECT_EQ(response.error_type, "");
  EXPECT_EQ(response.operation, "Firehose.PutRecord");
  EXPECT_EQ(response.request_id.size(), 36u);
  EXPECT_EQ(json::parse(response.body), json({{"RecordId", "id-0"}, {"Encrypted", false}}));

  response = Send("POST", "/", "AWSGlue.Echo", R"({"x":1})");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, R"({"x":1})");
  EXPECT_EQ(response.operation, "Glue.Echo");
}

TEST_F(RouterTest, UnknownTargetsAreUnknownOperation) {
  for (std::string_view target :
       {"Firehose_20150804.UpdateDestination", "", "AmazonAthena.StartQueryExecution", "nodot"}) {
    HttpResponse response = Send("POST", "/", target, "{}");
    EXPECT_EQ(response.status, 400) << target;
    EXPECT_EQ(response.error_type, "UnknownOperationException") << target;
    EXPECT_EQ(json::parse(response.body).at("__type"), "UnknownOperationException") << target;
    EXPECT_TRUE(json::parse(response.body).contains("message")) << target;
  }
  EXPECT_EQ(Send("POST", "/", "Firehose_20150804.UpdateDestination", "{}").operation,
            "Firehose.unknown");
  EXPECT_EQ(Send("POST", "/", "", "{}").operation, "unknown");
}

TEST_F(RouterTest, ErrorBodiesUseTheServicesMessageKey) {
  HttpResponse response = Send("POST", "/", "AWSGlue.Nope", "{}");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(json::parse(response.body),
            json({{"__type", "UnknownOperationException"}, {"Message", "no such operation"}}));
}

TEST_F(RouterTest, ServiceUnavailableIs503) {
  ingest_.FailPutsWith(Error::ServiceUnavailable("stream orders is over its buffer limit"));
  HttpResponse response = Send("POST", "/", "Firehose_20150804.PutRecordBatch",
                               R"({"DeliveryStreamName":"orders","Records":[{"Data":"YQ=="}]})");
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(response.error_type, "ServiceUnavailableException");
  EXPECT_EQ(json::parse(response.body),
            json({{"__type", "ServiceUnavailableException"},
                  {"message", "stream orders is over its buffer limit"}}));
}

TEST_F(RouterTest, UnknownPathsAre404) {
  HttpResponse response = Send("GET", "/nope", "", "");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.operation, "unknown");
  EXPECT_THAT(json::parse(response.body).at("message").get<std::string>(), HasSubstr("/nope"));
  EXPECT_EQ(Send("GET", "/", "", "").status, 404);
  EXPECT_EQ(Send("POST", "/v1/streams/orders/nothing", "", "").status, 404);
}

TEST_F(RouterTest, NativePathsReachTheNativeApi) {
  HttpResponse response = Send("GET", "/healthz", "", "");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "ok");
  EXPECT_EQ(response.operation, "native.healthz");
  EXPECT_EQ(response.request_id.size(), 36u);
}

TEST_F(RouterTest, RecordsRequestErrorAndLatencyMetrics) {
  Send("POST", "/", "Firehose_20150804.PutRecord",
       R"({"DeliveryStreamName":"orders","Record":{"Data":"YQ=="}})");
  Send("POST", "/", "Firehose_20150804.PutRecord", R"({"Record":{"Data":"YQ=="}})");
  Send("POST", "/", "Firehose_20150804.PutRecord", R"({"Record":{"Data":"YQ=="}})");
  std::string text = Metrics();
  EXPECT_THAT(text, HasSubstr("lakebox_http_requests_total{operation=\"Firehose.PutRecord\","
                              "status=\"200\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("lakebox_http_requests_total{operation=\"Firehose.PutRecord\","
                              "status=\"400\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("lakebox_errors_total{code=\"ValidationException\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("lakebox_http_request_duration_seconds_count{operation=\""
                              "Firehose.PutRecord\"} 3\n"));
}

TEST_F(RouterTest, TransportRejectionsAreAnsweredAndCounted) {
  HttpResponse response = router_.Reject(Error::InvalidArgument("the request body is too large"));
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.error_type, "InvalidArgumentException");
  EXPECT_EQ(response.operation, "transport");
  EXPECT_EQ(response.request_id.size(), 36u);
  EXPECT_EQ(json::parse(response.body), json({{"__type", "InvalidArgumentException"},
                                              {"message", "the request body is too large"}}));
  EXPECT_THAT(Metrics(), HasSubstr("lakebox_http_requests_total{operation=\"transport\","
                                   "status=\"400\"} 1\n"));
  EXPECT_THAT(Metrics(), HasSubstr("lakebox_errors_total{code=\"InvalidArgumentException\"} 1\n"));
}

}  // namespace
}  // namespace lakebox::server
