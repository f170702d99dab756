// The real listener on a loopback port: HTTP framing, keep-alive, limits, concurrency, Stop().
#include "server/server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <future>
#include <nlohmann/json.hpp>
#include <utility>  // before Asio: Boost 1.74's Asio misses it under C++23

#include "fake_ingest_service.h"

namespace lakebox::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using nlohmann::json;
using testing::FakeIngestService;
using ::testing::HasSubstr;

class Client {
 public:
  explicit Client(uint16_t port) : socket_(io_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }

  http::response<http::string_body> Send(http::verb method, std::string target,
                                         std::string body = "", std::string amz_target = "") {
    http::request<http::string_body> request{method, target, 11};
    request.set(http::field::host, "localhost");
    if (!amz_target.empty()) {
      request.set("X-Amz-Target", amz_target);
      request.set(http::field::content_type, "application/x-amz-json-1.1");
      request.set(http::field::authorization,
                  "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/firehose/aws4_request, "
                  "SignedHeaders=host;x-amz-target, Signature=abc");
    }
    request.body() = std::move(body);
    request.prepare_payload();
    http::write(socket_, request);
    return Read();
  }

  http::response<http::string_body> Read() {
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    http::read(socket_, buffer_, parser);
    return parser.release();
  }

  tcp::socket& socket() { return socket_; }

  // True when the server closed the connection (a read returns end of stream).
  bool ClosedByServer() {
    beast::error_code ec;
    char byte;
    socket_.read_some(asio::buffer(&byte, 1), ec);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }

 private:
  asio::io_context io_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

class ServerTest : public ::testing::Test {
 protected:
  void StartServer(ServerOptions options = {}) {
    options.port = 0;
    auto started = Server::Start(options, {.ingest = &ingest_});
    ASSERT_TRUE(started.has_value()) << started.error().ToString();
    server_ = std::move(*started);
    ASSERT_NE(server_->port(), 0);
  }

  void TearDown() override {
    ingest_.Unblock();
    if (server_) server_->Stop();
  }

