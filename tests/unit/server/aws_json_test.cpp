#include "server/aws_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <set>

namespace lakebox::server {
namespace {

using nlohmann::json;

TEST(AwsJsonTest, StatusTable) {
  EXPECT_EQ(HttpStatusFor(Error::Code::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(Error::Code::kValidation), 400);
  EXPECT_EQ(HttpStatusFor(Error::Code::kSerialization), 400);
  EXPECT_EQ(HttpStatusFor(Error::Code::kUnknownOperation), 400);
  EXPECT_EQ(HttpStatusFor(Error::Code::kResourceNotFound), 400);
  EXPECT_EQ(HttpStatusFor(Error::Code::kResourceInUse), 400);
  EXPECT_EQ(HttpStatusFor(Error::Code::kLimitExceeded), 400);
  EXPECT_EQ(HttpStatusFor(Error::Code::kServiceUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(Error::Code::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(Error::Code::kIo), 500);
  EXPECT_EQ(HttpStatusFor(Error::Code::kCorruption), 500);
  EXPECT_EQ(HttpStatusFor(Error::Code::kInternal), 500);
}

TEST(AwsJsonTest, ErrorResponseUsesTheServicesMessageKey) {
  HttpResponse firehose =
      AwsErrorResponse(Error::ResourceNotFound("Firehose \"x\" not found.\n"), "message");
  EXPECT_EQ(firehose.status, 400);
  EXPECT_EQ(firehose.content_type, "application/x-amz-json-1.1");
  EXPECT_EQ(firehose.error_type, "ResourceNotFoundException");
  EXPECT_EQ(json::parse(firehose.body), json({{"__type", "ResourceNotFoundException"},
                                              {"message", "Firehose \"x\" not found.\n"}}));

  HttpResponse glue = AwsErrorResponse(Error::ServiceUnavailable("busy"), "Message");
  EXPECT_EQ(glue.status, 503);
  EXPECT_EQ(glue.body, R"({"__type":"ServiceUnavailableException","Message":"busy"})");
}

TEST(AwsJsonTest, RequestIdsAreRandomVersion4Uuids) {
  std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewRequestId();
    ASSERT_TRUE(std::regex_match(id, uuid)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(AwsJsonTest, AppendJsonStringEscapes) {
  std::string out;
  AppendJsonString(&out, std::string("a\"b\\c\n\t\x01\x7f", 9));
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\t\\u0001\x7f\"");
  EXPECT_EQ(json::parse(out).get<std::string>(), std::string("a\"b\\c\n\t\x01\x7f", 9));
}

TEST(AwsJsonTest, ValidationMessagesFollowTheAwsWording) {
  ValidationErrors errors;
  EXPECT_TRUE(errors.empty());
  EXPECT_TRUE(errors.ToStatus().has_value());
  errors.NotNull("deliveryStreamName");
  Status one = errors.ToStatus();
  ASSERT_FALSE(one.has_value());
  EXPECT_EQ(one.error().code(), Error::Code::kValidation);
  EXPECT_EQ(one.error().message(),
            "1 validation error detected: Value null at 'deliveryStreamName' failed to satisfy "
            "constraint: Member must not be null");
  errors.Add("0", "limit", "Member must have value greater than or equal to 1");
  EXPECT_EQ(errors.ToStatus().error().message(),
            "2 validation errors detected: Value null at 'deliveryStreamName' failed to satisfy "
            "constraint: Member must not be null; Value '0' at 'limit' failed to satisfy "
            "constraint: Member must have value greater than or equal to 1");
}

}  // namespace
}  // namespace lakebox::server
