"""Harness for lakebox end-to-end tests: a real `lakebox serve` driven by real AWS clients.

Everything an e2e test needs, and nothing that knows about lakebox internals:

* ``LakeboxServer``: starts `lakebox serve` on a free loopback port with its own data dir (fresh,
  or one you pass to reopen after a crash), waits for ``GET /healthz``, stops it gracefully
  (SIGTERM / SIGINT) or kills it with SIGKILL, samples its RSS, calls the native ``/v1`` API, and
  hands out clients: ``firehose()`` (boto3) and ``aws(...)`` (the aws CLI in a subprocess).
* ``Lake``: reads what the server delivered, straight from ``<data-dir>/s3/<bucket>/<key>``
  (object keys, object bytes, and the records inside, gunzipped).
* ``LakeboxTestCase``: a unittest base class with a per-test workspace; servers started with
  ``self.start_server()`` are stopped at the end of the test, and when the test fails their logs,
  config and a listing of their data dir are copied to ``$LAKEBOX_TEST_OUTPUT/<test id>/``.
* Firehose helpers (``create_stream``, ``put_all``, ``wait_until``) and ``vehicle_record()``, which
  builds unique seed-shaped records (``record_id`` makes "exactly once" checkable by counting).
* Glue helpers: ``LakeboxServer.glue()`` (boto3) and ``glue_call()`` (raw, for members boto3 drops),
  ``run_crawler()`` (start, wait for READY), ``gzip_ndjson()`` and ``Lake.put()`` to lay out a lake
  on disk without going through Firehose.
* Athena helpers: ``LakeboxServer.athena()`` (boto3), ``run_query()`` (start, poll to a final
  state) and ``query_rows()`` (every page of GetQueryResults as lists of cells, None for NULL).
* ETL helpers: ``parquet_footer()`` (a Parquet file's codecs, schema and row count, read from its
  footer with a small Thrift compact-protocol reader, since pyarrow is not installed),
  ``wait_job_run()`` (GetJobRun until a final state) and ``run_lakebox()`` (the lakebox CLI).

Clients never depend on ~/.aws: they get dummy credentials, region us-east-1 and empty config files
(``client_environment()``); boto3 in the test process gets the same through ``os.environ``.

Environment: LAKEBOX_BIN (path of the lakebox binary, required), LAKEBOX_TEST_OUTPUT (where logs of
failed tests go; default ./test-output), LAKEBOX_KEEP_WORKSPACE=1 (keep temp dirs for debugging).
"""

from __future__ import annotations

import atexit
import collections
import datetime as dt
import gzip
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import boto3
import botocore.config
import botocore.exceptions

REGION = "us-east-1"
ACCOUNT_ID = "000000000000"
ROLE_ARN = "arn:aws:iam::000000000000:role/firehose"
BUCKET = "lake"
BUCKET_ARN = "arn:aws:s3:::lake"
# The seed's prefixes (seeds/000_*.txt).
SEED_PREFIX = "raw/year=!{timestamp:YYYY}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/"
SEED_ERROR_PREFIX = (
    "fherroroutputbase/!{firehose:random-string}/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/")
# A [[stream]] table of lakebox.toml: the seed's delivery stream into bucket "lake" (its Prefix and
# ErrorOutputPrefix, GZIP, 128 MB), buffering 900 s so that tests decide when to flush.
SEED_STREAM_TOML = f"""
[[stream]]
name = "vehicles"
bucket_arn = "{BUCKET_ARN}"
prefix = "{SEED_PREFIX}"
error_output_prefix = "{SEED_ERROR_PREFIX}"
compression = "GZIP"
buffer_size_mb = 128
buffer_interval_seconds = 900
"""
FIREHOSE_TARGET_PREFIX = "Firehose_20150804"
GLUE_TARGET_PREFIX = "AWSGlue"
ATHENA_FINAL_STATES = ("SUCCEEDED", "FAILED", "CANCELLED")
GLUE_ROLE_ARN = "arn:aws:iam::000000000000:role/glue"
# Firehose's object name suffix: <stream>-<version>-<yyyy>-<MM>-<dd>-<HH>-<mm>-<ss>-<uuid><ext>.
SUFFIX_TIME_RE = r"(?P<ts>\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d)"
UUID_RE = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

MiB = 1024 * 1024
KiB = 1024


class ServerError(RuntimeError):
    """lakebox did not start, or did not stop, as expected. The message carries its log tail."""


# --------------------------------------------------------------------------------------------
# Client environment


_aws_files_dir: Path | None = None
_aws_files_lock = threading.Lock()