  FakeIngestService ingest_;
  std::unique_ptr<Server> server_;
};

TEST_F(ServerTest, ServesFirehoseOverKeepAlive) {
  StartServer();
  ingest_.AddStream("orders");
  Client client(server_->port());
  auto response =
      client.Send(http::verb::post, "/",
                  R"({"DeliveryStreamName":"orders","Records":[{"Data":"YQ=="},{"Data":"Yg=="}]})",
                  "Firehose_20150804.PutRecordBatch");
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(response[http::field::content_type], "application/x-amz-json-1.1");
  EXPECT_EQ(response["x-amzn-RequestId"].size(), 36u);
  EXPECT_TRUE(response.keep_alive());
  EXPECT_EQ(json::parse(response.body()).at("RequestResponses").size(), 2u);

  // Same connection: an error with its header, then a native endpoint.
  response = client.Send(http::verb::post, "/", R"({"DeliveryStreamName":"nope"})",
                         "Firehose_20150804.DescribeDeliveryStream");
  EXPECT_EQ(response.result_int(), 400);
  EXPECT_EQ(response["X-Amzn-ErrorType"], "ResourceNotFoundException");
  EXPECT_EQ(json::parse(response.body()).at("__type"), "ResourceNotFoundException");

  response = client.Send(http::verb::get, "/healthz?verbose=1");
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(response.body(), "ok");

  ASSERT_EQ(ingest_.puts().size(), 1u);
  EXPECT_THAT(ingest_.puts()[0].records, ::testing::ElementsAre("a", "b"));
}

TEST_F(ServerTest, NdjsonWithExpectContinue) {
  StartServer();
  ingest_.AddStream("orders");
  Client client(server_->port());
  http::request<http::string_body> request{http::verb::post, "/v1/streams/orders/records", 11};
  request.set(http::field::host, "localhost");
  request.set(http::field::expect, "100-continue");
  request.body() = "{\"a\":1}\n{\"a\":2}\n";
  request.prepare_payload();
  http::request_serializer<http::string_body> serializer(request);
  http::write_header(client.socket(), serializer);
  auto interim = client.Read();
  EXPECT_EQ(interim.result(), http::status::continue_);
  http::write(client.socket(), serializer);
  auto response = client.Read();
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(json::parse(response.body()), json({{"RecordCount", 2}}));
}

TEST_F(ServerTest, RefusesBodiesOverTheLimit) {
  ServerOptions options;
  options.max_aws_body_bytes = 1000;
  options.max_ndjson_body_bytes = 2000;
  StartServer(options);
  ingest_.AddStream("orders");
  {
    Client client(server_->port());
    // Far more than the socket buffers hold: the client is still sending when refused.
    auto response = client.Send(http::verb::post, "/", std::string(4 << 20, ' '),
                                "Firehose_20150804.ListDeliveryStreams");
    EXPECT_EQ(response.result_int(), 400);
    EXPECT_EQ(response["X-Amzn-ErrorType"], "InvalidArgumentException");
    EXPECT_FALSE(response.keep_alive());
  }
  {
    Client client(server_->port());
    auto response =
        client.Send(http::verb::post, "/v1/streams/orders/records", std::string(1500, 'x') + "\n");
    EXPECT_EQ(response.result_int(), 200);
  }
  EXPECT_EQ(ingest_.puts().size(), 1u);
}

TEST_F(ServerTest, MalformedHttpIs400) {
  StartServer();
  Client client(server_->port());
  asio::write(client.socket(), asio::buffer(std::string("NOT HTTP AT ALL\r\n\r\n")));
  auto response = client.Read();
  EXPECT_EQ(response.result_int(), 400);
  EXPECT_TRUE(client.ClosedByServer());
}

TEST_F(ServerTest, ABlockedRequestDoesNotStallOtherConnections) {
  StartServer();
  ingest_.AddStream("orders");
  ingest_.BlockPuts();
  auto blocked = std::async(std::launch::async, [&] {
    Client client(server_->port());
    return client.Send(http::verb::post, "/v1/streams/orders/records", "a\n").result_int();
  });
  ingest_.WaitForPutAttempts(1);
  Client other(server_->port());
  EXPECT_EQ(other.Send(http::verb::get, "/healthz").result_int(), 200);
  ingest_.Unblock();
  EXPECT_EQ(blocked.get(), 200);
}

TEST_F(ServerTest, BodiesInFlightOverTheBudgetGet503) {
  ServerOptions options;
  options.max_inflight_body_bytes = 1000;
  StartServer(options);
  ingest_.AddStream("orders");
  ingest_.BlockPuts();
  // The first request's 800 bytes are held in flight while ingest blocks.
  auto held = std::async(std::launch::async, [&] {
    Client client(server_->port());
    return client.Send(http::verb::post, "/v1/streams/orders/records", std::string(799, 'a') + "\n").result_int();
  });
  ingest_.WaitForPutAttempts(1);
  {
    Client second(server_->port());
    auto response = second.Send(http::verb::post, "/v1/streams/orders/records", std::string(499, 'b') + "\n");
    EXPECT_EQ(response.result_int(), 503);
    EXPECT_EQ(response["X-Amzn-ErrorType"], "ServiceUnavailableException");
  }
  ingest_.Unblock();
  EXPECT_EQ(held.get(), 200);
  // Once nothing is in flight, even a body larger than the whole budget is served.
  Client third(server_->port());
  EXPECT_EQ(third.Send(http::verb::post, "/v1/streams/orders/records", std::string(1999, 'c') + "\n").result_int(), 200);
}

TEST_F(ServerTest, RequestsWithoutABodyReserveNothingOfTheBudget) {
  ServerOptions options;
  options.max_inflight_body_bytes = 1000;
  StartServer(options);
  ingest_.AddStream("orders");
  ingest_.BlockPuts();
  auto held = std::async(std::launch::async, [&] {
    Client client(server_->port());
    return client.Send(http::verb::post, "/v1/streams/orders/records", std::string(799, 'a') + "\n").result_int();
  });
  ingest_.WaitForPutAttempts(1);
  // GETs carry no body (no Content-Length, not chunked): the web UI's parallel dataset fetches
  // must not be refused while a put holds most of the budget.
  for (int i = 0; i < 5; ++i) {
    Client get(server_->port());
    EXPECT_EQ(get.Send(http::verb::get, "/healthz").result_int(), 200);
  }
  ingest_.Unblock();
  EXPECT_EQ(held.get(), 200);
}

TEST_F(ServerTest, ConnectionsOverTheCapGet503) {
  ServerOptions options;
  options.max_connections = 1;
  StartServer(options);
  Client first(server_->port());
  EXPECT_EQ(first.Send(http::verb::get, "/healthz").result_int(), 200);
  Client second(server_->port());
  auto response = second.Read();
  EXPECT_EQ(response.result_int(), 503);
  EXPECT_EQ(response["X-Amzn-ErrorType"], "ServiceUnavailableException");
  EXPECT_EQ(json::parse(response.body()).at("__type"), "ServiceUnavailableException");
}

TEST_F(ServerTest, IdleConnectionsTimeOut) {
  ServerOptions options;
  options.idle_timeout = std::chrono::milliseconds(200);
  StartServer(options);
  Client client(server_->port());
  EXPECT_EQ(client.Send(http::verb::get, "/healthz").result_int(), 200);
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.ClosedByServer());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(ServerTest, StopClosesIdleConnectionsAndFinishesInFlightOnes) {
  StartServer();
  ingest_.AddStream("orders");
  Client idle(server_->port());
  EXPECT_EQ(idle.Send(http::verb::get, "/healthz").result_int(), 200);

  ingest_.BlockPuts();
  std::promise<http::response<http::string_body>> in_flight_response;
  std::thread in_flight([&] {
    Client client(server_->port());
    in_flight_response.set_value(
        client.Send(http::verb::post, "/v1/streams/orders/records", "a\n"));
  });
  ingest_.WaitForPutAttempts(1);

  auto stopped = std::async(std::launch::async, [&] { server_->Stop(); });
  EXPECT_TRUE(idle.ClosedByServer());
  EXPECT_EQ(stopped.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout)
      << "Stop() must wait for the in-flight request";
  ingest_.Unblock();
  stopped.get();
  in_flight.join();
  auto response = in_flight_response.get_future().get();
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_FALSE(response.keep_alive());
  EXPECT_THROW(Client{server_->port()}, boost::system::system_error);
}

TEST_F(ServerTest, StartFailsOnAPortInUse) {
  StartServer();
  ServerOptions options;
  options.port = server_->port();
  auto second = Server::Start(options, {.ingest = &ingest_});
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code(), Error::Code::kIo);
  EXPECT_THAT(second.error().message(), HasSubstr("bind"));
}

}  // namespace
}  // namespace lakebox::server
