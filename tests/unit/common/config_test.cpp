#include "common/config.h"

#include <gtest/gtest.h>

namespace lakebox {
namespace {

TEST(ConfigTest, DefaultsWhenEmpty) {
  auto config = Config::Parse("");
  ASSERT_TRUE(config);
  EXPECT_EQ(config->server.listen, "127.0.0.1:4566");
  EXPECT_EQ(config->storage.data_dir, "./lakebox-data");
  EXPECT_EQ(config->ingest.max_buffered_bytes_per_stream, 1ull << 30);
  EXPECT_EQ(config->aws.account_id, "000000000000");
}

TEST(ConfigTest, ReadsEverySection) {
  auto config = Config::Parse(R"(
[server]
listen = "0.0.0.0:9000"
max_connections = 64
[storage]
data_dir = "/tmp/lake"
max_write_bytes_per_second = "256KiB"
[ingest]
max_buffered_bytes_per_stream = 4194304
min_free_disk_bytes = "1 GB"
delivery_threads = 4
[aws]
region = "sa-east-1"
account_id = "123456789012"
[log]
level = "debug"
)");
  ASSERT_TRUE(config) << config.error().ToString();
  EXPECT_EQ(config->server.listen, "0.0.0.0:9000");
  EXPECT_EQ(config->server.max_connections, 64);
  EXPECT_EQ(config->storage.data_dir, "/tmp/lake");
  EXPECT_EQ(config->storage.max_write_bytes_per_second, 256u * 1024);
  EXPECT_EQ(config->ingest.max_buffered_bytes_per_stream, 4194304u);
  EXPECT_EQ(config->ingest.min_free_disk_bytes, 1000000000u);
  EXPECT_EQ(config->ingest.delivery_threads, 4);
  EXPECT_EQ(config->aws.region, "sa-east-1");
  EXPECT_EQ(config->log.level, "debug");
}

TEST(ConfigTest, QueryLimits) {
  auto defaults = Config::Parse("");
  ASSERT_TRUE(defaults);
  EXPECT_EQ(defaults->query.timeout_seconds, 1800u);
  EXPECT_EQ(defaults->query.memory_limit, "4GB");
  auto config = Config::Parse("[query]\ntimeout_seconds = 30\nmemory_limit = \"512MiB\"\nmax_concurrent_queries = 2\n");
  ASSERT_TRUE(config) << config.error().ToString();
  EXPECT_EQ(config->query.timeout_seconds, 30u);
  EXPECT_EQ(config->query.memory_limit, "512MiB");
  EXPECT_EQ(config->query.max_concurrent_queries, 2);
  EXPECT_FALSE(Config::Parse("[query]\ntimeout_seconds = 0\n"));
  EXPECT_FALSE(Config::Parse("[query]\ntimeout = 5\n"));
}

TEST(ConfigTest, UnknownKeysAreErrorsThatNameTheKey) {
  auto config = Config::Parse("[ingest]\nmax_bufferd_bytes = 1\n", "my.toml");
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().code(), Error::Code::kInvalidArgument);
  EXPECT_NE(config.error().message().find("my.toml"), std::string::npos);
  EXPECT_NE(config.error().message().find("ingest.max_bufferd_bytes"), std::string::npos);
  EXPECT_NE(config.error().message().find("max_buffered_bytes_per_stream"), std::string::npos);
  EXPECT_FALSE(Config::Parse("[nosuchsection]\n"));
}

TEST(ConfigTest, BadValuesAreErrors) {
  EXPECT_FALSE(Config::Parse("[server]\nlisten = \"nohost\"\n"));
  EXPECT_FALSE(Config::Parse("[server]\nmax_connections = \"many\"\n"));
  EXPECT_FALSE(Config::Parse("[server]\nmax_connections = 0\n"));
  EXPECT_FALSE(Config::Parse("[ingest]\nmin_free_disk_bytes = \"12 parsecs\"\n"));
  EXPECT_FALSE(Config::Parse("[ingest]\nmin_free_disk_bytes = -1\n"));
  EXPECT_FALSE(Config::Parse("[aws]\naccount_id = \"123\"\n"));
  EXPECT_FALSE(Config::Parse("[log]\nlevel = \"loud\"\n"));
  auto syntax = Config::Parse("[server\n", "x.toml");
  ASSERT_FALSE(syntax);
  EXPECT_NE(syntax.error().message().find("x.toml:1"), std::string::npos) << syntax.error().message();
}

TEST(ConfigTest, ParsesListenAddresses) {
  auto v4 = ParseListenAddress("127.0.0.1:4566");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->first, "127.0.0.1");
  EXPECT_EQ(v4->second, 4566);
  auto v6 = ParseListenAddress("[::1]:80");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->first, "::1");
  EXPECT_FALSE(ParseListenAddress("127.0.0.1:70000"));
  EXPECT_FALSE(ParseListenAddress(":80"));
  EXPECT_FALSE(ParseListenAddress("host:"));
}

}  // namespace
}  // namespace lakebox