def _empty_aws_files() -> tuple[Path, Path]:
    """Empty AWS config and credentials files, created once per process."""
    global _aws_files_dir
    with _aws_files_lock:
        if _aws_files_dir is None:
            _aws_files_dir = Path(tempfile.mkdtemp(prefix="lakebox-e2e-aws-"))
            atexit.register(shutil.rmtree, _aws_files_dir, True)
            (_aws_files_dir / "config").write_text("")
            (_aws_files_dir / "credentials").write_text("")
    return _aws_files_dir / "config", _aws_files_dir / "credentials"


def client_environment(base: dict[str, str] | None = None) -> dict[str, str]:
    """`base` (default os.environ) with every AWS_* variable replaced by lakebox's dummy setup.

    Dummy credentials, region us-east-1, no instance metadata lookups, empty config and credentials
    files, so nothing in ~/.aws or the caller's environment (profiles, endpoint overrides) leaks in.
    """
    config_file, credentials_file = _empty_aws_files()
    env = {k: v for k, v in (os.environ if base is None else base).items() if not k.startswith("AWS_")}
    env.update({
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": str(config_file),
        "AWS_SHARED_CREDENTIALS_FILE": str(credentials_file),
        "AWS_PAGER": "",
    })
    return env


_process_env_isolated = False


def isolate_process_environment() -> None:
    """Applies client_environment() to os.environ, for boto3 clients in this process. Idempotent."""
    global _process_env_isolated
    if _process_env_isolated:
        return
    env = client_environment()
    for key in [k for k in os.environ if k.startswith("AWS_")]:
        del os.environ[key]
    os.environ.update({k: v for k, v in env.items() if k.startswith("AWS_")})
    _process_env_isolated = True


# botocore retry config for exactly one attempt per call. (Careful: retries={"max_attempts": 1}
# means one *retry*, i.e. two attempts.)
NO_RETRIES = {"total_max_attempts": 1}


def boto3_client(endpoint: str, service: str = "firehose", **config: Any):
    """A boto3 client for `service` at `endpoint`. `config` goes to botocore.config.Config
    (e.g. retries=NO_RETRIES, parameter_validation=False)."""
    isolate_process_environment()
    session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test",
                                    region_name=REGION)
    options = {"connect_timeout": 5, "read_timeout": 120}
    options.update(config)
    return session.client(service, endpoint_url=endpoint, config=botocore.config.Config(**options))


def error_code(exc: BaseException) -> str | None:
    """The AWS error code of a botocore ClientError (e.g. "ResourceNotFoundException"), else None."""
    if isinstance(exc, botocore.exceptions.ClientError):
        return exc.response.get("Error", {}).get("Code")
    return None


def http_status(exc: BaseException) -> int | None:
    """The HTTP status of a botocore ClientError, else None."""
    if isinstance(exc, botocore.exceptions.ClientError):
        return exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return None


@dataclass
class AwsResult:
    """The outcome of one aws CLI run."""
    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    json: Any            # parsed stdout when the command succeeded and printed JSON, else None
    error_code: str | None  # "ResourceInUseException" etc. when the service answered an error

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def describe(self) -> str:
        return (f"aws {' '.join(self.args)}\n  exit {self.returncode}\n  stdout: {self.stdout.strip()}\n"
                f"  stderr: {self.stderr.strip()}")


_AWS_ERROR_RE = re.compile(r"An error occurred \(([^)]+)\) when calling the (\w+) operation")


def aws_command() -> list[str]:
    """How to run the aws CLI: `aws` on PATH, else the awscli module of this interpreter."""
    found = shutil.which("aws")
    return [found] if found else [sys.executable, "-m", "awscli"]


def run_aws(endpoint: str, *args: str, timeout: float = 120) -> AwsResult:
    """Runs `aws --endpoint-url <endpoint> --output json <args>` with client_environment()."""
    full_args = ["--endpoint-url", endpoint, "--output", "json", *args]
    proc = subprocess.run(aws_command() + full_args, env=client_environment(), capture_output=True,
                          text=True, timeout=timeout)
    parsed = None
    if proc.returncode == 0 and proc.stdout.strip():
        parsed = json.loads(proc.stdout)
    match = _AWS_ERROR_RE.search(proc.stderr)
    return AwsResult(args=full_args, returncode=proc.returncode, stdout=proc.stdout, stderr=proc.stderr,
                     json=parsed, error_code=match.group(1) if match else None)


# --------------------------------------------------------------------------------------------
# The server


def server_environment() -> dict[str, str]:
    """The environment of a `lakebox serve` under test. For sanitizer builds (PRESET=asan), a small
    ASan free-quarantine: its default 256 MB keeps freed memory resident, which would read as a
    leak to the tests that bound the server's RSS. Ignored by normal builds."""
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "quarantine_size_mb=16")
    return env


