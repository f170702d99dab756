#include "common/base64.h"

#include <random>
#include <string>

#include <gtest/gtest.h>

namespace lakebox {
namespace {

struct Vector {
  std::string_view plain;
  std::string_view encoded;
};

// RFC 4648 section 10.
constexpr Vector kRfc4648Vectors[] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

TEST(Base64Test, EncodesRfc4648Vectors) {
  for (const auto& v : kRfc4648Vectors) EXPECT_EQ(Base64Encode(v.plain), v.encoded);
}

TEST(Base64Test, DecodesRfc4648Vectors) {
  for (const auto& v : kRfc4648Vectors) {
    auto decoded = Base64Decode(v.encoded);
    ASSERT_TRUE(decoded.has_value()) << v.encoded << ": " << decoded.error().ToString();
    EXPECT_EQ(*decoded, v.plain);
  }
}

TEST(Base64Test, EncodesEveryByteValueAndBothExtraCharacters) {
  std::string all(256, '\0');
  for (int i = 0; i < 256; ++i) all[i] = static_cast<char>(i);
  const std::string encoded = Base64Encode(all);
  EXPECT_TRUE(encoded.starts_with("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g"));
  EXPECT_TRUE(encoded.ends_with("+/w=="));  // 0xfb 0xfc 0xfd 0xfe 0xff
  auto decoded = Base64Decode(encoded);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(*decoded, all);
}

TEST(Base64Test, RoundTripsRandomDataOfEveryLengthUpTo600) {
  // Covers every alignment of the 16-character unrolled loop and of the final group.
  std::mt19937 rng(42);
  for (size_t n = 0; n <= 600; ++n) {
    std::string data(n, '\0');
    for (char& c : data) c = static_cast<char>(rng());
    const std::string encoded = Base64Encode(data);
    ASSERT_EQ(encoded.size(), (n + 2) / 3 * 4);
    auto decoded = Base64Decode(encoded);
    ASSERT_TRUE(decoded.has_value()) << n;
    ASSERT_EQ(*decoded, data) << n;
  }
}

TEST(Base64Test, DecodeAppendKeepsExistingBytes) {
  std::string out = "prefix:";
  ASSERT_TRUE(Base64DecodeAppend("Zm9vYmFy", &out).has_value());
  ASSERT_TRUE(Base64DecodeAppend("", &out).has_value());
  ASSERT_TRUE(Base64DecodeAppend("Zg==", &out).has_value());
  EXPECT_EQ(out, "prefix:foobarf");
}

TEST(Base64Test, FailedDecodeAppendLeavesOutputUnchanged) {
  std::string out = "kept";
  auto status = Base64DecodeAppend("Zm9vYmF*Zm9v", &out);
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(out, "kept");
}

TEST(Base64Test, RejectsInvalidInputAsSerializationError) {
  const std::string long_valid = Base64Encode(std::string(300, 'x'));
  std::string bad_in_body = long_valid;
  bad_in_body[37] = '!';
  const std::string_view invalid[] = {
      "Zg",        // missing padding
      "Zg=",       // short padding
      "Zm9v\n",    // whitespace
      "Zm9 v",     //
      "Zm9-",      // URL-safe alphabet
      "Zm9_",      //
      "Zg==Zg==",  // padding in the middle
      "=AAA",      //
      "A===",      //
      "AB=C",      //
      "====",      //
      "Zm9v\xc3\xa9"
      "AA",  // non-ASCII
      bad_in_body,
  };
  for (std::string_view text : invalid) {
    auto decoded = Base64Decode(text);
    ASSERT_FALSE(decoded.has_value()) << text;
    EXPECT_EQ(decoded.error().code(), Error::Code::kSerialization) << text;
    EXPECT_EQ(decoded.error().AwsName(), "SerializationException");
  }
}

TEST(Base64Test, ErrorNamesTheOffendingOffset) {
  std::string text = Base64Encode(std::string(300, 'x'));
  text[37] = '!';
  auto decoded = Base64Decode(text);
  ASSERT_FALSE(decoded.has_value());
  EXPECT_NE(decoded.error().message().find("0x21 at offset 37"), std::string::npos)
      << decoded.error().message();

  auto padding = Base64Decode("Zg==Zg==");
  ASSERT_FALSE(padding.has_value());
  EXPECT_NE(padding.error().message().find("padding '=' at offset 2"), std::string::npos)
      << padding.error().message();
}

TEST(Base64Test, IgnoresNonZeroBitsInTheFinalGroup) {
  // "Zh==" has non-zero unused bits; like most decoders, this one ignores them.
  auto decoded = Base64Decode("Zh==");
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(*decoded, "f");
}

}  // namespace
}  // namespace lakebox
