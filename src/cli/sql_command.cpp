// `lakebox sql [--database DB] [--format table|csv|json]`: an interactive SQL shell on a running
// `lakebox serve`, Athena's query editor in a terminal. Every statement goes through the Athena API
// (cli/query_runner.h), as `lakebox query` does.
//
// On a terminal: libedit line editing, prompt "lakebox:<database>> " ("lakebox> " with none) and a
// "...> " continuation aligned under it; statements end with ';' (outside quotes and comments) and
// may span lines; each finished input is one history entry, saved after every entry (libedit's
// file format, at most kHistorySize entries) in $LAKEBOX_HISTORY or ~/.lakebox_history. Ctrl-C
// discards the statement being typed, or cancels the running query (StopQueryExecution) and
// returns to the prompt; Ctrl-D exits. Terminal input has ISIG's interrupt character disabled
// while a line is edited, so Ctrl-C reaches the editor as a key rather than as SIGINT.
//
// Otherwise (script mode): statements are read from stdin without prompts or history, every one
// runs even after a failure, and the exit status is 1 if any failed. The first Ctrl-C cancels the
// running query and ends the script; a second one kills the process.
//
// Backslash commands (a line of their own, between statements): \q, \d [TABLE], \c DB, \x, \format,
// \help; USE DB is also handled here, since the server runs only SELECT and EXPLAIN. \d reads
// information_schema through the same Athena API, so what it lists is what queries can see.
#include <signal.h>
#include <unistd.h>

#include <histedit.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "cli/athena_client.h"
#include "cli/commands.h"
#include "cli/query_runner.h"
#include "cli/text_format.h"
#include "common/strings.h"
#include "query/duckdb/duckdb.h"

namespace lakebox::cli {
namespace {

constexpr int kHistorySize = 1000;
// Table cells wider than this (in code points) are cut with "…"; \x shows them whole.
constexpr size_t kMaxCellWidth = 40;

constexpr std::string_view kShellHelp =
    "Statements end with ';' and may span several lines; unqualified table names are looked up in the\n"
    "database shown in the prompt. Commands (on a line of their own):\n"
    "  \\d               list the tables of the current database (of every database when none is set)\n"
    "  \\d TABLE         describe a table (DB.TABLE for another database)\n"
    "  \\c DB, USE DB;   make DB the database of unqualified table names\n"
    "  \\x               toggle expanded output (one \"column | value\" line per cell)\n"
    "  \\format FORMAT   print results as table, csv or json (JSON lines)\n"
    "  \\help, \\?        this help\n"
    "  \\q               quit (also Ctrl-D)\n"
    "Ctrl-C cancels the running query (StopQueryExecution) or discards the statement being typed.\n";

std::atomic<bool> g_interrupted{false};

void OnInterrupt(int /*signal*/) { g_interrupted.store(true); }

// The shell survives any number of Ctrl-C; a script ends at the first and dies at the second
// (SA_RESETHAND). No SA_RESTART: a script blocked reading stdin wakes up on Ctrl-C.
void CatchInterrupts(bool reset_after_first) {
  struct sigaction action {};
  action.sa_handler = OnInterrupt;
  action.sa_flags = reset_after_first ? SA_RESETHAND : 0;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
}

std::string_view Trim(std::string_view text) {
  size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return {};
  size_t end = text.find_last_not_of(" \t\r\n");
  return text.substr(begin, end - begin + 1);
}

// A dotted name as SQL writes it: `vehicles`, `"Vehicles"."raw"`, `awsdatacatalog.vehicles`.
// Unquoted parts are lower-cased, as Athena does. nullopt when it is not one.
std::optional<std::vector<std::string>> ParseName(std::string_view text) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (true) {
    std::string part;
    if (i < text.size() && text[i] == '"') {
      for (++i;; ++i) {
        if (i >= text.size()) return std::nullopt;
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            part += '"';
            ++i;
            continue;
          }
          ++i;
          break;
        }
        part += text[i];
      }
    } else {
      size_t end = i;
      while (end < text.size() && text[end] != '.') {
        char c = text[end];
        if (std::isspace(static_cast<unsigned char>(c)) || c == '"' || c == ';' || c == '\'') return std::nullopt;
        ++end;
      }
      part = AsciiLower(text.substr(i, end - i));
      i = end;
    }
    if (part.empty()) return std::nullopt;
    parts.push_back(std::move(part));
    if (i == text.size()) return parts;
    if (text[i] != '.') return std::nullopt;
    ++i;
  }
}

