// Base64 (RFC 4648 section 4: standard alphabet "A-Za-z0-9+/", '=' padding), the encoding of AWS
// JSON Blob members such as Firehose `Record.Data`.
//
// Decoding is strict, as AWS is: the text must be a whole number of 4-character groups, only the
// last group may carry padding ("xx==" or "xxx="), and any other character (whitespace, '-', '_',
// a '=' in the middle) is rejected. Unused low bits of the final group are ignored, as in most
// decoders. The decoder is table-driven (4 characters to 3 bytes per step, one error check per
// input rather than per character), because PutRecordBatch decodes ~240 KB per request.
//
// Thread safety: all functions are pure and may be called concurrently.
#pragma once

#include <string>
#include <string_view>

#include "common/error.h"

namespace lakebox {

// The padded base64 text of `data` (length 4 * ceil(n / 3)).
std::string Base64Encode(std::string_view data);

// The bytes encoded by `text`. The empty text decodes to the empty string.
// Errors: Error::Serialization naming the offending offset if `text` is not valid padded base64.
Result<std::string> Base64Decode(std::string_view text);

// Like Base64Decode, but appends the decoded bytes to `*out`, so a caller can decode many records
// into one buffer without a temporary string each. On error, `*out` is left as it was.
// REQUIRES: out != nullptr.
Status Base64DecodeAppend(std::string_view text, std::string* out);

}  // namespace lakebox
