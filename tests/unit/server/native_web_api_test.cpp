// The web UI's native endpoints (native_api.h): dashboards, datasets and static files, on a
// DashboardService with a scripted runner. results.csv needs a QueryService over a real engine:
// tests/e2e/test_dashboard_api.py covers it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "dashboard/dashboard_service.h"
#include "fake_ingest_service.h"
#include "server/native_api.h"

namespace lakebox::server {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using testing::FakeIngestService;

dashboard::Dashboard Fleet() {
  dashboard::Dashboard d;
  d.name = "fleet";
  d.title = "Fleet";
  d.database = "vehicles";
  d.refresh_seconds = 10;
  d.datasets = {{"counts", "SELECT vendor, n FROM t"}, {"broken", "SELEC"}};
  dashboard::Visual visual;
  visual.id = "v1";
  visual.type = dashboard::VisualType::kBar;
  visual.dataset = "counts";
  visual.fields = dashboard::CategoryFields{"vendor", "n"};
  d.visuals = {visual};
  return d;
}

Result<query::QueryResult> Answer(std::string_view sql, const std::optional<std::string>&) {
  if (sql == "SELEC") return std::unexpected(Error::InvalidArgument("Parser Error: syntax error at or near \"SELEC\""));
  query::QueryResult result;
  result.column_names = {"vendor", "n"};
  result.column_types = {"VARCHAR", "BIGINT"};
  result.rows = {{"volvo", "3"}};
  return result;
}

constexpr std::string_view kIndex = "<!doctype html><title>lakebox</title>";

class NativeWebApiTest : public ::testing::Test {
 protected:
  std::optional<HttpResponse> Send(NativeApi& api, std::string_view method, std::string_view path,
                                   std::string_view if_none_match = "") {
    body_.clear();
    HttpRequest request{method, path, "", body_};
    request.if_none_match = if_none_match;
    return api.Handle(request);
  }

  FakeIngestService ingest_;
  metrics::Registry registry_;
  dashboard::DashboardService dashboards_{{Fleet()}, Answer};
  NativeApi api_{&ingest_,
                 {},
                 {},
                 registry_,
                 NativeWebSources{.dashboards = &dashboards_,
                                  .static_files = [](std::string_view path) -> std::optional<StaticFile> {
                                    if (path == "/") return StaticFile{"text/html; charset=utf-8", kIndex};
                                    return std::nullopt;
                                  }}};
  std::string body_;
};

TEST_F(NativeWebApiTest, ListsAndDescribesDashboards) {
  auto list = Send(api_, "GET", "/v1/dashboards");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->status, 200);
  EXPECT_EQ(list->content_type, "application/json");
  EXPECT_EQ(list->operation, "native.dashboards");
  EXPECT_EQ(json::parse(list->body), json::parse(R"({"Dashboards":[{"Name":"fleet","Title":"Fleet","RefreshSeconds":10}]})"));

  auto one = Send(api_, "GET", "/v1/dashboards/fleet");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->status, 200);
  json definition = json::parse(one->body);
  EXPECT_EQ(definition["Database"], "vehicles");
  EXPECT_EQ(definition["Visuals"][0]["Category"], "vendor");

  auto missing = Send(api_, "GET", "/v1/dashboards/nope");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 400);
  EXPECT_EQ(missing->error_type, "ResourceNotFoundException");
  EXPECT_THAT(json::parse(missing->body)["message"].get<std::string>(), HasSubstr("the dashboards are: fleet"));

  auto post = Send(api_, "POST", "/v1/dashboards/fleet");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 404);
  EXPECT_THAT(post->body, HasSubstr("use GET /v1/dashboards/fleet"));
}

TEST_F(NativeWebApiTest, DatasetsAreTypedRowsOrTheEnginesError) {
  auto rows = Send(api_, "GET", "/v1/dashboards/fleet/datasets/counts");
  ASSERT_TRUE(rows);
  EXPECT_EQ(rows->status, 200);
  EXPECT_EQ(rows->operation, "native.dataset");
  EXPECT_THAT(rows->headers, ::testing::Contains(std::pair<std::string, std::string>("Cache-Control", "no-store")));
  json body = json::parse(rows->body);
  EXPECT_EQ(body["Rows"], json::parse(R"([["volvo",3]])"));
  EXPECT_EQ(body["Cached"], false);
  EXPECT_EQ(json::parse(Send(api_, "GET", "/v1/dashboards/fleet/datasets/counts")->body)["Cached"], true);

  auto broken = Send(api_, "GET", "/v1/dashboards/fleet/datasets/broken");
  ASSERT_TRUE(broken);
  EXPECT_EQ(broken->status, 400);
  EXPECT_EQ(broken->error_type, "InvalidRequestException");
  EXPECT_EQ(json::parse(broken->body),
            json({{"__type", "InvalidRequestException"}, {"message", "Parser Error: syntax error at or near \"SELEC\""}}));
  EXPECT_EQ(Send(api_, "GET", "/v1/dashboards/fleet/datasets/nope")->error_type, "ResourceNotFoundException");
  // Not dataset paths: the router's 404.
  EXPECT_FALSE(Send(api_, "GET", "/v1/dashboards/fleet/datasets/"));
  EXPECT_FALSE(Send(api_, "GET", "/v1/dashboards/fleet/other/counts"));
  EXPECT_FALSE(Send(api_, "GET", "/v1/dashboards/fleet/datasets/counts/more"));
}

TEST_F(NativeWebApiTest, StaticFilesComeWithAnETagAndRevalidate) {
  auto index = Send(api_, "GET", "/");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->status, 200);
  EXPECT_EQ(index->operation, "native.static");
  EXPECT_EQ(index->content_type, "text/html; charset=utf-8");
  EXPECT_EQ(index->body, kIndex);
  std::string etag;
  for (const auto& [name, value] : index->headers) {
    if (name == "ETag") etag = value;
    if (name == "Cache-Control") EXPECT_EQ(value, "no-cache");
  }
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(etag.front(), '"');

  auto again = Send(api_, "GET", "/", etag);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 304);
  EXPECT_TRUE(again->body.empty());
  EXPECT_EQ(Send(api_, "GET", "/", "\"stale\"")->status, 200);

  // Unknown files, and other methods, are not static: the router answers 404.
  EXPECT_FALSE(Send(api_, "GET", "/assets/nope.js"));
  EXPECT_FALSE(Send(api_, "POST", "/"));
}

TEST_F(NativeWebApiTest, WithoutSourcesThePathsAreUnknown) {
  NativeApi bare{&ingest_, {}, {}, registry_};
  EXPECT_FALSE(Send(bare, "GET", "/"));
  EXPECT_FALSE(Send(bare, "GET", "/v1/dashboards"));
  EXPECT_FALSE(Send(bare, "GET", "/v1/dashboards/fleet/datasets/counts"));
  EXPECT_FALSE(Send(bare, "GET", "/v1/queries/abc/results.csv"));
}

}  // namespace
}  // namespace lakebox::server
