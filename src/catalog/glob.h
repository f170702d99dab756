// Glue's exclusion patterns (S3Target.Exclusions): globs matched against an object's key relative
// to the crawler's include path, e.g. include s3://lake/raw/ and key raw/2026/a.json → "2026/a.json".
//
// Syntax (Java's glob, as Glue uses it):
//   *       any characters within one path segment (never '/')
//   **      any characters across segments ("**.csv" is every .csv at any depth; "a/**/b" needs
//           at least one folder between a and b, as in Java, unlike gitignore)
//   ?       one character other than '/'
//   [abc] [a-z] [!a-c]   one character (not '/') from the set, or not from it ('!' or '^')
//   {a,b}   any of the comma-separated sub-patterns, which may hold globs and braces themselves
//   \x      the character x literally
// Everything else, '.' included, matches itself.
//
// A key is excluded when a pattern matches the key itself or one of its folders, so "2015/*"
// excludes every object under 2015/01/ as Glue's "matches objects in one level of subfolder" says.
//
// Thread safety: a compiled Glob is immutable and may be shared between threads.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace lakebox::catalog {

class Glob {
 public:
  // InvalidInput for an unclosed '[' or '{', a dangling '\', an empty pattern, or braces that
  // expand to more than 1,024 alternatives.
  static Result<Glob> Compile(std::string_view pattern);

  // True if the whole of `path` matches.
  bool Matches(std::string_view path) const;

  const std::string& pattern() const { return pattern_; }

 private:
  struct Token {
    enum class Kind { kLiteral, kAnyChar, kStar, kDoubleStar, kClass } kind;
    char literal = 0;
    bool negated = false;
    std::string ranges;  // pairs of (first, last) characters of a class
  };
  using Alternative = std::vector<Token>;

  Glob(std::string pattern, std::vector<Alternative> alternatives);
  static bool MatchAlternative(const Alternative& tokens, std::string_view path);

  std::string pattern_;
  std::vector<Alternative> alternatives_;  // braces expanded
};

// Compiles every pattern; the first error names the pattern.
Result<std::vector<Glob>> CompileGlobs(const std::vector<std::string>& patterns);

// True if one of `globs` matches `relative_key` or one of its folders (without the trailing '/').
bool IsExcluded(const std::vector<Glob>& globs, std::string_view relative_key);

}  // namespace lakebox::catalog
