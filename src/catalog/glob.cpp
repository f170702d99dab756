#include "catalog/glob.h"

#include <fmt/format.h>

namespace lakebox::catalog {
namespace {

constexpr size_t kMaxAlternatives = 1024;

Error PatternError(std::string_view pattern, std::string_view problem) {
  return Error::InvalidInput(fmt::format("exclusion pattern \"{}\": {}", pattern, problem));
}

// Index just past the class that starts with '[' at `open`, or npos if it is not closed.
size_t ClassEnd(std::string_view p, size_t open) {
  size_t i = open + 1;
  if (i < p.size() && (p[i] == '!' || p[i] == '^')) ++i;
  if (i < p.size() && p[i] == ']') ++i;  // a ']' first in the set is a member
  for (; i < p.size(); ++i) {
    if (p[i] == '\\') {
      ++i;
    } else if (p[i] == ']') {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

// Appends to `out` every brace-free pattern `p` stands for.
Status ExpandBraces(std::string_view original, std::string_view p, std::vector<std::string>& out) {
  // Find the first top-level '{' and its matching '}', recording the top-level commas between.
  size_t open = std::string_view::npos;
  std::vector<size_t> commas;
  int depth = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\\') {
      ++i;
    } else if (c == '[') {
      size_t end = ClassEnd(p, i);
      if (end == std::string_view::npos) return std::unexpected(PatternError(original, "'[' is never closed by ']'"));
      i = end - 1;
    } else if (c == '{') {
      if (depth++ == 0) open = i;
    } else if (c == ',' && depth == 1) {
      commas.push_back(i);
    } else if (c == '}' && depth > 0) {
      if (--depth == 0) {
        std::string_view prefix = p.substr(0, open);
        std::string_view suffix = p.substr(i + 1);
        size_t start = open + 1;
        commas.push_back(i);
        for (size_t comma : commas) {
          std::string alternative = fmt::format("{}{}{}", prefix, p.substr(start, comma - start), suffix);
          LAKEBOX_TRY(ExpandBraces(original, alternative, out));
          start = comma + 1;
        }
        return Ok();
      }
    }
  }
  if (depth > 0) return std::unexpected(PatternError(original, "'{' is never closed by '}'"));
  if (out.size() >= kMaxAlternatives)
    return std::unexpected(PatternError(original, fmt::format("braces give more than {} alternatives", kMaxAlternatives)));
  out.emplace_back(p);
  return Ok();
}

}  // namespace

Glob::Glob(std::string pattern, std::vector<Alternative> alternatives)
    : pattern_(std::move(pattern)), alternatives_(std::move(alternatives)) {}

Result<Glob> Glob::Compile(std::string_view pattern) {
  if (pattern.empty()) return std::unexpected(PatternError(pattern, "must not be empty"));
  std::vector<std::string> expanded;
  LAKEBOX_TRY(ExpandBraces(pattern, pattern, expanded));

  std::vector<Alternative> alternatives;
  for (const std::string& p : expanded) {
    Alternative tokens;
    for (size_t i = 0; i < p.size(); ++i) {
      char c = p[i];
      if (c == '\\') {
        if (i + 1 == p.size()) return std::unexpected(PatternError(pattern, "ends with a lone '\\'"));
        tokens.push_back({Token::Kind::kLiteral, p[++i]});
      } else if (c == '?') {
        tokens.push_back({Token::Kind::kAnyChar});
      } else if (c == '*') {
        size_t run = 1;
        while (i + 1 < p.size() && p[i + 1] == '*') ++i, ++run;
        tokens.push_back({run == 1 ? Token::Kind::kStar : Token::Kind::kDoubleStar});
      } else if (c == '[') {
        size_t end = ClassEnd(p, i);  // ExpandBraces checked that it is closed
        Token token{Token::Kind::kClass};
        size_t j = i + 1;
        if (p[j] == '!' || p[j] == '^') token.negated = true, ++j;
        // (character, escaped): an escaped '-' is a member, not a range.
        std::vector<std::pair<char, bool>> members;
        for (; j < end - 1; ++j) {
          bool escaped = p[j] == '\\';
          if (escaped) ++j;
          members.emplace_back(p[j], escaped);
        }
        for (size_t k = 0; k < members.size(); ++k) {
          bool range = k + 2 < members.size() && members[k + 1] == std::pair<char, bool>{'-', false};
          token.ranges += {members[k].first, members[range ? k + 2 : k].first};
          if (range) k += 2;
        }
        tokens.push_back(std::move(token));
        i = end - 1;
      } else {
        tokens.push_back({Token::Kind::kLiteral, c});
      }
    }
    alternatives.push_back(std::move(tokens));
  }
  return Glob(std::string(pattern), std::move(alternatives));
}

bool Glob::MatchAlternative(const Alternative& tokens, std::string_view s) {
  // matches[j]: tokens[i..] match s[j..]; computed from the last token backwards, so the cost is
  // tokens × characters whatever the number of stars (no exponential backtracking).
  const size_t m = s.size();
  std::vector<char> next(m + 1, 0), current(m + 1, 0);
  next[m] = 1;
  for (size_t i = tokens.size(); i-- > 0;) {
    const Token& t = tokens[i];
    current[m] = (t.kind == Token::Kind::kStar || t.kind == Token::Kind::kDoubleStar) && next[m];
    for (size_t j = m; j-- > 0;) {
      char c = s[j];
      switch (t.kind) {
        case Token::Kind::kLiteral:
          current[j] = c == t.literal && next[j + 1];
          break;
        case Token::Kind::kAnyChar:
          current[j] = c != '/' && next[j + 1];
          break;
        case Token::Kind::kClass: {
          bool member = false;
          for (size_t k = 0; k + 1 < t.ranges.size(); k += 2)
            member = member || (c >= t.ranges[k] && c <= t.ranges[k + 1]);
          current[j] = c != '/' && member != t.negated && next[j + 1];
          break;
        }
        case Token::Kind::kStar:
          current[j] = next[j] || (c != '/' && current[j + 1]);
          break;
        case Token::Kind::kDoubleStar:
          current[j] = next[j] || current[j + 1];
          break;
      }
    }
    std::swap(current, next);
  }
  return next[0];
}

bool Glob::Matches(std::string_view path) const {
  for (const Alternative& alternative : alternatives_)
    if (MatchAlternative(alternative, path)) return true;
  return false;
}

Result<std::vector<Glob>> CompileGlobs(const std::vector<std::string>& patterns) {
  std::vector<Glob> globs;
  globs.reserve(patterns.size());
  for (const std::string& pattern : patterns) {
    LAKEBOX_ASSIGN_OR_RETURN(Glob glob, Glob::Compile(pattern));
    globs.push_back(std::move(glob));
  }
  return globs;
}

bool IsExcluded(const std::vector<Glob>& globs, std::string_view relative_key) {
  for (const Glob& glob : globs) {
    if (glob.Matches(relative_key)) return true;
    for (size_t slash = relative_key.find('/'); slash != std::string_view::npos;
         slash = relative_key.find('/', slash + 1))
      if (glob.Matches(relative_key.substr(0, slash))) return true;
  }
  return false;
}

}  // namespace lakebox::catalog
