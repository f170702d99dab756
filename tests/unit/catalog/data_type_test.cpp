#include "catalog/data_type.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace lakebox::catalog {
namespace {

using Kind = DataType::Kind;
using ::testing::HasSubstr;

DataType P(Kind kind) { return DataType::Primitive(kind); }

DataType Hive(std::string_view text) {
  auto type = ParseHiveType(text);
  EXPECT_TRUE(type) << text << ": " << type.error().ToString();
  return type ? *type : DataType();
}

TEST(DataTypeTest, PrimitivesPrintTheirHiveNames) {
  EXPECT_EQ(P(Kind::kBoolean).ToHive(), "boolean");
  EXPECT_EQ(P(Kind::kInt).ToHive(), "int");
  EXPECT_EQ(P(Kind::kBigint).ToHive(), "bigint");
  EXPECT_EQ(P(Kind::kDouble).ToHive(), "double");
  EXPECT_EQ(P(Kind::kString).ToHive(), "string");
  EXPECT_EQ(P(Kind::kTimestamp).ToHive(), "timestamp");
  EXPECT_EQ(P(Kind::kDate).ToHive(), "date");
  EXPECT_EQ(P(Kind::kBinary).ToHive(), "binary");
  EXPECT_EQ(P(Kind::kDecimal).ToHive(), "decimal(10,0)");
  EXPECT_EQ(DataType::Decimal(18, 4).ToHive(), "decimal(18,4)");
}

TEST(DataTypeTest, UnknownPrintsAsStringAsGlueDoes) {
  EXPECT_EQ(DataType::Unknown().ToHive(), "string");
  EXPECT_EQ(DataType::Array(DataType::Unknown()).ToHive(), "array<string>");
  EXPECT_EQ(DataType::Struct({{"note", DataType::Unknown()}}).ToHive(), "struct<note:string>");
  EXPECT_EQ(DataType::Unknown().kind(), Kind::kUnknown);
}

TEST(DataTypeTest, NestedTypesPrintWithoutSpaces) {
  const DataType alerts =
      DataType::Array(DataType::Struct({{"code", P(Kind::kString)}, {"severity", P(Kind::kInt)}}));
  EXPECT_EQ(alerts.ToHive(), "array<struct<code:string,severity:int>>");
  const DataType status =
      DataType::Struct({{"speed_kmh", P(Kind::kDouble)}, {"doors_locked", P(Kind::kBoolean)}});
  EXPECT_EQ(status.ToHive(), "struct<speed_kmh:double,doors_locked:boolean>");
  EXPECT_EQ(DataType::Map(P(Kind::kString), alerts).ToHive(),
            "map<string,array<struct<code:string,severity:int>>>");
  EXPECT_EQ(DataType::Struct({}).ToHive(), "struct<>");
}

TEST(DataTypeTest, FieldNamesWithGrammarCharactersAreBackquoted) {
  const DataType type = DataType::Struct({{"a:b", P(Kind::kInt)}, {"x`y", P(Kind::kInt)}});
  EXPECT_EQ(type.ToHive(), "struct<`a:b`:int,`x``y`:int>");
  EXPECT_EQ(Hive(type.ToHive()), type);
}

TEST(DataTypeTest, AccessorsExposeTheTree) {
  const DataType type = Hive("struct<a:array<int>,m:map<string,decimal(12,3)>>");
  ASSERT_EQ(type.kind(), Kind::kStruct);
  ASSERT_EQ(type.fields().size(), 2u);
  EXPECT_EQ(type.fields()[0].first, "a");
  EXPECT_EQ(type.fields()[0].second.element(), P(Kind::kInt));
  const DataType* m = type.FindField("m");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->key(), P(Kind::kString));
  EXPECT_EQ(m->value().precision(), 12);
  EXPECT_EQ(m->value().scale(), 3);
  EXPECT_EQ(type.FindField("missing"), nullptr);
  EXPECT_TRUE(P(Kind::kDate).is_primitive());
  EXPECT_FALSE(type.is_primitive());
}

TEST(DataTypeTest, DecimalIsClamped) {
  EXPECT_EQ(DataType::Decimal(50, 60).ToHive(), "decimal(38,38)");
  EXPECT_EQ(DataType::Decimal(0, -1).ToHive(), "decimal(1,0)");
}

TEST(ParseHiveTypeTest, RoundTripsEveryShape) {
  for (std::string_view text : {
           "string",
           "boolean",
           "int",
           "bigint",
           "double",
           "timestamp",
           "date",
           "binary",
           "decimal(38,10)",
           "array<string>",
           "map<string,int>",
           "struct<>",
           "struct<speed_kmh:double,doors_locked:boolean>",
           "array<struct<code:string,severity:int>>",
           "struct<a:struct<b:struct<c:array<map<string,array<bigint>>>>>>",
           "array<struct<name:string,position:array<double>,location:array<double>>>",
       }) {
    EXPECT_EQ(Hive(text).ToHive(), text);
  }
}

