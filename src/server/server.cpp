#include "server/server.h"

#include <fmt/format.h>
#include <poll.h>
#include <simdjson.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>  // before Asio: Boost 1.74's Asio misses it under C++23

#include "common/file_util.h"
#include "common/metrics.h"
#include "server/athena_api.h"
#include "server/aws_json.h"
#include "server/firehose_api.h"
#include "server/glue_api.h"
#include "server/native_api.h"
#include "server/router.h"

namespace lakebox::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr size_t kHeaderLimit = 64 << 10;
constexpr unsigned kHttp11 = 11;
// Beast's HTTP reads take at most 64 KiB at a time.
constexpr size_t kReadChunk = 64 << 10;
// A connection keeps its body buffer between requests, unless it grew beyond this: enough for a
// typical PutRecordBatch (500 x ~350 bytes is ~240 KB of base64) without idle connections
// holding the 8 MiB a maximal one needs.
constexpr size_t kMaxRetainedBodyCapacity = 1 << 20;

std::string_view ToStd(beast::string_view s) { return {s.data(), s.size()}; }

// A request that is not HTTP (as opposed to a connection that closed or went quiet).
bool IsMalformedHttp(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_target).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message;
}

int PollMillis(std::chrono::milliseconds timeout) {
  return static_cast<int>(std::clamp<int64_t>(timeout.count(), 0, INT32_MAX));
}

// A connected, non-blocking socket presented as a blocking stream (Beast's SyncReadStream and
// SyncWriteStream) whose every wait is a poll() that gives up after `timeout`.
class TimedSocket {
 public:
  TimedSocket(tcp::socket& socket, std::chrono::milliseconds timeout)
      : socket_(socket), timeout_ms_(PollMillis(timeout)) {}

  template <typename MutableBufferSequence>
  size_t read_some(const MutableBufferSequence& buffers, beast::error_code& ec) {
    for (;;) {
      size_t n = socket_.read_some(buffers, ec);
      if (ec != asio::error::would_block) return n;
      if (!Wait(POLLIN, ec)) return 0;
    }
  }
  template <typename MutableBufferSequence>
  size_t read_some(const MutableBufferSequence& buffers) {
    beast::error_code ec;
    size_t n = read_some(buffers, ec);
    if (ec) throw beast::system_error(ec);
    return n;
  }

  template <typename ConstBufferSequence>
  size_t write_some(const ConstBufferSequence& buffers, beast::error_code& ec) {
    for (;;) {
      size_t n = socket_.write_some(buffers, ec);
      if (ec != asio::error::would_block) return n;
      if (!Wait(POLLOUT, ec)) return 0;
    }
  }
  template <typename ConstBufferSequence>
  size_t write_some(const ConstBufferSequence& buffers) {
    beast::error_code ec;
    size_t n = write_some(buffers, ec);
    if (ec) throw beast::system_error(ec);
    return n;
  }

 private:
  bool Wait(short events, beast::error_code& ec) {
    pollfd fd{socket_.native_handle(), events, 0};
    for (;;) {
      int ready = ::poll(&fd, 1, timeout_ms_);
      if (ready > 0) return true;  // errors and hang-ups surface in the next read or write
      if (ready == 0) {
        ec = beast::error::timeout;
        return false;
      }
      if (errno != EINTR) {
        ec = beast::error_code(errno, beast::system_category());
        return false;
      }
    }
  }

  tcp::socket& socket_;
  int timeout_ms_;
};

}  // namespace

class Server::Impl {
 public:
  Impl(ServerOptions options, Services services)
      : options_(std::move(options)),
        router_(std::make_unique<NativeApi>(services.ingest, services.status, services.run_task,
                                            metrics::Registry::Global(),
                                            NativeWebSources{.dashboards = services.dashboards,
                                                             .queries = services.queries,
                                                             .static_files = services.static_files})),
        acceptor_(io_) {
    router_.AddAwsService(std::make_unique<FirehoseApi>(services.ingest));
    if (services.catalog && services.crawlers)
      router_.AddAwsService(
          std::make_unique<GlueApi>(services.catalog, services.crawlers, services.jobs, options_.account_id));
    if (services.queries) router_.AddAwsService(std::make_unique<AthenaApi>(services.queries));
  }

  ~Impl() { Stop(); }

  Status Listen();
  void StartAccepting() {
    accept_thread_ = std::thread([this] { AcceptLoop(); });
  }
  uint16_t port() const { return port_; }
  void Stop();