// The database of `USE db` (or `USE catalog.db`), else nullopt.
std::optional<std::string> UseTarget(std::string_view statement) {
  statement = Trim(statement);
  if (statement.size() < 4 || AsciiLower(statement.substr(0, 3)) != "use" ||
      !std::isspace(static_cast<unsigned char>(statement[3]))) {
    return std::nullopt;
  }
  auto name = ParseName(Trim(statement.substr(3)));
  if (!name || name->size() > 2) return std::nullopt;
  return name->back();
}

// First `width` code points of `text`, "…" in place of the rest when it is longer.
std::string Truncate(std::string text, size_t width) {
  if (DisplayWidth(text) <= width) return text;
  size_t points = 0;
  size_t bytes = 0;
  for (; bytes < text.size(); ++bytes) {
    if ((static_cast<unsigned char>(text[bytes]) & 0xC0) != 0x80) {
      if (points == width - 1) break;
      ++points;
    }
  }
  text.resize(bytes);
  return text + "…";
}

// ---- Statement splitting

// Accumulates input lines and cuts them into statements at each ';' that is outside string
// literals, quoted identifiers and comments.
class StatementBuffer {
 public:
  // Appends `line` (a line break is added) and returns the statements it completed, without
  // their ';'. Statements holding nothing but whitespace and comments are dropped.
  std::vector<std::string> Add(std::string_view line) {
    pending_ += line;
    pending_ += '\n';
    std::vector<std::string> statements;
    size_t start = 0;
    for (size_t i = scanned_; i < pending_.size(); ++i) {
      char c = pending_[i];
      char next = i + 1 < pending_.size() ? pending_[i + 1] : '\0';
      switch (state_) {
        case State::kCode:
          if (c == '\'') {
            state_ = State::kString;
            has_code_ = true;
          } else if (c == '"') {
            state_ = State::kIdentifier;
            has_code_ = true;
          } else if (c == '-' && next == '-') {
            state_ = State::kLineComment;
            ++i;
          } else if (c == '/' && next == '*') {
            state_ = State::kBlockComment;
            ++i;
          } else if (c == ';') {
            if (has_code_) statements.emplace_back(Trim(std::string_view(pending_).substr(start, i - start)));
            start = i + 1;
            has_code_ = false;
          } else if (!std::isspace(static_cast<unsigned char>(c))) {
            has_code_ = true;
          }
          break;
        case State::kString:  // '' inside a literal leaves and re-enters it
          if (c == '\'') state_ = State::kCode;
          break;
        case State::kIdentifier:
          if (c == '"') state_ = State::kCode;
          break;
        case State::kLineComment:
          if (c == '\n') state_ = State::kCode;
          break;
        case State::kBlockComment:
          if (c == '*' && next == '/') {
            state_ = State::kCode;
            ++i;
          }
          break;
      }
    }
    pending_.erase(0, start);
    scanned_ = pending_.size();
    return statements;
  }

  // Whether no statement is under way (nothing, or only whitespace and comments, since the last ';').
  bool empty() const { return !has_code_ && state_ == State::kCode; }

  // The unfinished statement, and the buffer cleared.
  std::string Take() {
    std::string rest(has_code_ ? Trim(pending_) : std::string_view());
    Clear();
    return rest;
  }

  void Clear() {
    pending_.clear();
    scanned_ = 0;
    has_code_ = false;
    state_ = State::kCode;
  }

