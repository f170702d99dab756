#include "common/base64.h"

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

namespace lakebox {
namespace {

static_assert(std::endian::native == std::endian::little,
              "the decoder stores 3 output bytes as the low bytes of a little-endian uint32");

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr uint8_t kNoSextet = 0xFF;
// Set in every table entry for a character outside the alphabet. Valid entries only use bits 0-23
// (the three output bytes), so OR-ing four entries keeps this bit iff one of them was invalid.
constexpr uint32_t kInvalidBit = 1u << 24;

constexpr std::array<uint8_t, 256> MakeSextets() {
  std::array<uint8_t, 256> sextets{};
  sextets.fill(kNoSextet);
  for (uint8_t i = 0; i < 64; ++i) sextets[static_cast<uint8_t>(kAlphabet[i])] = i;
  return sextets;
}
constexpr std::array<uint8_t, 256> kSextets = MakeSextets();

// Table `position` maps the character at that position of a 4-character group to its 6 bits,
// already shifted to where they land in the little-endian word whose low 3 bytes are the output.
constexpr std::array<uint32_t, 256> MakeDecodeTable(int position) {
  std::array<uint32_t, 256> table{};
  for (int c = 0; c < 256; ++c) {
    const uint32_t s = kSextets[c];
    if (s == kNoSextet) {
      table[c] = kInvalidBit;
      continue;
    }
    switch (position) {
      case 0:
        table[c] = s << 2;
        break;
      case 1:
        table[c] = (s >> 4) | ((s & 0x0F) << 12);
        break;
      case 2:
        table[c] = ((s >> 2) << 8) | ((s & 0x03) << 22);
        break;
      default:
        table[c] = s << 16;
        break;
    }
  }
  return table;
}
constexpr std::array<uint32_t, 256> kDecode0 = MakeDecodeTable(0);
constexpr std::array<uint32_t, 256> kDecode1 = MakeDecodeTable(1);
constexpr std::array<uint32_t, 256> kDecode2 = MakeDecodeTable(2);
constexpr std::array<uint32_t, 256> kDecode3 = MakeDecodeTable(3);

inline uint32_t DecodeGroup(const uint8_t* in) {
  return kDecode0[in[0]] | kDecode1[in[1]] | kDecode2[in[2]] | kDecode3[in[3]];
}

// The slow path, run only once decoding has failed: says what is wrong and where.
Error DescribeInvalid(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<uint8_t>(text[i]);
    if (kSextets[c] != kNoSextet) continue;
    const size_t tail = text.size() - i;
    const bool padding_ok =
        c == '=' && (tail == 1 || (tail == 2 && text.back() == '=')) && i % 4 >= 2;
    if (padding_ok) continue;
    if (c == '=') {
      return Error::Serialization(
          fmt::format("invalid base64: misplaced padding '=' at offset {} of {}", i, text.size()));
    }
    return Error::Serialization(
        fmt::format("invalid base64: character 0x{:02x} at offset {} of {} is not in the "
                    "standard alphabet",
                    c, i, text.size()));
  }
  return Error::Serialization(fmt::format("invalid base64 of length {}", text.size()));
}

}  // namespace

std::string Base64Encode(std::string_view data) {
  std::string out;
  const size_t groups = (data.size() + 2) / 3;
  out.resize_and_overwrite(groups * 4, [&](char* dst, size_t) {
    const auto* in = reinterpret_cast<const uint8_t*>(data.data());
    size_t left = data.size();
    while (left >= 3) {
      const uint32_t v = (uint32_t{in[0]} << 16) | (uint32_t{in[1]} << 8) | in[2];
      dst[0] = kAlphabet[v >> 18];
      dst[1] = kAlphabet[(v >> 12) & 0x3F];
      dst[2] = kAlphabet[(v >> 6) & 0x3F];
      dst[3] = kAlphabet[v & 0x3F];
      in += 3;
      dst += 4;
      left -= 3;
    }
    if (left > 0) {
      const uint32_t v = (uint32_t{in[0]} << 16) | (left == 2 ? uint32_t{in[1]} << 8 : 0);
      dst[0] = kAlphabet[v >> 18];
      dst[1] = kAlphabet[(v >> 12) & 0x3F];
      dst[2] = left == 2 ? kAlphabet[(v >> 6) & 0x3F] : '=';
      dst[3] = '=';
    }
    return groups * 4;
  });
  return out;
}

Status Base64DecodeAppend(std::string_view text, std::string* out) {
  if (text.empty()) return Ok();
  if (text.size() % 4 != 0) {
    return std::unexpected(Error::Serialization(fmt::format(
        "invalid base64: length {} is not a multiple of 4 (padding is required)", text.size())));
  }
  const size_t groups = text.size() / 4;
  const size_t old_size = out->size();
  bool ok = true;
  out->resize_and_overwrite(old_size + groups * 3, [&](char* buffer, size_t) {
    const auto* in = reinterpret_cast<const uint8_t*>(text.data());
    char* dst = buffer + old_size;
    // Every group but the last is written as a 4-byte store; its stray 4th byte lands where the
    // next group's output goes, and the last group (handled below) writes byte by byte.
    uint32_t flags = 0;
    size_t i = 0;
    const size_t body = groups - 1;
    for (; i + 4 <= body; i += 4) {
      const uint32_t a = DecodeGroup(in);
      const uint32_t b = DecodeGroup(in + 4);
      const uint32_t c = DecodeGroup(in + 8);
      const uint32_t d = DecodeGroup(in + 12);
      flags |= a | b | c | d;
      std::memcpy(dst, &a, 4);
      std::memcpy(dst + 3, &b, 4);
      std::memcpy(dst + 6, &c, 4);
      std::memcpy(dst + 9, &d, 4);
      in += 16;
      dst += 12;
    }
    for (; i < body; ++i) {
      const uint32_t a = DecodeGroup(in);
      flags |= a;
      std::memcpy(dst, &a, 4);
      in += 4;
      dst += 3;
    }
    // The last group may end in "=" or "==".
    size_t tail_bytes = 3;
    uint32_t last;
    if (in[3] != '=') {
      last = DecodeGroup(in);
    } else if (in[2] != '=') {
      last = kDecode0[in[0]] | kDecode1[in[1]] | kDecode2[in[2]];
      tail_bytes = 2;
    } else {
      last = kDecode0[in[0]] | kDecode1[in[1]];
      tail_bytes = 1;
    }
    flags |= last;
    for (size_t k = 0; k < tail_bytes; ++k) dst[k] = static_cast<char>(last >> (8 * k));
    dst += tail_bytes;
    ok = (flags & kInvalidBit) == 0;
    return ok ? static_cast<size_t>(dst - buffer) : old_size;
  });
  if (!ok) return std::unexpected(DescribeInvalid(text));
  return Ok();
}

Result<std::string> Base64Decode(std::string_view text) {
  std::string out;
  LAKEBOX_TRY(Base64DecodeAppend(text, &out));
  return out;
}

}  // namespace lakebox
