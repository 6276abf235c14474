#include "collector/http_ingest.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace lineaged::collector {
namespace {

IngestResult Rejected(IngestResult::Code code, std::vector<std::string> errors) {
  IngestResult result;
  result.code = code;
  result.errors = std::move(errors);
  return result;
}

// Rejection messages quote client bytes; rendering bytes that are not UTF-8
// must not throw (that ended the server), they become U+FFFD.
TEST(HttpIngest, RejectionsThatAreNotUtf8RenderAsJson) {
  const HttpReply malformed =
      ToHttpReply(Rejected(IngestResult::Code::kMalformed, {"eventTime: cannot parse '\xe2\x82'"}));
  EXPECT_EQ(malformed.status, 400);
  const nlohmann::json body = nlohmann::json::parse(malformed.body, nullptr, false);
  ASSERT_TRUE(body.is_object()) << malformed.body;
  EXPECT_EQ(body["message"], "eventTime: cannot parse '\xef\xbf\xbd'");

  const HttpReply invalid = ToHttpReply(Rejected(IngestResult::Code::kInvalid, {"a\xff", "b"}));
  EXPECT_EQ(invalid.status, 422);
  EXPECT_TRUE(nlohmann::json::accept(invalid.body)) << invalid.body;

  const std::string batch =
      BatchResponseBody({Rejected(IngestResult::Code::kInvalid, {"\xc3"}), IngestResult{}});
  EXPECT_TRUE(nlohmann::json::accept(batch)) << batch;
}

}  // namespace
}  // namespace lineaged::collector