def free_port() -> int:
    """A TCP port that was free on 127.0.0.1 a moment ago (lakebox's CLI does not take port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def lakebox_binary() -> Path:
    path = os.environ.get("LAKEBOX_BIN")
    if not path:
        raise ServerError("LAKEBOX_BIN is not set: run through ctest, or export LAKEBOX_BIN=<build>/lakebox")
    if not os.access(path, os.X_OK):
        raise ServerError(f"LAKEBOX_BIN={path} is not an executable file")
    return Path(path)


@dataclass
class HttpResponse:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def http_request(endpoint: str, method: str, path: str, body: bytes | None = None,
                 headers: dict[str, str] | None = None, timeout: float = 60) -> HttpResponse:
    """One plain HTTP request (no AWS client involved), for raw-wire and native API tests."""
    host_port = endpoint.split("://", 1)[-1].rstrip("/")
    host, port = host_port.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return HttpResponse(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
    finally:
        conn.close()


def firehose_request(endpoint: str, operation: str, body: bytes,
                     target_prefix: str = FIREHOSE_TARGET_PREFIX) -> HttpResponse:
    """A raw AWS JSON 1.1 request (X-Amz-Target `<target_prefix>.<operation>`), unsigned."""
    return http_request(endpoint, "POST", "/", body=body, headers={
        "X-Amz-Target": f"{target_prefix}.{operation}",
        "Content-Type": "application/x-amz-json-1.1",
    })


def aws_error_type(response: HttpResponse) -> str | None:
    """The error name of an AWS JSON error body (`__type`, namespace before '#' dropped)."""
    try:
        doc = response.json()
    except ValueError:
        return None
    name = doc.get("__type") if isinstance(doc, dict) else None
    return name.rsplit("#", 1)[-1] if isinstance(name, str) else None


class LakeboxServer:
    """One `lakebox serve` process on a loopback port, restartable on the same data dir.

    Each start() picks a new free port (so `endpoint` changes across restarts) and writes the
    server's output to `<workspace>/server-<n>.log`. Not thread-safe: drive it from one thread.
    """

    def __init__(self, workspace: Path, *, data_dir: Path | None = None, config: str | None = None,
                 name: str = "lakebox"):
        self.workspace = Path(workspace)
        self.workspace.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.data_dir = Path(data_dir) if data_dir else self.workspace / f"{name}-data"
        self.config_path: Path | None = None
        if config is not None:
            self.config_path = self.workspace / f"{name}.toml"
            self.config_path.write_text(config)
        self.process: subprocess.Popen | None = None
        self.port: int | None = None
        self.log_paths: list[Path] = []
        self.exit_codes: list[int] = []

    # ---- lifecycle

    @property
    def endpoint(self) -> str:
        if self.port is None:
            raise ServerError(f"{self.name} has not been started")
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        if self.process is None:
            raise ServerError(f"{self.name} is not running")
        return self.process.pid

    def is_running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 30) -> "LakeboxServer":
        """Starts the server and returns once GET /healthz answers 200. Retries on a port clash."""
        if self.is_running():
            raise ServerError(f"{self.name} is already running (pid {self.process.pid})")
        last_error: ServerError | None = None
        for _ in range(3):
            try:
                self._start_once(timeout)
                return self
            except _PortInUse as e:
                last_error = ServerError(str(e))
        raise last_error

    def _start_once(self, timeout: float) -> None:
        self.port = free_port()
        log_path = self.workspace / f"{self.name}-{len(self.log_paths) + 1}.log"
        self.log_paths.append(log_path)
        cmd = [str(lakebox_binary()), "serve", "--data-dir", str(self.data_dir),
               "--listen", f"127.0.0.1:{self.port}"]
        if self.config_path is not None:
            cmd += ["--config", str(self.config_path)]
        with open(log_path, "wb") as log:
            log.write(("$ " + " ".join(cmd) + "\n").encode())
            log.flush()
            self.process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, cwd=self.workspace,
                                            env=server_environment())
        deadline = time.monotonic() + timeout
        while True:
            code = self.process.poll()
            if code is not None:
                self.exit_codes.append(code)
                text = self.log_tail()
                if "in use" in text.lower():
                    raise _PortInUse(f"port {self.port} was taken:\n{text}")
                raise ServerError(f"{self.name} exited with {code} before becoming healthy:\n{text}")
            try:
                if http_request(self.endpoint, "GET", "/healthz", timeout=2).status == 200:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.kill()
                raise ServerError(f"{self.name} not healthy after {timeout}s:\n{self.log_tail()}")
            time.sleep(0.05)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        """Graceful shutdown with `sig` (SIGTERM or SIGINT); returns the exit code.

        ServerError if it has not exited after `timeout` seconds (it is then killed)."""
        if self.process is None or self.process.poll() is not None:
            raise ServerError(f"{self.name} is not running")
        self.process.send_signal(sig)
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise ServerError(f"{self.name} did not exit within {timeout}s of signal {sig}:\n{self.log_tail()}")
        self.exit_codes.append(code)
        return code

    def kill(self) -> None:
        """SIGKILL (kill -9): a crash, nothing flushed. No-op when not running."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
            self.exit_codes.append(self.process.returncode)

    def close(self) -> None:
        """Best-effort teardown: graceful stop, then kill if that fails."""
        if self.is_running():
            try:
                self.stop(timeout=30)
            except ServerError:
                pass
        self.kill()

    def log_tail(self, lines: int = 60) -> str:
        if not self.log_paths or not self.log_paths[-1].exists():
            return "(no log)"
        text = self.log_paths[-1].read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def logs(self) -> str:
        """Output of every run of this server, oldest first."""
        return "\n".join(p.read_text(errors="replace") for p in self.log_paths if p.exists())

    def rss_bytes(self) -> int:
        """Resident set size of the server process (VmRSS from /proc/<pid>/status)."""
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        raise ServerError(f"no VmRSS for pid {self.pid}")

    # ---- clients

    def firehose(self, **config: Any):
        """A boto3 Firehose client for this server (see boto3_client for `config`)."""
        return boto3_client(self.endpoint, "firehose", **config)

    def glue(self, **config: Any):
        """A boto3 Glue client for this server (see boto3_client for `config`)."""
        return boto3_client(self.endpoint, "glue", **config)

    def glue_call(self, operation: str, request: dict[str, Any] | None = None) -> dict[str, Any]:
        """A raw AWSGlue.<operation> call, for members boto3 does not model (it drops them, e.g.
        lakebox's extra GetCrawlerMetrics counters). AssertionError unless the answer is 200."""
        resp = firehose_request(self.endpoint, operation, json.dumps(request or {}).encode(),
                                target_prefix=GLUE_TARGET_PREFIX)
        if resp.status != 200:
            raise AssertionError(f"AWSGlue.{operation} answered {resp.status}: {resp.body[:500]!r}")
        return resp.json()

    def athena(self, **config: Any):
        """A boto3 Athena client for this server (see boto3_client for `config`)."""
        return boto3_client(self.endpoint, "athena", **config)

    def aws(self, *args: str, timeout: float = 120) -> AwsResult:
        """Runs the aws CLI against this server, e.g. aws("firehose", "list-delivery-streams")."""
        return run_aws(self.endpoint, *args, timeout=timeout)

    def http(self, method: str, path: str, body: bytes | None = None,
             headers: dict[str, str] | None = None, timeout: float = 60) -> HttpResponse:
        return http_request(self.endpoint, method, path, body=body, headers=headers, timeout=timeout)

    def flush(self, stream: str | None = None, timeout: float = 120) -> None:
        """Native flush (POST /v1/flush or /v1/streams/<stream>/flush): returns after delivery."""
        path = "/v1/flush" if stream is None else f"/v1/streams/{stream}/flush"
        resp = self.http("POST", path, timeout=timeout)
        if not 200 <= resp.status < 300:
            raise AssertionError(f"POST {path} answered {resp.status}: {resp.body[:500]!r}")

    @property
    def lake(self) -> "Lake":
        return Lake(self.data_dir)


