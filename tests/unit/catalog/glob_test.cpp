#include "catalog/glob.h"

#include <gtest/gtest.h>

namespace lakebox::catalog {
namespace {

bool Match(std::string_view pattern, std::string_view path) {
  auto glob = Glob::Compile(pattern);
  EXPECT_TRUE(glob) << pattern << ": " << glob.error().ToString();
  return glob && glob->Matches(path);
}

TEST(GlobTest, StarStaysWithinASegment) {
  EXPECT_TRUE(Match("*.csv", "a.csv"));
  EXPECT_TRUE(Match("*.csv", ".csv"));
  EXPECT_FALSE(Match("*.csv", "dir/a.csv"));
  EXPECT_FALSE(Match("*.csv", "a.csv.gz"));
  EXPECT_TRUE(Match("myfolder/*", "myfolder/mysource"));
  EXPECT_FALSE(Match("myfolder/*", "myfolder/mysource/data"));
  EXPECT_TRUE(Match("myfolder/*/*", "myfolder/mysource/data"));
  EXPECT_TRUE(Match("a*b*c", "aXXbYYc"));
  EXPECT_FALSE(Match("a*b*c", "aXXbYY/c"));
}

TEST(GlobTest, DoubleStarCrossesSegments) {
  EXPECT_TRUE(Match("**.csv", "a.csv"));
  EXPECT_TRUE(Match("**.csv", "x/y/z/a.csv"));
  EXPECT_FALSE(Match("**.csv", "x/y/z/a.json"));
  EXPECT_TRUE(Match("myfolder/**", "myfolder/mysource/mydata"));
  EXPECT_TRUE(Match("myfolder**", "myfolder"));
  EXPECT_TRUE(Match("myfolder**", "myfolder/mydata.txt"));
  // Java's glob, as Glue uses: "a/**/b" needs a folder between a and b.
  EXPECT_TRUE(Match("a/**/b", "a/x/y/b"));
  EXPECT_FALSE(Match("a/**/b", "a/b"));
  EXPECT_TRUE(Match("***", "any/thing"));
}

TEST(GlobTest, QuestionMarkClassesAndEscapes) {
  EXPECT_TRUE(Match("foo.?", "foo.c"));
  EXPECT_FALSE(Match("foo.?", "foo.cc"));
  EXPECT_FALSE(Match("a?b", "a/b"));
  EXPECT_TRUE(Match("hour=0[0-5]", "hour=03"));
  EXPECT_FALSE(Match("hour=0[0-5]", "hour=07"));
  EXPECT_TRUE(Match("[!a-c]x", "dx"));
  EXPECT_FALSE(Match("[!a-c]x", "bx"));
  EXPECT_TRUE(Match("[^a]x", "bx"));
  EXPECT_FALSE(Match("[!a]x", "/x"));  // a class never matches '/'
  EXPECT_TRUE(Match("[]]", "]"));
  EXPECT_TRUE(Match("[a\\-z]", "-"));
  EXPECT_FALSE(Match("[a\\-z]", "m"));
  EXPECT_TRUE(Match("\\*.txt", "*.txt"));
  EXPECT_FALSE(Match("\\*.txt", "a.txt"));
  EXPECT_TRUE(Match("a.b", "a.b"));
  EXPECT_FALSE(Match("a.b", "aXb"));
}

TEST(GlobTest, BracesGiveAlternatives) {
  EXPECT_TRUE(Match("*.{csv,avro}", "x.csv"));
  EXPECT_TRUE(Match("*.{csv,avro}", "x.avro"));
  EXPECT_FALSE(Match("*.{csv,avro}", "x.json"));
  EXPECT_TRUE(Match("{a,b{c,d}}/x", "bd/x"));
  EXPECT_FALSE(Match("{a,b{c,d}}/x", "b/x"));
  EXPECT_TRUE(Match("{year=2017/**,*.tmp}", "year=2017/m/a.json"));
  EXPECT_TRUE(Match("{,tmp_}a", "a"));
  EXPECT_TRUE(Match("[{]x", "{x"));  // a brace inside a class is a member
}

TEST(GlobTest, RejectsMalformedPatterns) {
  for (std::string_view bad : {"", "[abc", "{a,b", "a\\", "{a,{b}"}) {
    auto glob = Glob::Compile(bad);
    ASSERT_FALSE(glob) << bad;
    EXPECT_EQ(glob.error().code(), Error::Code::kInvalidInput);
  }
  auto explosion = Glob::Compile("{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}");
  ASSERT_FALSE(explosion);
  EXPECT_NE(explosion.error().message().find("alternatives"), std::string::npos);
}

TEST(GlobTest, ManyStarsStayFast) {
  std::string path(200, 'a');
  EXPECT_FALSE(Match("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", path));
  EXPECT_TRUE(Match("**a**a**a**a**a**a**a**a**a**a", path));
}

TEST(GlobTest, IsExcludedChecksTheKeyAndItsFolders) {
  auto globs = CompileGlobs({"2015/*", "**.tmp"});
  ASSERT_TRUE(globs);
  EXPECT_TRUE(IsExcluded(*globs, "2015/01/data.json"));  // its folder 2015/01 matches "2015/*"
  EXPECT_TRUE(IsExcluded(*globs, "2015/data.json"));
  EXPECT_FALSE(IsExcluded(*globs, "2016/01/data.json"));
  EXPECT_TRUE(IsExcluded(*globs, "2016/01/x.tmp"));
  EXPECT_FALSE(IsExcluded({}, "anything"));

  auto bad = CompileGlobs({"ok", "[bad"});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("[bad"), std::string::npos);
}

}  // namespace
}  // namespace lakebox::catalog
