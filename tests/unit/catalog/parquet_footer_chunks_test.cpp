// ParseParquetFooter's row groups and column chunks (what the query engine counts as read).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "catalog/parquet_footer.h"
#include "test_support.h"

namespace lakebox::catalog {
namespace {

namespace fs = std::filesystem;

std::string ReadFixture(std::string_view name) { return ReadTestdata("catalog", name); }

// The FileMetaData bytes of a whole Parquet file.
std::string Metadata(const std::string& file) {
  auto length = ParquetFooterLength(std::string_view(file).substr(file.size() - kParquetTailSize));
  EXPECT_TRUE(length);
  if (!length) return "";
  return file.substr(file.size() - kParquetTailSize - *length, *length);
}

// Top-level column -> compressed bytes, over every row group.
std::map<std::string, int64_t> BytesByColumn(const ParquetFooter& footer) {
  std::map<std::string, int64_t> out;
  for (const auto& row_group : footer.row_groups) {
    for (const auto& chunk : row_group.columns) out[chunk.column] += chunk.compressed_size;
  }
  return out;
}

// The expected numbers are DuckDB's own parquet_metadata() of the fixtures
// (row_group_id, path_in_schema, total_compressed_size).
TEST(ParquetFooterChunksTest, OneChunkPerRowGroup) {
  auto footer = ParseParquetFooter(Metadata(ReadFixture("row_groups.parquet")));
  ASSERT_TRUE(footer) << footer.error().ToString();
  ASSERT_EQ(footer->row_groups.size(), 3u);
  const int64_t expected[] = {1926, 1926, 1023};
  for (size_t i = 0; i < 3; ++i) {
    ASSERT_EQ(footer->row_groups[i].columns.size(), 1u) << i;
    EXPECT_EQ(footer->row_groups[i].columns[0].column, "k");
    EXPECT_EQ(footer->row_groups[i].columns[0].compressed_size, expected[i]) << i;
  }
}

TEST(ParquetFooterChunksTest, NestedColumnsHaveOneChunkPerLeafUnderTheirTopLevelName) {
  auto footer = ParseParquetFooter(Metadata(ReadFixture("vehicles.parquet")));
  ASSERT_TRUE(footer) << footer.error().ToString();
  ASSERT_EQ(footer->row_groups.size(), 1u);
  EXPECT_EQ(footer->row_groups[0].columns.size(), 7u);  // 3 struct fields, 2 list-element fields
  EXPECT_EQ(BytesByColumn(*footer), (std::map<std::string, int64_t>{{"vehicle_id", 265},
                                                                    {"event_time", 640},
                                                                    {"vehicle_status", 420 + 444 + 40},
                                                                    {"alerts", 88 + 80}}));
  // The schema and row count are what they were before chunks were read.
  EXPECT_EQ(footer->num_rows, 100);
}

TEST(ParquetFooterChunksTest, CaseIsKeptAndAnEmptyFileHasNoRowGroups) {
  auto types = ParseParquetFooter(Metadata(ReadFixture("types.parquet")));
  ASSERT_TRUE(types) << types.error().ToString();
  ASSERT_EQ(types->row_groups.size(), 1u);
  EXPECT_TRUE(BytesByColumn(*types).contains("CamelName"));
  EXPECT_EQ(BytesByColumn(*types).size(), 20u);

  auto empty = ParseParquetFooter(Metadata(ReadFixture("empty.parquet")));
  ASSERT_TRUE(empty) << empty.error().ToString();
  EXPECT_TRUE(empty->row_groups.empty());
}

// ---- Hand-built Thrift (forms DuckDB does not write)

// A minimal Thrift compact-protocol writer: field headers in short form (ids 1..15 apart).
class Thrift {
 public:
  void Field(int id, uint8_t type) {
    out_.push_back(static_cast<char>(((id - last_.back()) << 4) | type));
    last_.back() = id;
  }
  void I32(int id, int32_t v) {
    Field(id, 5);
    Zigzag(v);
  }
  void I64(int id, int64_t v) {
    Field(id, 6);
    Zigzag(v);
  }
  void I32Element(int32_t v) { Zigzag(v); }  // an i32 element of a list
  void Binary(std::string_view s) {
    Varint(s.size());
    out_ += s;
  }
  void String(int id, std::string_view s) {
    Field(id, 8);
    Binary(s);
  }
  void List(int id, uint8_t element_type, size_t n) {
    Field(id, 9);
    out_.push_back(static_cast<char>((n << 4) | element_type));  // n < 15
  }
  void Struct(int id) {
    Field(id, 12);
    Begin();
  }
  void Begin() { last_.push_back(0); }  // a struct element of a list
  void End() {
    out_.push_back(0);
    last_.pop_back();
  }
  std::string Finish() {
    out_.push_back(0);
    return out_;
  }