class _PortInUse(Exception):
    pass


# --------------------------------------------------------------------------------------------
# Reading the lake


class Lake:
    """What lakebox delivered, read from `<data_dir>/s3/<bucket>/<key>` on disk."""

    def __init__(self, data_dir: Path):
        self.root = Path(data_dir) / "s3"

    def buckets(self) -> list[str]:
        """Bucket names. Dot-directories (the store's temp dir) are not buckets: no bucket name
        starts with '.'."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and not p.name.startswith("."))

    def keys(self, bucket: str = BUCKET, prefix: str = "") -> list[str]:
        """Every object key in `bucket` starting with `prefix`, sorted."""
        base = self.root / bucket
        if not base.is_dir():
            return []
        keys = (p.relative_to(base).as_posix() for p in base.rglob("*") if p.is_file())
        return sorted(k for k in keys if k.startswith(prefix))

    def put(self, key: str, data: bytes, bucket: str = BUCKET) -> Path:
        """Writes an object straight into the lake, as a user copying files in would (the
        store lists files on disk). Returns its path."""
        path = self.root / bucket / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    def read(self, key: str, bucket: str = BUCKET) -> bytes:
        """The object's bytes as stored."""
        return (self.root / bucket / key).read_bytes()

    def content(self, key: str, bucket: str = BUCKET) -> bytes:
        """The object's content: gunzipped when it starts with the gzip magic, else as stored."""
        data = self.read(key, bucket)
        return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data

    def records(self, bucket: str = BUCKET, prefix: str = "") -> list[bytes]:
        """Every record (line, "\\n" kept) of every object under `prefix`. A last line without
        "\\n" is returned as is, so a torn record shows up as a record nobody sent."""
        out: list[bytes] = []
        for key in self.keys(bucket, prefix):
            out.extend(split_lines(self.content(key, bucket)))
        return out

    def all_records(self) -> list[bytes]:
        """Records of every object in every bucket."""
        return [r for b in self.buckets() for r in self.records(b)]