TEST(ParseHiveTypeTest, AcceptsCaseSpacesAndAliases) {
  EXPECT_EQ(Hive(" STRUCT< Speed : DOUBLE , tags : ARRAY< VARCHAR(20) > > ").ToHive(),
            "struct<speed:double,tags:array<string>>");
  EXPECT_EQ(Hive("integer").ToHive(), "int");
  EXPECT_EQ(Hive("tinyint").ToHive(), "int");
  EXPECT_EQ(Hive("smallint").ToHive(), "int");
  EXPECT_EQ(Hive("float").ToHive(), "double");
  EXPECT_EQ(Hive("char(3)").ToHive(), "string");
  EXPECT_EQ(Hive("decimal").ToHive(), "decimal(10,0)");
  EXPECT_EQ(Hive("decimal(7)").ToHive(), "decimal(7,0)");
  EXPECT_EQ(Hive("struct<`odd name`:int>").fields()[0].first, "odd name");
}

TEST(ParseHiveTypeTest, RejectsMalformedTypes) {
  for (std::string_view text :
       {"", "strin", "array<int", "array<>", "map<string>", "struct<a int>", "struct<a:int,>",
        "int extra", "decimal(40,2)", "decimal(5,6)", "struct<:int>", "array<int>>"}) {
    auto type = ParseHiveType(text);
    ASSERT_FALSE(type) << text << " parsed as " << type->ToHive();
    EXPECT_EQ(type.error().code(), Error::Code::kInvalidInput) << text;
    EXPECT_THAT(type.error().message(), HasSubstr("invalid Hive type")) << text;
  }
}

TEST(ParseHiveTypeTest, RejectsExcessiveNesting) {
  std::string deep;
  for (int i = 0; i < 150; ++i) deep += "array<";
  deep += "int";
  for (int i = 0; i < 150; ++i) deep += ">";
  auto type = ParseHiveType(deep);
  ASSERT_FALSE(type);
  EXPECT_THAT(type.error().message(), HasSubstr("nesting"));
}

TEST(MergeTypesTest, UnknownTakesTheOtherType) {
  EXPECT_EQ(MergeTypes(DataType::Unknown(), P(Kind::kInt)), P(Kind::kInt));
  EXPECT_EQ(MergeTypes(Hive("array<int>"), DataType::Unknown()), Hive("array<int>"));
  EXPECT_EQ(MergeTypes(DataType::Unknown(), DataType::Unknown()), DataType::Unknown());
}

TEST(MergeTypesTest, NumbersWidenIntBigintDouble) {
  EXPECT_EQ(MergeTypes(P(Kind::kInt), P(Kind::kInt)), P(Kind::kInt));
  EXPECT_EQ(MergeTypes(P(Kind::kInt), P(Kind::kBigint)), P(Kind::kBigint));
  EXPECT_EQ(MergeTypes(P(Kind::kBigint), P(Kind::kInt)), P(Kind::kBigint));
  EXPECT_EQ(MergeTypes(P(Kind::kInt), P(Kind::kDouble)), P(Kind::kDouble));
  EXPECT_EQ(MergeTypes(P(Kind::kDouble), P(Kind::kBigint)), P(Kind::kDouble));
}

TEST(MergeTypesTest, ConflictsBecomeString) {
  EXPECT_EQ(MergeTypes(P(Kind::kBoolean), P(Kind::kInt)), P(Kind::kString));
  EXPECT_EQ(MergeTypes(P(Kind::kString), P(Kind::kDouble)), P(Kind::kString));
  EXPECT_EQ(MergeTypes(Hive("struct<a:int>"), P(Kind::kInt)), P(Kind::kString));
  EXPECT_EQ(MergeTypes(Hive("array<int>"), Hive("struct<a:int>")), P(Kind::kString));
  EXPECT_EQ(MergeTypes(Hive("array<int>"), P(Kind::kString)), P(Kind::kString));
  EXPECT_EQ(MergeTypes(Hive("map<string,int>"), Hive("array<int>")), P(Kind::kString));
  EXPECT_EQ(MergeTypes(P(Kind::kBinary), P(Kind::kInt)), P(Kind::kString));
  EXPECT_EQ(MergeTypes(P(Kind::kTimestamp), P(Kind::kBigint)), P(Kind::kString));
}