 private:
  enum class State { kCode, kString, kIdentifier, kLineComment, kBlockComment };

  std::string pending_;
  size_t scanned_ = 0;
  bool has_code_ = false;
  State state_ = State::kCode;
};

// ---- Line editing

// libedit on the terminal of stdin: emacs key bindings (~/.editrc may change them), history
// loaded from and saved to a file, Ctrl-C bound to "discard this line".
class LineEditor {
 public:
  enum class Read { kLine, kCancelled, kEnd };

  // `history_path` empty: no history file.
  static std::unique_ptr<LineEditor> Open(const char* program, std::filesystem::path history_path) {
    EditLine* editor = el_init(program, stdin, stdout, stderr);
    if (editor == nullptr) return nullptr;
    return std::unique_ptr<LineEditor>(new LineEditor(editor, std::move(history_path)));
  }

  ~LineEditor() {
    el_end(editor_);
    history_end(history_);
  }
  LineEditor(const LineEditor&) = delete;
  LineEditor& operator=(const LineEditor&) = delete;

  // One line, without its line break.
  Read ReadLine(const std::string& prompt, std::string& line) {
    prompt_ = prompt;
    cancelled_ = false;
    int count = 0;
    const char* text = el_gets(editor_, &count);
    if (cancelled_ || ((text == nullptr || count <= 0) && g_interrupted.exchange(false))) {
      // Ctrl-C returns without the editor moving to a new line.
      std::fputs("\n", stdout);
      std::fflush(stdout);
      return Read::kCancelled;
    }
    if (text == nullptr || count <= 0) return Read::kEnd;
    line.assign(text, static_cast<size_t>(count));
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    return Read::kLine;
  }

  // Adds `entry` to the history and rewrites the history file, so a crash or a kill loses nothing.
  void Remember(const std::string& entry) {
    HistEvent event;
    history(history_, &event, H_ENTER, entry.c_str());
    if (history_path_.empty()) return;
    // libedit's save chmods the file to 0600: never point it at /dev/null or another special file.
    std::error_code error;
    auto status = std::filesystem::status(history_path_, error);
    bool writable = status.type() == std::filesystem::file_type::not_found ||
                    status.type() == std::filesystem::file_type::regular;
    if (!writable || history(history_, &event, H_SAVE, history_path_.c_str()) < 0) {
      if (!save_failed_) {
        fmt::print(stderr, "lakebox sql: cannot write the history file {}\n", history_path_.string());
      }
      save_failed_ = true;
    }
  }

 private:
  LineEditor(EditLine* editor, std::filesystem::path history_path)
      : editor_(editor), history_(history_init()), history_path_(std::move(history_path)) {
    HistEvent event;
    history(history_, &event, H_SETSIZE, kHistorySize);
    history(history_, &event, H_SETUNIQUE, 1);
    if (!history_path_.empty()) history(history_, &event, H_LOAD, history_path_.c_str());

    el_set(editor_, EL_CLIENTDATA, this);
    el_set(editor_, EL_PROMPT, &LineEditor::Prompt);
    el_set(editor_, EL_EDITOR, "emacs");
    el_set(editor_, EL_SIGNAL, 1);  // restores the terminal on signals that stop or end the process
    el_set(editor_, EL_HIST, history, history_);
    el_source(editor_, nullptr);  // ~/.editrc, as every libedit program
    el_set(editor_, EL_ADDFN, "lakebox-cancel", "Discard the statement being typed", &LineEditor::Cancel);
    el_set(editor_, EL_BIND, "^C", "lakebox-cancel", nullptr);
    el_set(editor_, EL_BIND, "-a", "^C", "lakebox-cancel", nullptr);  // vi command mode
    el_set(editor_, EL_BIND, "^R", "em-inc-search-prev", nullptr);    // as in readline
    // While editing, the terminal's interrupt character is a key (bound above), not SIGINT.
    el_set(editor_, EL_SETTY, "-d", "intr=", nullptr);
  }