def split_lines(data: bytes) -> list[bytes]:
    """Splits NDJSON bytes into records, keeping each "\\n"."""
    parts = data.split(b"\n")
    lines = [p + b"\n" for p in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


# --------------------------------------------------------------------------------------------
# Records


_VENDORS = [("volvo", ["FH16", "FH", "FM"]), ("scania", ["R450", "S500"]), ("mercedes", ["Actros", "Axor"]),
            ("man", ["TGX"]), ("iveco", ["Stralis", "S-Way"]), ("daf", ["XF"])]
_ALERT_CODES = ["TIRE_PRESSURE", "ENGINE_TEMP", "LOW_FUEL", "HARSH_BRAKING"]


def vehicle_record(seq: int, run: str = "t", padding: int = 0) -> bytes:
    """One seed-shaped vehicle reading as a line of JSON ending in "\\n".

    `record_id` is "<run>-<seq>", unique per (run, seq); the other fields are derived from seq
    (deterministic). `padding` adds a string field of that many characters, for big records.
    """
    rng = random.Random(seq)
    vendor, models = _VENDORS[seq % len(_VENDORS)]
    record = {
        "record_id": f"{run}-{seq}",
        "seq": seq,
        "vehicle_id": f"V-{seq % 200 + 1:05d}",
        "vendor": vendor,
        "model": models[seq % len(models)],
        "event_time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "vehicle_status": {
            "speed_kmh": round(rng.uniform(0, 110), 1),
            "engine_temp_c": round(rng.uniform(70, 105), 1),
            "fuel_level": round(rng.random(), 3),
            "odometer_km": rng.randint(1000, 900000),
            "doors_locked": rng.random() < 0.8,
        },
        "gps_info": {
            "latitude": round(rng.uniform(-30.0, -15.0), 5),
            "longitude": round(rng.uniform(-52.0, -40.0), 5),
            "altitude_m": round(rng.uniform(0, 1200), 1),
            "heading": round(rng.uniform(0, 360), 1),
        },
        "alerts": [{"code": rng.choice(_ALERT_CODES), "severity": rng.randint(1, 3)}
                   for _ in range(rng.choice([0, 0, 0, 1, 2]))],
    }
    if padding:
        record["padding"] = "x" * padding
    return json.dumps(record, separators=(",", ":")).encode() + b"\n"


def record_id(line: bytes) -> str:
    """The record_id of a record built by vehicle_record() (AssertionError for anything else)."""
    try:
        return json.loads(line)["record_id"]
    except (ValueError, KeyError, TypeError) as e:
        raise AssertionError(f"not a test record ({e}): {line[:200]!r}") from None


def id_counts(lines: Iterable[bytes]) -> collections.Counter:
    return collections.Counter(record_id(line) for line in lines)


# --------------------------------------------------------------------------------------------
# Firehose helpers


def s3_destination(prefix: str = SEED_PREFIX, error_output_prefix: str | None = SEED_ERROR_PREFIX,
                   compression: str = "GZIP", size_mb: int = 5, interval_s: int = 300,
                   **extra: Any) -> dict[str, Any]:
    """An ExtendedS3DestinationConfiguration for bucket `lake` (None leaves a member out)."""
    config: dict[str, Any] = {
        "RoleARN": ROLE_ARN,
        "BucketARN": BUCKET_ARN,
        "Prefix": prefix,
        "ErrorOutputPrefix": error_output_prefix,
        "BufferingHints": {"SizeInMBs": size_mb, "IntervalInSeconds": interval_s},
        "CompressionFormat": compression,
        **extra,
    }
    return {k: v for k, v in config.items() if v is not None}


def create_stream(client, name: str, timeout: float = 30, **destination: Any) -> dict[str, Any]:
    """CreateDeliveryStream (DirectPut, Extended S3; `destination` as for s3_destination) and
    waits until it is ACTIVE. Returns the DeliveryStreamDescription."""
    client.create_delivery_stream(DeliveryStreamName=name, DeliveryStreamType="DirectPut",
                                  ExtendedS3DestinationConfiguration=s3_destination(**destination))
    return wait_active(client, name, timeout)