 private:
  void AcceptLoop();
  bool TryAcquireSlot();
  // Reserves `bytes` of the in-flight body budget; false (nothing reserved) if it would overflow.
  bool TryReserveBody(size_t bytes);
  void ReleaseSlot();
  void RejectBusy(tcp::socket& socket);

  void RunConnection(tcp::socket& socket);
  // Waits for the first byte of the next request; false when the client stays silent for
  // idle_timeout or the server is stopping.
  bool WaitForRequest(tcp::socket& socket, const beast::flat_buffer& buffer);
  void WriteResponse(TimedSocket& stream, HttpResponse response, unsigned version, bool keep_alive);
  // An error answered before routing (malformed HTTP, body over the limit); closes after.
  void WriteEarlyError(TimedSocket& stream, const Error& error, unsigned version);
  // After an early error the client may still be sending the request; closing a socket with
  // unread input makes the kernel send a reset, which can destroy the response in flight. Read
  // and discard input until the client closes, for a bounded time.
  static void DiscardInput(tcp::socket& socket);

  ServerOptions options_;
  Router router_;
  asio::io_context io_;  // never run: every operation here is synchronous
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  UniqueFd stop_fd_;  // an eventfd, readable once Stop() begins
  std::atomic<bool> stopping_{false};
  std::atomic<size_t> inflight_body_bytes_{0};  // bounded by options_.max_inflight_body_bytes
  std::thread accept_thread_;

  std::mutex mutex_;
  std::condition_variable idle_;
  int active_connections_ = 0;  // guarded by mutex_
  metrics::Gauge& open_connections_ = metrics::Registry::Global().Gauge(
      "lakebox_http_open_connections", "HTTP connections being served.");
};

Status Server::Impl::Listen() {
  stop_fd_ = UniqueFd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!stop_fd_.valid()) return std::unexpected(Error::IoFromErrno("eventfd", "for the server"));

  beast::error_code ec;
  tcp::endpoint endpoint;
  asio::ip::address address = asio::ip::make_address(options_.host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, options_.port);
  } else {
    tcp::resolver resolver(io_);
    auto results = resolver.resolve(options_.host, std::to_string(options_.port), ec);
    if (ec || results.empty())
      return std::unexpected(Error::InvalidArgument(
          fmt::format("cannot listen on {}: not an IP address, and it does not resolve ({})",
                      options_.host, ec ? ec.message() : "no addresses")));
    endpoint = results.begin()->endpoint();
  }

  auto fail = [&](std::string_view step) {
    return std::unexpected(Error::Io(fmt::format("cannot listen on {}:{} ({}): {}", options_.host,
                                                 options_.port, step, ec.message())));
  };
  if (acceptor_.open(endpoint.protocol(), ec)) return fail("open");
  if (acceptor_.set_option(asio::socket_base::reuse_address(true), ec)) return fail("SO_REUSEADDR");
  if (acceptor_.bind(endpoint, ec)) return fail("bind");
  if (acceptor_.listen(asio::socket_base::max_listen_connections, ec)) return fail("listen");
  if (acceptor_.non_blocking(true, ec)) return fail("non-blocking");
  port_ = acceptor_.local_endpoint(ec).port();
  if (ec) return fail("local address");
  spdlog::info("listening on {}:{}", endpoint.address().to_string(), port_);
  return Ok();
}

void Server::Impl::Stop() {
  if (stopping_.exchange(true)) return;
  if (stop_fd_.valid()) {
    uint64_t one = 1;
    [[maybe_unused]] ssize_t written = ::write(stop_fd_.get(), &one, sizeof(one));
  }
  if (accept_thread_.joinable()) accept_thread_.join();
  beast::error_code ignored;
  acceptor_.close(ignored);
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [this] { return active_connections_ == 0; });
}