  static LineEditor* Of(EditLine* editor) {
    void* self = nullptr;
    el_get(editor, EL_CLIENTDATA, &self);
    return static_cast<LineEditor*>(self);
  }

  static char* Prompt(EditLine* editor) { return Of(editor)->prompt_.data(); }

  static unsigned char Cancel(EditLine* editor, int /*key*/) {
    Of(editor)->cancelled_ = true;
    return CC_NEWLINE;
  }

  EditLine* editor_;
  History* history_;
  std::filesystem::path history_path_;
  std::string prompt_;
  bool cancelled_ = false;
  bool save_failed_ = false;
};

// $LAKEBOX_HISTORY (empty: none), else ~/.lakebox_history, else none.
std::filesystem::path HistoryPath() {
  if (const char* path = std::getenv("LAKEBOX_HISTORY"); path != nullptr) return path;
  const char* home = std::getenv("HOME");
  if (home == nullptr || *home == '\0') return {};
  return std::filesystem::path(home) / ".lakebox_history";
}

// ---- The shell

struct SqlFlags {
  std::string endpoint{producer::kDefaultEndpoint};
  std::string database;
  std::string format = "table";
};

class Shell {
 public:
  Shell(const SqlFlags& flags, AthenaClient client, std::unique_ptr<LineEditor> editor)
      : client_(std::move(client)),
        editor_(std::move(editor)),
        endpoint_(flags.endpoint),
        database_(flags.database),
        format_(flags.format) {}

  // The exit status: in script mode 1 when a statement or command failed; else 0.
  int Run() {
    if (interactive()) {
      fmt::print("lakebox sql on {}: end statements with ';', \\help for help, \\q or Ctrl-D to quit.\n", endpoint_);
    }
    std::string line;
    while (!quit_) {
      if (!interactive() && g_interrupted.load()) break;
      Read read = NextLine(line);
      if (read == Read::kEnd) break;
      if (read == Read::kCancelled) {
        buffer_.Clear();
        history_entry_.clear();
        continue;
      }
      HandleLine(line);
    }
    if (interactive()) {
      if (!quit_) fmt::print("\n");  // Ctrl-D leaves the cursor after the prompt
      return 0;
    }
    if (g_interrupted.load()) {
      std::cerr << "lakebox sql: interrupted\n";
      return 1;
    }
    // A last statement without its ';'.
    if (std::string rest = buffer_.Take(); !quit_ && !rest.empty()) RunSql(rest);
    return failures_ > 0 ? 1 : 0;
  }

 private:
  using Read = LineEditor::Read;

  bool interactive() const { return editor_ != nullptr; }

  std::string Prompt() const {
    std::string prompt = database_.empty() ? "lakebox> " : fmt::format("lakebox:{}> ", database_);
    if (buffer_.empty()) return prompt;
    size_t width = DisplayWidth(prompt);
    return std::string(width > 5 ? width - 5 : 0, ' ') + "...> ";
  }

  Read NextLine(std::string& line) {
    if (interactive()) return editor_->ReadLine(Prompt(), line);
    if (!std::getline(std::cin, line)) return Read::kEnd;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return Read::kLine;
  }

  void HandleLine(const std::string& line) {
    std::string_view text = Trim(line);
    if (buffer_.empty() && text.starts_with('\\')) {
      if (interactive()) editor_->Remember(std::string(text));
      if (!RunCommand(text)) ++failures_;
      return;
    }
    if (!text.empty()) {
      if (!history_entry_.empty()) history_entry_ += ' ';
      history_entry_ += text;
    }
    for (const std::string& statement : buffer_.Add(line)) {
      if (!RunSql(statement) || quit_) break;
    }
    if (buffer_.empty()) {
      if (interactive() && !history_entry_.empty()) editor_->Remember(history_entry_);
      history_entry_.clear();
    }
  }

  void Fail(std::string_view message) {
    std::cout.flush();
    std::cerr << "ERROR: " << message << "\n";
    ++failures_;
  }

