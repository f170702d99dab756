// Text output shared by the CLI commands: aligned tables, human-readable sizes and counts, and a
// one-line progress display.
// Thread safety: TextTable is a value; the functions are pure; a StatusLine belongs to one thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lakebox::cli {

// Rows of text cells printed with aligned columns: each column as wide as its widest cell
// (measured in UTF-8 code points, so tree drawing characters count as one), two spaces between
// columns, the last column not padded, numbers right-aligned where asked.
class TextTable {
 public:
  enum class Align { kLeft, kRight };

  // `header` may be empty (no header line); `align` defaults to kLeft for missing entries.
  explicit TextTable(std::vector<std::string> header = {}, std::vector<Align> align = {});

  void AddRow(std::vector<std::string> cells);
  bool empty() const { return rows_.empty(); }

  // Every line prefixed with `indent`, each ending in "\n".
  std::string Render(std::string_view indent = "") const;

 private:
  std::vector<std::string> header_;
  std::vector<Align> align_;
  std::vector<std::vector<std::string>> rows_;
};

// Display width of UTF-8 text: its code points.
size_t DisplayWidth(std::string_view text);

// "812 B", "41.3 kB", "12.5 MB", "1.07 GB" (powers of 1000).
std::string FormatBytes(int64_t bytes);
// "10,000".
std::string FormatCount(int64_t count);

// A progress line on stderr, redrawn in place ("crawling raw: RUNNING 3.2 s"); does nothing when
// disabled (stderr not a terminal, --quiet). Cleared on destruction.
class StatusLine {
 public:
  explicit StatusLine(bool enabled) : enabled_(enabled) {}
  ~StatusLine() { Clear(); }
  StatusLine(const StatusLine&) = delete;
  StatusLine& operator=(const StatusLine&) = delete;

  void Show(const std::string& text);
  void Clear();

 private:
  bool enabled_;
  bool drawn_ = false;
};

}  // namespace lakebox::cli