def wait_active(client, name: str, timeout: float = 30) -> dict[str, Any]:
    def active():
        d = client.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
        return d if d["DeliveryStreamStatus"] == "ACTIVE" else None
    return wait_until(active, timeout, f"stream {name} ACTIVE")


def put_all(client, stream: str, records: Sequence[bytes], batch: int = 500,
            max_rounds: int = 50) -> list[dict[str, Any]]:
    """PutRecordBatch of every record, `batch` at a time, resending entries that came back with an
    ErrorCode. Returns the responses of the first attempt of each batch. AssertionError when a
    response does not have one entry per record, or records still fail after max_rounds."""
    first_responses = []
    for start in range(0, len(records), batch):
        pending = list(records[start:start + batch])
        for round_no in range(max_rounds):
            resp = client.put_record_batch(DeliveryStreamName=stream, Records=[{"Data": r} for r in pending])
            entries = resp["RequestResponses"]
            if len(entries) != len(pending):
                raise AssertionError(f"PutRecordBatch of {len(pending)} records answered {len(entries)} "
                                     f"RequestResponses")
            if round_no == 0:
                first_responses.append(resp)
            pending = [r for r, e in zip(pending, entries) if e.get("ErrorCode")]
            if not pending:
                break
            time.sleep(0.1 * (round_no + 1))
        else:
            raise AssertionError(f"{len(pending)} records still failing after {max_rounds} rounds")
    return first_responses