  // Runs one statement and prints its result. False when the user interrupted it, so the rest of
  // the line is not run.
  bool RunSql(const std::string& statement) {
    if (auto database = UseTarget(statement)) {
      SwitchDatabase(*database);
      return true;
    }
    g_interrupted.store(false);
    RunOptions options{.database = database_, .interrupted = &g_interrupted, .show_status = isatty(STDERR_FILENO) == 1};
    Result<StatementRun> run = RunStatement(client_, statement, options);
    if (!run) {
      Fail(run.error().ToString());
      return true;
    }
    const QueryExecution& execution = run->execution;
    if (execution.state == "SUCCEEDED") {
      PrintResults(run->results);
      std::cerr << RunSummary(*run) << "\n";
      return true;
    }
    if (execution.state == "CANCELLED") {
      Fail(fmt::format("query {} CANCELLED{}{}", execution.id, execution.reason.empty() ? "" : ": ", execution.reason));
      if (!interactive()) quit_ = true;
      return !run->stop_requested;
    }
    Fail(execution.reason.empty() ? fmt::format("query {} {}", execution.id, execution.state) : execution.reason);
    return true;
  }

  // A query whose result is shown but not summed up (the commands' catalog lookups). nullopt
  // after printing why it failed.
  std::optional<QueryResults> Lookup(const std::string& sql) {
    g_interrupted.store(false);
    Result<StatementRun> run = RunStatement(client_, sql, RunOptions{.interrupted = &g_interrupted});
    if (!run) {
      Fail(run.error().ToString());
      return std::nullopt;
    }
    if (run->execution.state != "SUCCEEDED") {
      const QueryExecution& execution = run->execution;
      Fail(execution.reason.empty() ? fmt::format("query {} {}", execution.id, execution.state) : execution.reason);
      return std::nullopt;
    }
    return std::move(run->results);
  }

  // The server checks the database: a query in an unknown one fails, naming those that exist.
  bool SwitchDatabase(const std::string& database) {
    g_interrupted.store(false);
    Result<StatementRun> run = RunStatement(client_, "SELECT 1", RunOptions{.database = database});
    if (!run) {
      Fail(run.error().ToString());
      return false;
    }
    if (run->execution.state != "SUCCEEDED") {
      Fail(run->execution.reason.empty() ? fmt::format("cannot use database {}", database) : run->execution.reason);
      return false;
    }
    database_ = database;
    return true;
  }

  bool ListTables() {
    std::string sql =
        database_.empty()
            ? "SELECT table_schema AS \"database\", table_name AS \"table\" FROM information_schema.tables "
              "WHERE table_catalog = current_database() AND table_schema NOT IN ('main', 'information_schema', "
              "'pg_catalog') ORDER BY 1, 2"
            : fmt::format("SELECT table_name AS \"table\" FROM information_schema.tables WHERE table_catalog = "
                          "current_database() AND table_schema = {} ORDER BY 1",
                          query::duckdb::QuoteLiteral(database_));
    auto results = Lookup(sql);
    if (!results) return false;
    if (results->rows.empty()) {
      std::cerr << (database_.empty() ? "no tables\n" : fmt::format("no tables in {}\n", database_));
      return true;
    }
    PrintResults(*results);
    return true;
  }

  bool DescribeTable(std::string_view argument) {
    auto name = ParseName(argument);
    if (!name || name->size() > 2) {
      Fail(fmt::format("not a table name: {}", argument));
      return false;
    }
    std::string database = name->size() == 2 ? (*name)[0] : database_;
    const std::string& table = name->back();
    if (database.empty()) {
      Fail("no current database: \\c DB first, or \\d DB.TABLE");
      return false;
    }
    auto results = Lookup(fmt::format(
        "SELECT column_name AS \"column\", data_type AS \"type\" FROM information_schema.columns "
        "WHERE table_catalog = current_database() AND table_schema = {} AND table_name = {} ORDER BY ordinal_position",
        query::duckdb::QuoteLiteral(database), query::duckdb::QuoteLiteral(table)));
    if (!results) return false;
    if (results->rows.empty()) {
      Fail(fmt::format("no table {}.{} (\\d lists the tables)", database, table));
      return false;
    }
    PrintResults(*results);
    return true;
  }

