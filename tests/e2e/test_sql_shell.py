"""`lakebox sql`, the interactive SQL shell (the Athena issue's "interactive `lakebox sql` shell with
history and readable tables"), driven like a user would drive it.

Each test lays out 300 vehicle records in two hour partitions under s3://lake/raw/ and crawls them into
"vehicles"."vehicles_raw", then runs the shell against the server:

* script mode (stdin a pipe): statements over several lines, ';' inside literals and comments, \\c, a
  failing statement (non-zero exit with DuckDB's message, the next statements still run), CSV output, a
  last statement without ';', NULL and cut wide cells in tables, --help;
* an interactive session on a pseudo-terminal: prompt and continuation prompt, a multi-line query, \\c and
  USE (an unknown database is refused with the catalog's names), \\d, \\x, Ctrl-C discarding a half-typed
  statement, Ctrl-C cancelling a running query on the server (CANCELLED), Ctrl-D; the history file it
  wrote, and a second session that recalls the last statement from it (Ctrl-P) and runs it again.
"""

import codecs
import collections
import fcntl
import json
import os
import pty
import re
import select
import signal
import struct
import subprocess
import termios
import time
import unittest

import lakebox_harness as h

DATABASE = "vehicles"
CRAWLER = "vehicles-raw"
TABLE = "vehicles_raw"
RECORDS = 300
# "X scanned" (then lakebox's peak memory, when reported), then the time.
SCANNED = r"[\d.]+ (?:B|kB|MB|GB) scanned(?:, [\d.]+ (?:B|kB|MB|GB) peak memory)?, \d+ ms"
SUMMARY = rf"(\d+) rows?, {SCANNED}"
# A query that runs for minutes unless stopped.
LONG_QUERY = "SELECT sum(i * i) AS x FROM range(100000000000) t(i);"
RULE = re.compile(r"^-+( +-+)*$")
# Terminal control sequences libedit writes around what it echoes.
CONTROL = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>78MDEHc]|[\r\x07]")


class PtyShell:
    """`lakebox sql` on a pseudo-terminal (its controlling terminal, so Ctrl-C is SIGINT while a query
    runs). `output` is what it wrote, control sequences removed; expect() waits for a pattern in the part
    not yet matched."""

    def __init__(self, args: list[str], env: dict[str, str]):
        pid, fd = pty.fork()
        if pid == 0:  # the child: become the shell
            try:
                os.execve(args[0], args, env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        # Wide enough that no echoed line wraps.
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 250, 0, 0))
        self.raw = ""
        self.position = 0
        self.returncode: int | None = None
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")

    @property
    def output(self) -> str:
        return CONTROL.sub("", self.raw)

    def send(self, text: str) -> None:
        os.write(self.fd, text.encode())

    def send_key(self, key: str, timeout: float = 30) -> None:
        """Sends a control key meant for the line editor once the editor is reading: libedit puts the
        terminal in non-canonical mode only after it has drawn the prompt, and a Ctrl-D typed ahead in
        canonical mode is the terminal's end-of-file, which does not survive the switch (as in any
        shell, type-ahead of control keys is not line editing)."""
        deadline = time.monotonic() + timeout
        while termios.tcgetattr(self.fd)[3] & termios.ICANON:
            if time.monotonic() > deadline:
                raise AssertionError("the shell's line editor never took the terminal")
            self._read(0.01)
        self.send(key)

    def _read(self, timeout: float) -> bool:
        """Reads what is available within `timeout`; False once the shell closed the terminal."""
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return True
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # EIO: the child exited and the terminal is gone
            data = b""
        if not data:
            return False
        self.raw += self._decoder.decode(data)
        return True

    def expect(self, pattern: str, timeout: float = 60) -> re.Match:
        regex = re.compile(pattern, re.MULTILINE)
        deadline = time.monotonic() + timeout
        while True:
            output = self.output
            match = regex.search(output, self.position)
            if match:
                self.position = match.end()
                return match
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"{pattern!r} not seen in {timeout} s; output since the last match:\n"
                                     f"{output[self.position:]}")
            if not self._read(min(remaining, 1.0)):
                raise AssertionError(f"the shell ended before {pattern!r}; output since the last match:\n"
                                     f"{self.output[self.position:]}")

    def since(self, start: int) -> str:
        return self.output[start:self.position]

    def wait(self, timeout: float = 60) -> int:
        """Waits for the shell to exit (draining its output) and returns its exit status."""
        deadline = time.monotonic() + timeout
        while self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid == self.pid:
                self.returncode = os.waitstatus_to_exitcode(status)
                break
            if time.monotonic() > deadline:
                self.kill()
                raise AssertionError(f"the shell did not exit; output:\n{self.output[self.position:]}")
            self._read(0.1)
        return self.returncode

    def kill(self) -> None:
        if self.returncode is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
                self.returncode = os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])
            except (ProcessLookupError, ChildProcessError):
                pass
        try:
            os.close(self.fd)
        except OSError:
            pass


