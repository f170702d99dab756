// lakebox.toml: the one configuration file. Every key is documented in docs/configuration.md.
//
// This header holds the sections every component shares (server, storage, aws, log) and the
// ingest limits. Sections that declare resources of one component ([[stream]] now; [[crawler]],
// [[job]] later) are parsed by that component from `Config::raw()`, so common/ does not depend
// on them. Unknown keys are errors: a typo must not silently fall back to a default.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "common/error.h"

namespace lakebox {

struct Config {
  struct Server {
    std::string listen = "127.0.0.1:4566";  // HOST:PORT
    int max_connections = 512;
    uint64_t max_inflight_body_bytes = 256ull << 20;  // request bodies held at once
  } server;
  struct Storage {
    std::filesystem::path data_dir = "./lakebox-data";
    uint64_t max_write_bytes_per_second = 0;  // 0 = unlimited
  } storage;
  struct Ingest {
    uint64_t max_buffered_bytes_per_stream = 1ull << 30;
    uint64_t min_free_disk_bytes = 512ull << 20;
    int delivery_threads = 2;
  } ingest;
  struct Query {
    uint64_t timeout_seconds = 1800;       // a query running longer FAILS (Athena's DML default)
    std::string memory_limit = "4GB";      // DuckDB's memory_limit, shared by all running queries
    int max_concurrent_queries = 4;        // more wait in QUEUED
  } query;
  struct Aws {
    std::string region = "us-east-1";
    std::string account_id = "000000000000";
  } aws;
  struct Log {
    std::string level = "info";  // trace | debug | info | warn | error
  } log;

  // Loads and checks a lakebox.toml. InvalidArgument names the file, key and what to write.
  static Result<Config> LoadFile(const std::filesystem::path& path);
  static Result<Config> Parse(std::string_view toml_text, std::string_view source_name = "lakebox.toml");

  // The whole document, for components that parse their own sections.
  const toml::table& raw() const { return raw_; }
  std::string source_name;

 private:
  toml::table raw_;
};

// Splits "HOST:PORT" (IPv6 as "[::1]:4566"). InvalidArgument if malformed.
Result<std::pair<std::string, uint16_t>> ParseListenAddress(std::string_view listen);

// Reads a size given as an integer number of bytes or a string like "512MiB", "4 MB", "1GiB".
Result<uint64_t> ParseByteSize(const toml::node& node, std::string_view key);

// Rejects keys of `table` not in `allowed`, naming the first unknown one and the valid ones.
Status CheckKnownKeys(const toml::table& table, std::string_view table_name,
                      std::initializer_list<std::string_view> allowed, std::string_view source_name);

}  // namespace lakebox