  // A backslash command; false when it failed.
  bool RunCommand(std::string_view line) {
    if (line.ends_with(';')) line.remove_suffix(1);
    size_t space = line.find_first_of(" \t");
    std::string command = AsciiLower(line.substr(0, space));
    std::string_view argument = space == std::string_view::npos ? std::string_view() : Trim(line.substr(space));

    if (command == "\\q" || command == "\\quit") {
      quit_ = true;
      return true;
    }
    if (command == "\\help" || command == "\\?" || command == "\\h") {
      std::cout << kShellHelp;
      return true;
    }
    if (command == "\\d") return argument.empty() ? ListTables() : DescribeTable(argument);
    if (command == "\\c" || command == "\\connect" || command == "\\use") {
      auto name = ParseName(argument);
      if (!name || name->size() > 2) {
        Fail(argument.empty() ? "\\c needs a database name" : fmt::format("not a database name: {}", argument));
        return false;
      }
      return SwitchDatabase(name->back());
    }
    if (command == "\\x") {
      std::string value = AsciiLower(argument);
      if (value.empty()) {
        expanded_ = !expanded_;
      } else if (value == "on" || value == "off") {
        expanded_ = value == "on";
      } else {
        Fail("\\x takes on, off or nothing");
        return false;
      }
      std::cerr << "expanded output " << (expanded_ ? "on" : "off") << "\n";
      return true;
    }
    if (command == "\\format") {
      std::string value = AsciiLower(argument);
      if (value.empty()) {
        std::cerr << "format " << format_ << "\n";
        return true;
      }
      if (value != "table" && value != "csv" && value != "json") {
        Fail("\\format takes table, csv or json");
        return false;
      }
      format_ = value;
      return true;
    }
    Fail(fmt::format("unknown command {}; \\help lists them", command));
    return false;
  }

  // ---- Output

  void PrintResults(const QueryResults& results) {
    if (format_ == "csv") {
      PrintCsv(results, std::cout);
    } else if (format_ == "json") {
      PrintJsonLines(results, std::cout);
    } else if (expanded_) {
      PrintExpanded(results);
    } else {
      PrintTable(results);
    }
    std::cout.flush();
  }

  // Aligned columns under a dashed rule; numbers right-aligned; wide cells cut.
  static void PrintTable(const QueryResults& results) {
    std::vector<std::string> header;
    std::vector<TextTable::Align> align;
    for (const QueryColumn& column : results.columns) {
      header.push_back(column.name);
      align.push_back(IsNumericType(column.type) ? TextTable::Align::kRight : TextTable::Align::kLeft);
    }
    std::vector<std::vector<std::string>> rows;
    std::vector<size_t> widths;
    for (const std::string& name : header) widths.push_back(DisplayWidth(name));
    for (const auto& row : results.rows) {
      std::vector<std::string> cells;
      for (size_t i = 0; i < row.size(); ++i) {
        cells.push_back(Truncate(TableCell(row[i]), kMaxCellWidth));
        if (i >= widths.size()) widths.resize(i + 1, 0);
        widths[i] = std::max(widths[i], DisplayWidth(cells.back()));
      }
      rows.push_back(std::move(cells));
    }
    TextTable table(std::move(header), std::move(align));
    std::vector<std::string> rule;
    for (size_t width : widths) rule.emplace_back(width, '-');
    table.AddRow(std::move(rule));
    for (auto& row : rows) table.AddRow(std::move(row));
    std::cout << table.Render();
  }

