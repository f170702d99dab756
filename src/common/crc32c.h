// CRC-32C (Castagnoli, polynomial 0x1EDC6F41, reflected; the iSCSI CRC): the checksum of lakebox's
// write-ahead log and of the snappy framing format. Uses ISA-L's hardware-accelerated crc32_iscsi.
//
// Conventions match the usual ones (leveldb, snappy, RFC 3720): initial value and final XOR are
// 0xFFFFFFFF, so Crc32c("123456789") == 0xE3069283, and a checksum can be extended piecewise:
// Crc32c(b, Crc32c(a)) == Crc32c(a + b).
//
// Thread safety: pure functions, safe to call concurrently.
#pragma once

#include <cstdint>
#include <string_view>

namespace lakebox {

// The CRC-32C of `data`, continuing from `crc`, the CRC-32C of the bytes before it (0 to start).
uint32_t Crc32c(std::string_view data, uint32_t crc = 0);

// The snappy framing format's masked CRC-32C of `data`: rotate right by 15 bits, add 0xA282EAD8.
// (Masking keeps the CRC of data that itself embeds CRCs from being degenerate.)
uint32_t MaskedCrc32c(std::string_view data);

}  // namespace lakebox