void Server::Impl::AcceptLoop() {
  for (;;) {
    pollfd fds[2] = {{acceptor_.native_handle(), POLLIN, 0}, {stop_fd_.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      spdlog::error("server: poll on the listening socket failed: {}", std::strerror(errno));
      return;
    }
    if (fds[1].revents != 0) return;

    beast::error_code ec;
    tcp::socket socket(io_);
    acceptor_.accept(socket, ec);
    if (ec == asio::error::would_block || ec == asio::error::connection_aborted) continue;
    if (ec) {
      // Typically out of file descriptors: back off instead of spinning on the ready socket.
      spdlog::error("server: accept failed: {}", ec.message());
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    socket.non_blocking(true, ec);
    socket.set_option(tcp::no_delay(true), ec);
    if (!TryAcquireSlot()) {
      RejectBusy(socket);
      continue;
    }
    // The connection thread owns its socket and destroys it before releasing its slot, so once
    // Stop() sees no active connection no thread touches io_ any more.
    auto owned = std::make_unique<tcp::socket>(std::move(socket));
    tcp::socket* raw = owned.get();
    try {
      std::thread([this, raw] {
        {
          std::unique_ptr<tcp::socket> connection(raw);
          RunConnection(*connection);
        }
        ReleaseSlot();
      }).detach();
      owned.release();
    } catch (const std::system_error& e) {
      spdlog::error("server: cannot start a connection thread: {}", e.what());
      ReleaseSlot();
      RejectBusy(*owned);
    }
  }
}

bool Server::Impl::TryAcquireSlot() {
  std::lock_guard lock(mutex_);
  if (active_connections_ >= options_.max_connections) return false;
  ++active_connections_;
  open_connections_.Set(active_connections_);
  return true;
}

void Server::Impl::ReleaseSlot() {
  std::lock_guard lock(mutex_);
  --active_connections_;
  open_connections_.Set(active_connections_);
  idle_.notify_all();
}

void Server::Impl::RejectBusy(tcp::socket& socket) {
  // Answered without reading the request, from the accepting thread: one best-effort write of a
  // small response that fits the socket buffer, so a flood cannot stall accepting.
  HttpResponse response = router_.Reject(Error::ServiceUnavailable(fmt::format(
      "lakebox is serving its maximum of {} connections; retry later", options_.max_connections)));
  std::string raw = fmt::format(
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: {}\r\nX-Amzn-ErrorType: {}\r\n"
      "x-amzn-RequestId: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
      response.content_type, response.error_type, response.request_id, response.body.size(),
      response.body);
  beast::error_code ignored;
  socket.write_some(asio::buffer(raw), ignored);
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

bool Server::Impl::WaitForRequest(tcp::socket& socket, const beast::flat_buffer& buffer) {
  if (buffer.size() > 0) return true;  // a pipelined request is already here
  pollfd fds[2] = {{socket.native_handle(), POLLIN, 0}, {stop_fd_.get(), POLLIN, 0}};
  for (;;) {
    int ready = ::poll(fds, 2, PollMillis(options_.idle_timeout));
    if (ready < 0 && errno == EINTR) continue;
    return ready > 0 && fds[1].revents == 0;
  }
}

void Server::Impl::RunConnection(tcp::socket& socket) {
  TimedSocket stream(socket, options_.idle_timeout);
  beast::flat_buffer buffer;
  // Beast reads at most the buffer's spare capacity (and at least 512 bytes) per call; as the
  // parser drains the buffer after every read, an unreserved buffer means ~500-byte reads.
  buffer.reserve(kReadChunk);
  std::string body;  // reused across requests, keeping its capacity
  const size_t max_body = std::max(options_.max_aws_body_bytes, options_.max_ndjson_body_bytes);
  bool answered_early = false;
  for (;;) {
    if (!WaitForRequest(socket, buffer)) break;
    http::request_parser<http::string_body> parser;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(max_body);
    beast::error_code ec;
    http::read_header(stream, buffer, parser, ec);
    if (ec) {
      if (IsMalformedHttp(ec)) {
        WriteEarlyError(
            stream, Error::InvalidArgument(fmt::format("malformed HTTP request: {}", ec.message())),
            kHttp11);
        answered_early = true;
      }
      break;
    }
    http::request<http::string_body>& request = parser.get();
    std::string_view target = ToStd(request.target());
    std::string_view path = target.substr(0, target.find('?'));
    size_t limit =
        path.starts_with("/v1/") ? options_.max_ndjson_body_bytes : options_.max_aws_body_bytes;
    std::optional<uint64_t> content_length;
    if (parser.content_length()) content_length = *parser.content_length();
    if (content_length && *content_length > limit) {
      WriteEarlyError(stream,
                      Error::InvalidArgument(fmt::format(
                          "the request body of {} bytes exceeds lakebox's limit of {} bytes for {}",
                          *content_length, limit, path)),
                      request.version());
      answered_early = true;
      break;
    }
    // A chunked body may grow to the limit: reserve that much. A request with neither
    // Content-Length nor chunked encoding (a GET) has no body, and reserves nothing.
    const size_t reserved = content_length ? static_cast<size_t>(*content_length) : parser.chunked() ? limit : 0;
    if (!TryReserveBody(reserved)) {
      WriteEarlyError(stream,
                      Error::ServiceUnavailable(fmt::format(
                          "Slow down. lakebox is receiving more than {} MiB of requests at once; retry with backoff",
                          options_.max_inflight_body_bytes >> 20)),
                      request.version());
      answered_early = true;
      break;
    }
    struct BodyReservation {
      std::atomic<size_t>& counter;
      size_t bytes;
      void Release() { counter.fetch_sub(std::exchange(bytes, 0), std::memory_order_relaxed); }
      ~BodyReservation() { Release(); }
    } reservation{inflight_body_bytes_, reserved};
    parser.body_limit(limit);
    // Size the body for simdjson's padding now, so that parsing it later needs no copy.
    body.clear();
    if (content_length) body.reserve(*content_length + simdjson::SIMDJSON_PADDING);
    request.body() = std::move(body);
    if (beast::iequals(request[http::field::expect], "100-continue")) {
      http::response<http::empty_body> go_on{http::status::continue_, request.version()};
      http::write(stream, go_on, ec);
      if (ec) break;
    }
    http::read(stream, buffer, parser, ec);
    if (ec == http::error::body_limit) {
      WriteEarlyError(
          stream,
          Error::InvalidArgument(fmt::format(
              "the request body exceeds lakebox's limit of {} bytes for {}", limit, path)),
          request.version());
      answered_early = true;
      break;
    }
    if (ec) break;

    HttpRequest routed{ToStd(request.method_string()), path, ToStd(request["X-Amz-Target"]),
                       request.body()};
    routed.if_none_match = ToStd(request[http::field::if_none_match]);
    HttpResponse response = router_.Handle(routed);
    bool keep_alive = request.keep_alive() && !stopping_.load();
    unsigned version = request.version();
    body = std::move(request.body());
    if (body.capacity() > kMaxRetainedBodyCapacity) body = std::string();
    // Handled: the body no longer counts against the budget. Released before the response is
    // written, so that a client which has its answer finds the budget free for its next request.
    reservation.Release();
    WriteResponse(stream, std::move(response), version, keep_alive);
    if (!keep_alive) break;
  }
  beast::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_send, ignored);
  if (answered_early) DiscardInput(socket);
  socket.close(ignored);
}

bool Server::Impl::TryReserveBody(size_t bytes) {
  size_t current = inflight_body_bytes_.load(std::memory_order_relaxed);
  do {
    // A single request larger than the whole budget still gets through when nothing else is in
    // flight, so the budget can never refuse a request forever.
    if (current > 0 && current + bytes > options_.max_inflight_body_bytes) return false;
  } while (!inflight_body_bytes_.compare_exchange_weak(current, current + bytes, std::memory_order_relaxed));
  return true;
}

void Server::Impl::DiscardInput(tcp::socket& socket) {
  constexpr auto kLinger = std::chrono::seconds(2);
  auto deadline = std::chrono::steady_clock::now() + kLinger;
  char scratch[64 << 10];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return;
    pollfd fd{socket.native_handle(), POLLIN, 0};
    int ready = ::poll(&fd, 1, PollMillis(left));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return;
    beast::error_code ec;
    socket.read_some(asio::buffer(scratch), ec);
    if (ec && ec != asio::error::would_block) return;  // the client closed (or reset)
  }
}

void Server::Impl::WriteResponse(TimedSocket& stream, HttpResponse response, unsigned version,
                                 bool keep_alive) {
  http::response<http::string_body> message{static_cast<http::status>(response.status), version};
  message.set(http::field::server, "lakebox");
  if (!response.content_type.empty()) message.set(http::field::content_type, response.content_type);
  message.set("x-amzn-RequestId", response.request_id);
  if (!response.error_type.empty()) message.set("X-Amzn-ErrorType", response.error_type);
  for (const auto& [name, value] : response.headers) message.set(name, value);
  message.body() = std::move(response.body);
  message.keep_alive(keep_alive);
  message.prepare_payload();
  beast::error_code ec;
  http::write(stream, message, ec);
  if (ec) spdlog::debug("server: writing a response failed: {}", ec.message());
}

void Server::Impl::WriteEarlyError(TimedSocket& stream, const Error& error, unsigned version) {
  WriteResponse(stream, router_.Reject(error), version, false);
}

Result<std::unique_ptr<Server>> Server::Start(ServerOptions options, Services services) {
  auto impl = std::make_unique<Impl>(std::move(options), services);
  LAKEBOX_TRY(impl->Listen());
  impl->StartAccepting();
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() = default;

uint16_t Server::port() const { return impl_->port(); }

void Server::Stop() { impl_->Stop(); }

}  // namespace lakebox::server
