# Writes one web asset as a C++ byte array (run by cmake/web_assets.cmake at build time):
#   cmake -DINPUT=<file> -DOUTPUT=<.cpp> -DSYMBOL=<C++ name> -P cmake/embed_web_asset.cmake
# A byte array, not a string literal: compilers cap string literals (MSVC at 64 kB, and g++ is slow
# on multi-megabyte ones), while an array of 1 MB compiles in about a second. The array ends with
# an extra 0 so that an empty file still makes a valid array; the size excludes it.
foreach(var INPUT OUTPUT SYMBOL)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "embed_web_asset.cmake: -D${var}=... is required")
  endif()
endforeach()

file(SIZE "${INPUT}" size)
file(READ "${INPUT}" hex HEX)
# 32 bytes (64 hex digits) per line keeps the generated source readable in an editor.
string(REPEAT "[0-9a-f]" 64 line_pattern)
string(REGEX REPLACE "(${line_pattern})" "\\1\n" hex "${hex}")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")

file(WRITE "${OUTPUT}.tmp"
"// Generated from ${INPUT} by cmake/embed_web_asset.cmake. Do not edit.
#include <cstddef>

namespace lakebox::web::internal {

extern const unsigned char ${SYMBOL}[];
extern const std::size_t ${SYMBOL}_size;

const unsigned char ${SYMBOL}[] = {
${bytes}0x00};
const std::size_t ${SYMBOL}_size = ${size};

}  // namespace lakebox::web::internal
")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