def wait_until(predicate: Callable[[], Any], timeout: float, what: str, interval: float = 0.2) -> Any:
    """Polls `predicate` until it returns something truthy (returned); AssertionError after
    `timeout` seconds naming `what`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def utc_hours_between(start: float, end: float) -> list[dt.datetime]:
    """Every UTC hour (truncated datetime) overlapping [start, end] (epoch seconds)."""
    return hours_between(start, end, dt.timezone.utc)


def hours_between(start: float, end: float, tz: dt.tzinfo) -> list[dt.datetime]:
    """Every hour in `tz` (truncated local datetime) overlapping [start, end] (epoch seconds)."""
    hour = dt.datetime.fromtimestamp(start, tz).replace(minute=0, second=0, microsecond=0)
    last = dt.datetime.fromtimestamp(end, tz)
    out = []
    while hour <= last:
        out.append(hour)
        hour = (hour.astimezone(dt.timezone.utc) + dt.timedelta(hours=1)).astimezone(tz)
    return out


# --------------------------------------------------------------------------------------------
# unittest base class


class LakeboxTestCase(unittest.TestCase):
    """Base class: per-test workspace (self.workspace), servers stopped after the test, and on
    failure their logs copied to $LAKEBOX_TEST_OUTPUT/<test id>/."""

    def run(self, result=None):
        if result is None:
            result = self.defaultTestResult()
            result.startTestRun()
            try:
                return self.run(result)
            finally:
                result.stopTestRun()
        self.workspace = Path(tempfile.mkdtemp(prefix=f"lakebox-e2e-{self._testMethodName}-"))
        self._servers: list[LakeboxServer] = []
        problems_before = len(result.failures) + len(result.errors)
        try:
            return super().run(result)
        finally:
            for server in self._servers:
                server.close()
            if len(result.failures) + len(result.errors) > problems_before:
                self._save_artifacts()
            if not os.environ.get("LAKEBOX_KEEP_WORKSPACE"):
                shutil.rmtree(self.workspace, ignore_errors=True)

    def start_server(self, *, config: str | None = None, data_dir: Path | None = None,
                     name: str | None = None, timeout: float = 30) -> LakeboxServer:
        """Starts a server on a fresh data dir (or `data_dir`), stopped when the test ends.
        `config` is the text of a lakebox.toml."""
        server = LakeboxServer(self.workspace, data_dir=data_dir, config=config,
                               name=name or f"lakebox{len(self._servers) + 1}")
        self._servers.append(server)
        return server.start(timeout)

    def _save_artifacts(self) -> None:
        out = Path(os.environ.get("LAKEBOX_TEST_OUTPUT", "test-output")) / self.id()
        out.mkdir(parents=True, exist_ok=True)
        for server in self._servers:
            for path in server.log_paths:
                if path.exists():
                    shutil.copy2(path, out / path.name)
            if server.config_path and server.config_path.exists():
                shutil.copy2(server.config_path, out / server.config_path.name)
            listing = []
            if server.data_dir.exists():
                for p in sorted(server.data_dir.rglob("*")):
                    if p.is_file():
                        listing.append(f"{p.stat().st_size:>12}  {p.relative_to(server.data_dir)}")
            (out / f"{server.name}-data-dir.txt").write_text("\n".join(listing) + "\n")
        sys.stderr.write(f"\n[lakebox e2e] server logs of {self.id()} saved in {out}\n")


# --------------------------------------------------------------------------------------------
# Glue helpers


def gzip_ndjson(records: Iterable[dict[str, Any]]) -> bytes:
    """Records as gzip-compressed NDJSON (one compact JSON object per line), as Firehose writes."""
    text = "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in records)
    return gzip.compress(text.encode(), compresslevel=1, mtime=0)


def run_crawler(glue, name: str, timeout: float = 120) -> dict[str, Any]:
    """StartCrawler, then GetCrawler every 0.2 s until the run is over (State READY again, with a
    LastCrawl that began no earlier than the call). Returns the crawler description."""
    requested = time.time()
    glue.start_crawler(Name=name)
    return wait_crawler_ready(glue, name, requested, timeout)


def wait_crawler_ready(glue, name: str, started_after: float, timeout: float = 120) -> dict[str, Any]:
    """Polls GetCrawler until `name` is READY with a LastCrawl whose StartTime is at or after
    `started_after` (epoch seconds; one second of slack for rounding). Returns the crawler."""
    def ready():
        crawler = glue.get_crawler(Name=name)["Crawler"]
        last = crawler.get("LastCrawl")
        if crawler["State"] != "READY" or not last:
            return None
        return crawler if last["StartTime"].timestamp() >= started_after - 1.0 else None
    return wait_until(ready, timeout, f"crawler {name} READY after a run")


# --------------------------------------------------------------------------------------------
# Athena helpers


def wait_query(athena, query_id: str, timeout: float = 120) -> dict[str, Any]:
    """Polls GetQueryExecution every 0.05 s until the query is SUCCEEDED, FAILED or CANCELLED;
    returns its QueryExecution."""
    def final():
        execution = athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
        return execution if execution["Status"]["State"] in ATHENA_FINAL_STATES else None
    return wait_until(final, timeout, f"query {query_id} in a final state", interval=0.05)


def run_query(athena, sql: str, database: str | None = None, timeout: float = 120) -> dict[str, Any]:
    """StartQueryExecution of `sql` (with `database` as its context), then wait_query(). Errors of
    the Start call (InvalidRequestException for a syntax error) propagate as ClientError."""
    request: dict[str, Any] = {"QueryString": sql}
    if database:
        request["QueryExecutionContext"] = {"Database": database}
    query_id = athena.start_query_execution(**request)["QueryExecutionId"]
    return wait_query(athena, query_id, timeout)


def query_rows(athena, query_id: str) -> list[list[str | None]]:
    """Every row of every page of GetQueryResults (the header row of a SELECT included), as lists
    of cells: the VarCharValue, or None for NULL (an empty Datum)."""
    rows: list[list[str | None]] = []
    for page in athena.get_paginator("get_query_results").paginate(QueryExecutionId=query_id):
        for row in page["ResultSet"]["Rows"]:
            rows.append([datum.get("VarCharValue") for datum in row["Data"]])
    return rows


class BackgroundThreads:
    """Runs `self._work(index)` in `count` daemon threads until stop(); `self._stop` is the event
    the work loops watch. Subclasses (load generators) implement _work."""

    def __init__(self, count: int):
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._work, args=(i,), daemon=True) for i in range(count)]

    def _work(self, index: int) -> None:
        raise NotImplementedError

    def start(self) -> None:
        for t in self._threads:
            t.start()

    def stop(self, timeout: float = 120) -> None:
        """Signals the threads and joins them; fails if one does not finish."""
        self._stop.set()
        for t in self._threads:
            t.join(timeout)
            if t.is_alive():
                raise AssertionError(f"{type(self).__name__}: a worker thread is stuck")


# --------------------------------------------------------------------------------------------
# Parquet footers (no pyarrow here): enough of Thrift's compact protocol to read FileMetaData


PARQUET_CODECS = {0: "UNCOMPRESSED", 1: "SNAPPY", 2: "GZIP", 3: "LZO", 4: "BROTLI", 5: "LZ4", 6: "ZSTD",
                  7: "LZ4_RAW"}


class _CompactReader:
    """Decodes Thrift compact-protocol values into plain Python: a struct is {field id: value},
    a list or set a list, a map a dict, binary bytes. Enough to walk any Thrift structure without
    its IDL; callers pick fields by id (parquet.thrift's numbers)."""

    def __init__(self, data: bytes, pos: int = 0):
        self.data = data
        self.pos = pos

    def byte(self) -> int:
        value = self.data[self.pos]
        self.pos += 1
        return value

    def varint(self) -> int:
        shift = result = 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                return result
            shift += 7

    def zigzag(self) -> int:
        n = self.varint()
        return (n >> 1) ^ -(n & 1)

    def value(self, kind: int) -> Any:
        if kind in (1, 2):  # a bool in a list or map is one byte: 1 true, else false
            return self.byte() == 1
        if kind == 3:
            return int.from_bytes(bytes([self.byte()]), "little", signed=True)
        if kind in (4, 5, 6):
            return self.zigzag()
        if kind == 7:
            raw = self.data[self.pos:self.pos + 8]
            self.pos += 8
            return struct.unpack("<d", raw)[0]
        if kind == 8:
            length = self.varint()
            raw = self.data[self.pos:self.pos + length]
            self.pos += length
            return raw
        if kind in (9, 10):
            header = self.byte()
            size, element = header >> 4, header & 0x0F
            if size == 15:
                size = self.varint()
            return [self.value(element) for _ in range(size)]
        if kind == 11:
            size = self.varint()
            if size == 0:
                return {}
            types = self.byte()
            return {self.value(types >> 4): self.value(types & 0x0F) for _ in range(size)}
        if kind == 12:
            return self.struct()
        raise ValueError(f"Thrift compact: unknown type {kind} at byte {self.pos}")

    def struct(self) -> dict[int, Any]:
        fields: dict[int, Any] = {}
        last_id = 0
        while True:
            header = self.byte()
            if header == 0:
                return fields
            delta, kind = header >> 4, header & 0x0F
            field_id = last_id + delta if delta else self.zigzag()
            fields[field_id] = (kind == 1) if kind in (1, 2) else self.value(kind)
            last_id = field_id


@dataclass
class ParquetFooter:
    """What a Parquet file's footer says, in the terms tests check."""
    num_rows: int
    schema: list[dict[str, Any]]   # SchemaElements in order: name, type (physical, int or None), num_children
    column_paths: list[str]        # every column chunk's path_in_schema joined with "." (first row group)
    codecs: set[str]               # the codec of every column chunk of every row group ("GZIP", ...)
    row_groups: int

    def is_flat(self) -> bool:
        """True when every column is a top-level primitive: no group node besides the root."""
        return all(not e["num_children"] for e in self.schema[1:])


def parquet_footer(data: bytes) -> ParquetFooter:
    """Parses the footer (FileMetaData) of the Parquet file `data`. ValueError if it is not one."""
    if len(data) < 12 or data[:4] != b"PAR1" or data[-4:] != b"PAR1":
        raise ValueError("not a Parquet file (no PAR1 magic at both ends)")
    length = int.from_bytes(data[-8:-4], "little")
    meta = _CompactReader(data[-8 - length:-8]).struct()
    schema = [{"name": e.get(4, b"").decode(), "type": e.get(1), "num_children": e.get(5, 0)}
              for e in meta.get(2, [])]
    codecs: set[str] = set()
    paths: list[str] = []
    groups = meta.get(4, [])
    for index, group in enumerate(groups):
        for chunk in group.get(1, []):
            column = chunk.get(3, {})
            codecs.add(PARQUET_CODECS.get(column.get(4), f"codec {column.get(4)}"))
            if index == 0:
                paths.append(".".join(p.decode() for p in column.get(3, [])))
    return ParquetFooter(num_rows=meta.get(3, 0), schema=schema, column_paths=paths, codecs=codecs,
                         row_groups=len(groups))


# --------------------------------------------------------------------------------------------
# ETL jobs and the lakebox CLI


JOB_RUN_FINAL_STATES = ("SUCCEEDED", "FAILED", "STOPPED", "TIMEOUT", "ERROR")


def wait_job_run(glue, job_name: str, run_id: str, timeout: float = 120) -> dict[str, Any]:
    """Polls GetJobRun (boto3) every 0.1 s until the run is in a final state; returns its JobRun."""
    def final():
        run = glue.get_job_run(JobName=job_name, RunId=run_id)["JobRun"]
        return run if run["JobRunState"] in JOB_RUN_FINAL_STATES else None
    return wait_until(final, timeout, f"job {job_name} run {run_id} in a final state", interval=0.1)


def run_lakebox(*args: str, endpoint: str | None = None, timeout: float = 120,
                stdin: str | None = None) -> subprocess.CompletedProcess:
    """Runs the lakebox CLI (`lakebox <args> [--endpoint <endpoint>]`) and returns its outcome
    (text stdout/stderr, not checked)."""
    cmd = [str(lakebox_binary()), *args]
    if endpoint is not None:
        cmd += ["--endpoint", endpoint]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, input=stdin,
                          stdin=None if stdin is not None else subprocess.DEVNULL)