  // psql's \x layout: a "-[ RECORD n ]" line, then "column | value" for every cell, uncut.
  static void PrintExpanded(const QueryResults& results) {
    size_t name_width = 0;
    for (const QueryColumn& column : results.columns) name_width = std::max(name_width, DisplayWidth(column.name));
    std::string out;
    for (size_t r = 0; r < results.rows.size(); ++r) {
      std::string title = fmt::format("-[ RECORD {} ]", r + 1);
      size_t width = std::max(DisplayWidth(title), name_width + 3 + kMaxCellWidth / 2);
      out += title + std::string(width - DisplayWidth(title), '-') + "\n";
      const auto& row = results.rows[r];
      for (size_t i = 0; i < row.size(); ++i) {
        std::string name = i < results.columns.size() ? results.columns[i].name : fmt::format("_col{}", i);
        std::string padding(name_width - std::min(name_width, DisplayWidth(name)), ' ');
        out += fmt::format("{}{} | {}\n", name, padding, TableCell(row[i]));
      }
    }
    if (results.rows.empty()) out = "(no rows)\n";
    std::cout << out;
  }

  AthenaClient client_;
  std::unique_ptr<LineEditor> editor_;  // null in script mode
  std::string endpoint_;
  std::string database_;
  std::string format_;
  bool expanded_ = false;
  bool quit_ = false;
  int failures_ = 0;
  StatementBuffer buffer_;
  std::string history_entry_;  // the lines of the input under way, joined with spaces
};

Result<int> RunShell(const SqlFlags& flags) {
  LAKEBOX_ASSIGN_OR_RETURN(AthenaClient client, AthenaClient::Create(flags.endpoint));
  bool interactive = isatty(STDIN_FILENO) == 1;
  std::unique_ptr<LineEditor> editor;
  if (interactive) {
    editor = LineEditor::Open("lakebox", HistoryPath());
    if (editor == nullptr) return std::unexpected(Error::Internal("cannot set up line editing on this terminal"));
  }
  CatchInterrupts(/*reset_after_first=*/!interactive);
  Shell shell(flags, std::move(client), std::move(editor));
  return shell.Run();
}

}  // namespace

void AddSqlCommand(CLI::App& app) {
  auto flags = std::make_shared<SqlFlags>();
  CLI::App* cmd = app.add_subcommand(
      "sql",
      "Interactive SQL shell (Athena's dialect) on a running lakebox serve, through its Athena API. On a "
      "terminal: line editing, history, results as aligned tables with rows, bytes scanned and time. "
      "Otherwise statements are read from stdin (script mode) and the exit status is 1 if any failed");
  cmd->add_option("--database,-d", flags->database,
                  "Catalog database for unqualified table names (QueryExecutionContext.Database); changed by "
                  "\\c DB or USE DB;");
  cmd->add_option("--format", flags->format,
                  "Output: an aligned table (cells cut at 40 characters; \\x shows whole rows), CSV (a header "
                  "line, then one line per row) or JSON lines; \\format changes it")
      ->check(CLI::IsMember({"table", "csv", "json"}))
      ->capture_default_str();
  cmd->add_option("--endpoint", flags->endpoint, "URL of the running lakebox serve")->capture_default_str();
  cmd->footer(fmt::format(
      "\n{}\n"
      "Results go to stdout; \"N rows, X scanned, Y ms\" and errors to stderr.\n"
      "History: $LAKEBOX_HISTORY (set it empty for none), else ~/.lakebox_history; the last {} entries,\n"
      "saved after each one. Ctrl-D exits.\n"
      "Script mode (stdin not a terminal): no prompts and no history; every statement runs, and the exit\n"
      "status is 1 if any failed. Ctrl-C cancels the running query and ends the script.\n"
      "Example: echo 'SELECT count(*) FROM vehicles_raw;' | lakebox sql --database vehicles",
      kShellHelp, kHistorySize));
  cmd->callback([flags] {
    Result<int> code = RunShell(*flags);
    if (!code) {
      std::cerr << "lakebox sql: " << code.error().ToString() << "\n";
      SetExitCode(1);
      return;
    }
    SetExitCode(*code);
  });
}

}  // namespace lakebox::cli
