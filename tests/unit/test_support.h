// Helpers shared by the unit tests of every component (tests/unit/<component>/ include it as
// "test_support.h").
#pragma once

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

}  // namespace lakebox