class SqlShellTest(h.LakeboxTestCase):

    def lake_with_vehicles(self):
        """A server whose vehicles.vehicles_raw holds RECORDS records in two hour partitions. Returns the
        server and the number of records per vendor."""
        server = self.start_server()
        records = [json.loads(h.vehicle_record(i, run="sql")) for i in range(RECORDS)]
        half = RECORDS // 2
        for index, hour in enumerate(("10", "11")):
            server.lake.put(f"raw/year=2026/month=11/day=25/hour={hour}/part-0.gz",
                            h.gzip_ndjson(records[index * half:(index + 1) * half]))
        glue = server.glue()
        glue.create_database(DatabaseInput={"Name": DATABASE})
        glue.create_crawler(Name=CRAWLER, Role=h.GLUE_ROLE_ARN, DatabaseName=DATABASE,
                            Targets={"S3Targets": [{"Path": "s3://lake/raw/"}]}, TablePrefix="vehicles_")
        self.assertEqual(h.run_crawler(glue, CRAWLER)["LastCrawl"]["Status"], "SUCCEEDED")
        return server, collections.Counter(r["vendor"] for r in records)

    def script(self, server, stdin: str, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(h.lakebox_binary()), "sql", "--endpoint", server.endpoint, *args],
                              input=stdin, capture_output=True, text=True, timeout=300)

    def open_shell(self, server, history, *args: str) -> PtyShell:
        env = {k: v for k, v in os.environ.items() if k not in ("LAKEBOX_HISTORY", "EDITRC")}
        env.update({"TERM": "xterm", "HOME": str(self.workspace), "LAKEBOX_HISTORY": str(history)})
        shell = PtyShell([str(h.lakebox_binary()), "sql", "--endpoint", server.endpoint, *args], env)
        self.addCleanup(shell.kill)
        return shell

    # ---- script mode

    def test_script_mode_runs_every_statement_and_fails_when_one_did(self):
        server, vendors = self.lake_with_vehicles()
        run = self.script(server, (
            "SELECT vendor, count(*) AS n\n"
            f'FROM "{DATABASE}"."{TABLE}"\n'
            "GROUP BY vendor ORDER BY vendor;\n"
            "SELEC 1;\n"
            f"\\c {DATABASE}\n"
            "SELECT 'a;b' AS s, -- a comment; with a semicolon\n"
            f"  count(*) AS total FROM {TABLE}; /* done; */\n"))
        self.assertEqual(run.returncode, 1, run.stderr)
        # DuckDB's message for the bad statement, and the statements after it still ran.
        self.assertIn("syntax error", run.stderr.lower())
        self.assertIn("SELEC", run.stderr)
        self.assertNotIn("lakebox>", run.stdout + run.stderr, "no prompts in script mode")
        lines = run.stdout.splitlines()
        self.assertEqual(sum(1 for line in lines if RULE.match(line)), 2, run.stdout)
        cells = [line.split() for line in lines if not RULE.match(line)]
        self.assertEqual(cells, [["vendor", "n"], *[[v, str(n)] for v, n in sorted(vendors.items())],
                                 ["s", "total"], ["a;b", str(RECORDS)]])
        summaries = re.findall(rf"^{SUMMARY}$", run.stderr, re.MULTILINE)
        self.assertEqual(summaries, [str(len(vendors)), "1"], run.stderr)

        # All good: exit status 0; CSV; a last statement without ';' still runs.
        ok = self.script(server, f"SELECT count(*) AS total FROM {TABLE};\nSELECT NULL AS nothing, 'x' AS y\n",
                         "--database", DATABASE, "--format", "csv")
        self.assertEqual(ok.returncode, 0, ok.stderr)
        self.assertEqual(ok.stdout, f"total\n{RECORDS}\nnothing,y\n,x\n")

        # Tables show NULL and cut wide cells; \format switches to JSON lines; an unknown table's
        # error names the ones that exist.
        shown = self.script(server, "SELECT NULL AS nothing, repeat('x', 100) AS wide;\n\\format json\n"
                                    "SELECT 1 AS one;\n"
                                    f'SELECT * FROM "{DATABASE}"."nope";\n')
        self.assertEqual(shown.returncode, 1, shown.stderr)
        self.assertRegex(shown.stdout, r"(?m)^ *NULL +x{39}…$")
        self.assertNotIn("x" * 40, shown.stdout)
        self.assertTrue(shown.stdout.endswith('{"one":1}\n'), shown.stdout)
        self.assertIn(TABLE, shown.stderr)

        help_text = subprocess.run([str(h.lakebox_binary()), "sql", "--help"], capture_output=True, text=True,
                                   timeout=30)
        self.assertEqual(help_text.returncode, 0)
        for word in ("--database", "--format", "--endpoint", "LAKEBOX_HISTORY", "\\d", "\\c", "\\x", "\\format",
                     "\\q", "Ctrl-C", "Ctrl-D", "script mode"):
            self.assertIn(word, help_text.stdout)

    # ---- on a terminal

    def test_interactive_session_with_history(self):
        server, vendors = self.lake_with_vehicles()
        athena = server.athena()
        history = self.workspace / "history"
        shell = self.open_shell(server, history)

        # A statement over two lines: the continuation prompt, then the table and its summary.
        shell.expect(r"^lakebox> ")
        shell.send("SELECT vendor, count(*) AS n\r")
        shell.expect(r"^    \.\.\.> ")
        shell.send(f'FROM "{DATABASE}"."{TABLE}" GROUP BY vendor ORDER BY vendor;\r')
        start = shell.position
        shell.expect(rf"^{len(vendors)} rows, {SCANNED}$")
        table = shell.since(start)
        self.assertRegex(table, r"(?m)^vendor +n$")
        for vendor, count in vendors.items():
            self.assertRegex(table, rf"(?m)^{vendor} +{count}$")
        self.assertNotRegex(table, r"(?m)^0 B scanned")

        # \c switches the database of unqualified names; the prompt shows it.
        shell.expect(r"^lakebox> ")
        shell.send(f"\\c {DATABASE}\r")
        shell.expect(rf"^lakebox:{DATABASE}> ")
        shell.send(f"SELECT count(*) AS total FROM {TABLE};\r")
        shell.expect(rf"^ *{RECORDS}$")
        shell.expect(rf"^1 row, {SCANNED}$")
        # USE of an unknown database is refused with the databases that exist; the old one stays.
        shell.expect(rf"^lakebox:{DATABASE}> ")
        shell.send("USE nope;\r")
        error = shell.expect(r"^ERROR: .*$").group(0)
        self.assertIn("nope", error)
        self.assertIn(DATABASE, error)
        shell.expect(rf"^lakebox:{DATABASE}> ")
        shell.send("\\d\r")
        shell.expect(rf"^{TABLE}$")
        shell.expect(rf"^lakebox:{DATABASE}> ")
        shell.send(f"\\d {TABLE}\r")
        shell.expect(r"^vendor +VARCHAR$")
        # Expanded output.
        shell.expect(rf"^lakebox:{DATABASE}> ")
        shell.send("\\x\r")
        shell.expect(r"^expanded output on$")
        shell.send("SELECT 'hello' AS greeting, NULL AS nothing;\r")
        shell.expect(r"^-\[ RECORD 1 \]-*$")
        shell.expect(r"^greeting \| hello$")
        shell.expect(r"^nothing  \| NULL$")
        shell.expect(rf"^lakebox:{DATABASE}> ")
        shell.send("\\x\r")
        shell.expect(r"^expanded output off$")

        # Ctrl-C while typing discards the statement under way.
        shell.expect(rf"^lakebox:{DATABASE}> ")
        shell.send("SELECT 'discarded'\r")
        shell.expect(r"\.\.\.> ")
        shell.send_key("\x03")
        shell.expect(rf"^lakebox:{DATABASE}> ")
        start = shell.position
        shell.send("SELECT 2 AS two;\r")
        shell.expect(r"^1 row, ")
        self.assertNotIn("ERROR", shell.since(start))
        self.assertRegex(shell.since(start), r"(?m)^two\n-+\n +2$")

        # Ctrl-C while a query runs stops it on the server and returns to the prompt.
        shell.expect(rf"^lakebox:{DATABASE}> ")
        before = set(athena.list_query_executions(MaxResults=50)["QueryExecutionIds"])
        shell.send(LONG_QUERY + "\r")

        def running():
            for query_id in set(athena.list_query_executions(MaxResults=50)["QueryExecutionIds"]) - before:
                execution = athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
                if execution["Query"].startswith("SELECT sum(i * i)") and execution["Status"]["State"] == "RUNNING":
                    return query_id
            return None
        long_id = h.wait_until(running, 60, "the long query to run")
        shell.send("\x03")
        # (Not at a line start: the terminal echoes "^C", and the status line may precede it.)
        shell.expect(rf"ERROR: query {long_id} CANCELLED")
        shell.expect(rf"^lakebox:{DATABASE}> ")
        status = athena.get_query_execution(QueryExecutionId=long_id)["QueryExecution"]["Status"]
        self.assertEqual(status["State"], "CANCELLED", status)

        # The last statement of the session; Ctrl-D ends it.
        shell.send("SELECT 6 * 7 AS answer;\r")
        shell.expect(r"^ +42$")
        shell.expect(rf"^lakebox:{DATABASE}> ")
        shell.send_key("\x04")
        self.assertEqual(shell.wait(), 0, shell.output)

        # The history file holds the statements entered (libedit's format encodes blanks), one entry per
        # statement even over several lines, not the discarded one.
        self.assertTrue(history.is_file(), "no history file written")
        saved = history.read_text()
        for fragment in ("GROUP", "vendor", TABLE, "answer", "nope"):
            self.assertIn(fragment, saved)
        self.assertNotIn("discarded", saved)

        # A second session reads it back: Ctrl-P recalls the last statement, Enter runs it again.
        again = self.open_shell(server, history, "--database", DATABASE)
        again.expect(rf"^lakebox:{DATABASE}> ")
        again.send_key("\x10")
        again.expect(r"SELECT 6 \* 7 AS answer;")
        again.send("\r")
        again.expect(r"^ +42$")
        again.expect(r"^1 row, ")
        again.expect(rf"^lakebox:{DATABASE}> ")
        again.send("\\q\r")
        self.assertEqual(again.wait(), 0, again.output)


if __name__ == "__main__":
    unittest.main()
