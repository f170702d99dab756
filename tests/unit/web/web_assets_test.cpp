#include "web/web_assets.h"

#include <gtest/gtest.h>

namespace lakebox::web {
namespace {

TEST(WebAssetsTest, RootAndIndexAreTheSinglePageApp) {
  auto root = FindAsset("/");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->content_type, "text/html; charset=utf-8");
  EXPECT_TRUE(root->body.starts_with("<!doctype html>")) << root->body.substr(0, 40);
  auto index = FindAsset("/index.html");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->body.data(), root->body.data());
}

TEST(WebAssetsTest, OwnFilesAndNpmFilesAreUnderAssets) {
  auto css = FindAsset("/assets/app.css");
  ASSERT_TRUE(css);
  EXPECT_EQ(css->content_type, "text/css; charset=utf-8");
  auto module = FindAsset("/assets/app.js");
  ASSERT_TRUE(module);
  EXPECT_EQ(module->content_type, "text/javascript; charset=utf-8");

  auto echarts = FindAsset("/assets/echarts.min.js");
  ASSERT_TRUE(echarts);
  EXPECT_GT(echarts->body.size(), 500'000u);  // the whole minified library, not a stub
  EXPECT_NE(echarts->body.find("echarts"), std::string_view::npos);
  ASSERT_TRUE(FindAsset("/assets/topojson-client.min.js"));
  for (const char* outlines : {"/assets/countries-110m.json", "/assets/countries-50m.json"}) {
    auto countries = FindAsset(outlines);
    ASSERT_TRUE(countries) << outlines;
    EXPECT_EQ(countries->content_type, "application/json");
    EXPECT_TRUE(countries->body.starts_with("{\"type\":\"Topology\"")) << countries->body.substr(0, 40);
  }
}

TEST(WebAssetsTest, BodiesAreTheFilesBytesExactly) {
  auto css = FindAsset("/assets/app.css");
  ASSERT_TRUE(css);
  EXPECT_EQ(css->body.find('\0'), std::string_view::npos);  // the array's closing 0 is not part of it
}

TEST(WebAssetsTest, OtherPathsAreNotAssets) {
  EXPECT_FALSE(FindAsset(""));
  EXPECT_FALSE(FindAsset("/assets/"));
  EXPECT_FALSE(FindAsset("/assets/nope.js"));
  EXPECT_FALSE(FindAsset("/assets/../index.html"));
  EXPECT_FALSE(FindAsset("/assets/js/app.js"));
  EXPECT_FALSE(FindAsset("/app.css"));
  EXPECT_FALSE(FindAsset("/v1/status"));
  EXPECT_FALSE(FindAsset("/index.htm"));
}

}  // namespace
}  // namespace lakebox::web
