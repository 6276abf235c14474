#include "api/http_status.h"

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace lineaged::api {
namespace {

TEST(HttpStatus, MapsCanonicalCodes) {
  EXPECT_EQ(HttpStatusFor(absl::NotFoundError("x")), 404);
  EXPECT_EQ(HttpStatusFor(absl::InvalidArgumentError("x")), 400);
  EXPECT_EQ(HttpStatusFor(absl::OutOfRangeError("x")), 400);
  EXPECT_EQ(HttpStatusFor(absl::AlreadyExistsError("x")), 409);
  EXPECT_EQ(HttpStatusFor(absl::FailedPreconditionError("x")), 409);
  EXPECT_EQ(HttpStatusFor(absl::ResourceExhaustedError("x")), 429);
  EXPECT_EQ(HttpStatusFor(absl::UnavailableError("x")), 503);
  EXPECT_EQ(HttpStatusFor(absl::InternalError("x")), 500);
  EXPECT_EQ(HttpStatusFor(absl::DataLossError("x")), 500);
}

TEST(HttpStatus, BodyIsMarquezErrorWithTheStoreMessage) {
  Response response = StatusResponse(absl::NotFoundError("Dataset 'db.t' not found."));
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.content_type, "application/json");
  nlohmann::json body = nlohmann::json::parse(response.body);
  EXPECT_EQ(body, (nlohmann::json{{"code", 404}, {"message", "Dataset 'db.t' not found."}}));
}

TEST(HttpStatus, ErrorBodyToleratesInvalidUtf8) {
  Response response = ErrorResponse(404, "Namespace '\xff' not found.");
  EXPECT_EQ(response.status, 404);
  EXPECT_FALSE(nlohmann::json::parse(response.body, nullptr, false).is_discarded());
}

}  // namespace
}  // namespace lineaged::api
