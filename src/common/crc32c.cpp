#include "common/crc32c.h"

#include <algorithm>

#include <isa-l/crc.h>

namespace lakebox {

uint32_t Crc32c(std::string_view data, uint32_t crc) {
  // crc32_iscsi neither pre- nor post-inverts, and takes an int length.
  constexpr size_t kMaxPiece = size_t{1} << 30;
  uint32_t state = ~crc;
  auto* p = reinterpret_cast<unsigned char*>(const_cast<char*>(data.data()));
  size_t left = data.size();
  while (left > 0) {
    const size_t piece = std::min(left, kMaxPiece);
    state = crc32_iscsi(p, static_cast<int>(piece), state);
    p += piece;
    left -= piece;
  }
  return ~state;
}

uint32_t MaskedCrc32c(std::string_view data) {
  const uint32_t crc = Crc32c(data);
  return ((crc >> 15) | (crc << 17)) + 0xA282EAD8u;
}

}  // namespace lakebox
