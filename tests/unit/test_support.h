// Helpers shared by the unit tests of every component (tests/unit/<component>/ include it as
// "test_support.h").
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "common/compression.h"
#include "common/error.h"

// Asserts that a Result or Status holds no error, printing the error if it does.
#define ASSERT_OK(expr)                                                     \
  do {                                                                      \
    auto&& assert_ok_result_ = (expr);                                      \
    ASSERT_TRUE(assert_ok_result_) << assert_ok_result_.error().ToString(); \
  } while (0)

namespace lakebox {

// `data` gzip-compressed by lakebox's own compressor, as Firehose objects in the lake are.
inline std::string Gzip(std::string_view data) {
  std::string out;
  auto compressor = NewCompressor(Codec::kGzip, [&](std::string_view piece) -> Status {
    out.append(piece);
    return Ok();
  });
  EXPECT_TRUE(compressor);
  EXPECT_TRUE((*compressor)->Write(data));
  EXPECT_TRUE((*compressor)->Finish());
  return out;
}

// The bytes of tests/unit/<component>/testdata/<name>, found from the source dir the build was
// configured with (LAKEBOX_SOURCE_DIR, tests/CMakeLists.txt), so that neither the working
// directory nor how the compiler spelled __FILE__ matters. A missing file fails the test.
inline std::string ReadTestdata(std::string_view component, std::string_view name) {
  const std::filesystem::path path =
      std::filesystem::path(LAKEBOX_SOURCE_DIR) / "tests" / "unit" / component / "testdata" / name;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << path;
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace lakebox