 private:
  void Varint(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void Zigzag(int64_t v) { Varint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }

  std::string out_;
  std::vector<int> last_{0};
};

// A schema of two int64 columns "a" and "b", 10 rows, and one row group whose chunks are
// written by `chunks`.
template <typename WriteChunks>
std::string FileWithChunks(size_t chunk_count, WriteChunks chunks) {
  Thrift w;
  w.I32(1, 2);
  w.List(2, 12, 3);
  w.Begin();
  w.String(4, "schema");
  w.I32(5, 2);
  w.End();
  for (const char* name : {"a", "b"}) {
    w.Begin();
    w.I32(1, 2);
    w.I32(3, 1);
    w.String(4, name);
    w.End();
  }
  w.I64(3, 10);
  w.List(4, 12, 1);
  w.Begin();
  w.List(1, 12, chunk_count);
  chunks(w);
  w.I64(2, 1000);  // RowGroup.total_byte_size, skipped
  w.I64(3, 10);    // RowGroup.num_rows, skipped
  w.End();
  return w.Finish();
}

// A ColumnChunk {2: file_offset, 3: ColumnMetaData {1: type, 2: encodings, 3: path, 4: codec,
// 5: num_values, 6: uncompressed, 7: compressed, 9: data_page_offset}}.
void Chunk(Thrift& w, std::vector<std::string_view> path, int64_t compressed) {
  w.Begin();
  w.I64(2, 4);
  w.Struct(3);
  w.I32(1, 2);
  w.List(2, 5, 2);
  w.I32Element(0);
  w.I32Element(3);
  w.List(3, 8, path.size());
  for (std::string_view part : path) w.Binary(part);
  w.I32(4, 1);
  w.I64(5, 10);
  w.I64(6, compressed * 2);
  w.I64(7, compressed);
  w.I64(9, 4);
  w.End();
  w.End();
}

TEST(ParquetFooterChunksTest, SkipsOtherFieldsAndChunksWithoutMetadata) {
  std::string metadata = FileWithChunks(3, [](Thrift& w) {
    Chunk(w, {"a"}, 123);
    // An encrypted column: no meta_data, only its crypto metadata (field 8), skipped.
    w.Begin();
    w.I64(2, 200);
    w.Struct(8);
    w.End();
    w.End();
    Chunk(w, {"b", "nested", "leaf"}, 456);
  });
  auto footer = ParseParquetFooter(metadata);
  ASSERT_TRUE(footer) << footer.error().ToString();
  EXPECT_EQ(footer->num_rows, 10);
  EXPECT_EQ(footer->schema.ToHive(), "struct<a:bigint,b:bigint>");
  ASSERT_EQ(footer->row_groups.size(), 1u);
  ASSERT_EQ(footer->row_groups[0].columns.size(), 2u);
  EXPECT_EQ(footer->row_groups[0].columns[0].column, "a");
  EXPECT_EQ(footer->row_groups[0].columns[0].compressed_size, 123);
  EXPECT_EQ(footer->row_groups[0].columns[1].column, "b");
  EXPECT_EQ(footer->row_groups[0].columns[1].compressed_size, 456);
}

TEST(ParquetFooterChunksTest, NegativeOrMistypedSizesAreCorruption) {
  auto negative = ParseParquetFooter(FileWithChunks(1, [](Thrift& w) { Chunk(w, {"a"}, -5); }));
  ASSERT_FALSE(negative);
  EXPECT_EQ(negative.error().code(), Error::Code::kCorruption);
  EXPECT_NE(negative.error().message().find("negative total_compressed_size"), std::string::npos);

  auto mistyped = ParseParquetFooter(FileWithChunks(1, [](Thrift& w) {
    w.Begin();
    w.Struct(3);
    w.String(7, "big");  // total_compressed_size as a string
    w.End();
    w.End();
  }));
  ASSERT_FALSE(mistyped);
  EXPECT_EQ(mistyped.error().code(), Error::Code::kCorruption);
}

TEST(ParquetFooterChunksTest, EveryTruncationOfTheRowGroupsFailsCleanly) {
  const std::string metadata = Metadata(ReadFixture("vehicles.parquet"));
  ASSERT_TRUE(ParseParquetFooter(metadata));
  for (size_t n = 0; n < metadata.size(); ++n) {
    auto footer = ParseParquetFooter(std::string_view(metadata).substr(0, n));
    ASSERT_FALSE(footer) << n;
    EXPECT_EQ(footer.error().code(), Error::Code::kCorruption) << n;
  }
}

}  // namespace
}  // namespace lakebox::catalog