TEST(MergeTypesTest, DatesDecimalsAndTimestamps) {
  EXPECT_EQ(MergeTypes(P(Kind::kDate), P(Kind::kTimestamp)), P(Kind::kTimestamp));
  EXPECT_EQ(MergeTypes(DataType::Decimal(9, 2), DataType::Decimal(12, 4)).ToHive(),
            "decimal(12,4)");
  EXPECT_EQ(MergeTypes(DataType::Decimal(9, 2), DataType::Decimal(5, 0)).ToHive(), "decimal(9,2)");
  EXPECT_EQ(MergeTypes(DataType::Decimal(9, 2), P(Kind::kInt)).ToHive(), "decimal(12,2)");
  EXPECT_EQ(MergeTypes(P(Kind::kBigint), DataType::Decimal(9, 2)).ToHive(), "decimal(21,2)");
  EXPECT_EQ(MergeTypes(DataType::Decimal(38, 30), P(Kind::kBigint)).ToHive(), "decimal(38,30)");
  EXPECT_EQ(MergeTypes(DataType::Decimal(9, 2), P(Kind::kDouble)), P(Kind::kDouble));
}

TEST(MergeTypesTest, StructsUnionFieldsInOrderOfFirstAppearance) {
  const DataType merged = MergeTypes(Hive("struct<b:int,a:string,c:int>"),
                                     Hive("struct<d:boolean,a:string,c:double,e:array<int>>"));
  EXPECT_EQ(merged.ToHive(), "struct<b:int,a:string,c:double,d:boolean,e:array<int>>");
  // The other order keeps the other order.
  EXPECT_EQ(MergeTypes(Hive("struct<d:boolean>"), Hive("struct<b:int,d:boolean>")).ToHive(),
            "struct<d:boolean,b:int>");
}

TEST(MergeTypesTest, ArraysAndMapsMergeTheirElements) {
  EXPECT_EQ(MergeTypes(Hive("array<int>"), Hive("array<bigint>")).ToHive(), "array<bigint>");
  EXPECT_EQ(MergeTypes(DataType::Array(DataType::Unknown()),
                       Hive("array<struct<code:string,severity:int>>"))
                .ToHive(),
            "array<struct<code:string,severity:int>>");
  EXPECT_EQ(MergeTypes(Hive("array<struct<a:int>>"), Hive("array<struct<b:int>>")).ToHive(),
            "array<struct<a:int,b:int>>");
  EXPECT_EQ(MergeTypes(Hive("map<string,int>"), Hive("map<string,double>")).ToHive(),
            "map<string,double>");
}

TEST(MergeTypesTest, NestedUnknownsAreFilledLater) {
  const DataType first = DataType::Struct(
      {{"alerts", DataType::Array(DataType::Unknown())}, {"note", DataType::Unknown()}});
  const DataType later = Hive("struct<alerts:array<struct<code:string>>,note:bigint>");
  EXPECT_EQ(MergeTypes(first, later).ToHive(),
            "struct<alerts:array<struct<code:string>>,note:bigint>");
  EXPECT_EQ(MergeTypes(later, first), later);
}

TEST(MergeTypesTest, MergingWithItselfIsIdentity) {
  const DataType type = Hive("struct<a:array<struct<b:map<string,decimal(5,2)>>>,c:date>");
  EXPECT_EQ(MergeTypes(type, type), type);
}

TEST(SchemaSimilarityTest, SharedTopLevelNamesOverTheUnion) {
  const DataType abcd = Hive("struct<a:int,b:int,c:int,d:int>");
  EXPECT_DOUBLE_EQ(SchemaSimilarity(abcd, abcd), 1.0);
  // Types do not matter, names do.
  EXPECT_DOUBLE_EQ(SchemaSimilarity(abcd, Hive("struct<a:string,b:int,c:int,d:int>")), 1.0);
  // 3 shared of 5 names.
  EXPECT_DOUBLE_EQ(SchemaSimilarity(abcd, Hive("struct<a:int,b:int,c:int,e:int>")), 0.6);
  EXPECT_FALSE(SchemasCompatible(abcd, Hive("struct<a:int,b:int,c:int,e:int>")));
  // 4 shared of 5 names: 0.8.
  EXPECT_DOUBLE_EQ(SchemaSimilarity(abcd, Hive("struct<a:int,b:int,c:int,d:int,e:int>")), 0.8);
  EXPECT_TRUE(SchemasCompatible(abcd, Hive("struct<d:int,c:int,b:int,a:int,e:int>")));
  // Glue's own example: {A,B} and {C,D} are two tables.
  EXPECT_DOUBLE_EQ(SchemaSimilarity(Hive("struct<a:int,b:int>"), Hive("struct<c:int,d:int>")), 0.0);
  EXPECT_DOUBLE_EQ(SchemaSimilarity(Hive("struct<>"), Hive("struct<>")), 1.0);
  EXPECT_DOUBLE_EQ(SchemaSimilarity(Hive("struct<>"), abcd), 0.0);
}

TEST(SchemaSimilarityTest, NonStructsCompareAsOneColumn) {
  EXPECT_DOUBLE_EQ(SchemaSimilarity(P(Kind::kInt), P(Kind::kInt)), 1.0);
  EXPECT_DOUBLE_EQ(SchemaSimilarity(P(Kind::kInt), Hive("struct<a:int>")), 0.0);
}

}  // namespace
}  // namespace lakebox::catalog
