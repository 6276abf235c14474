#include "api/auth_guard.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace lineaged::api {
namespace {

using auth::Scope;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Optional;

constexpr char kIngestKey[] = "ingest-key-0123456789abcdef";
constexpr char kReadKey[] = "read-key-0123456789abcdef";
constexpr char kAdminKey[] = "admin-key-0123456789abcdef";

TEST(RequiredScope, FollowsMethodAndRoute) {
  AccessPolicy open;
  EXPECT_THAT(RequiredScope("POST", "/api/v1/lineage", open), Optional(Scope::kIngest));
  EXPECT_THAT(RequiredScope("POST", "/api/v1/lineage/batch", open), Optional(Scope::kIngest));
  EXPECT_THAT(RequiredScope("GET", "/api/v1/lineage", open), Optional(Scope::kRead));
  EXPECT_THAT(RequiredScope("HEAD", "/api/v1/lineage", open), Optional(Scope::kRead));
  EXPECT_THAT(RequiredScope("GET", "/api/v1/exporters/atlas/dead-letters", open),
              Optional(Scope::kRead));
  EXPECT_THAT(RequiredScope("POST", "/api/v1/exporters/atlas/dead-letters/{sequence}/retry", open),
              Optional(Scope::kAdmin));
  EXPECT_THAT(
      RequiredScope("PUT", "/api/v1/namespaces/{namespace}/datasets/{dataset}/tags/{tag}", open),
      Optional(Scope::kAdmin));
  EXPECT_THAT(RequiredScope("DELETE", "/api/v1/namespaces/{namespace}/jobs/{job}", open),
              Optional(Scope::kAdmin));
  EXPECT_THAT(RequiredScope("PUT", "/api/v1/lineage", open), Optional(Scope::kAdmin));
  // No route: decided by method alone, so 401/403 come before 404.
  EXPECT_THAT(RequiredScope("GET", "", open), Optional(Scope::kRead));
  EXPECT_THAT(RequiredScope("POST", "", open), Optional(Scope::kAdmin));

  for (const char* route : {"/healthz", "/readyz", "/metrics"}) {
    EXPECT_EQ(RequiredScope("GET", route, open), std::nullopt) << route;
    EXPECT_EQ(RequiredScope("HEAD", route, open), std::nullopt) << route;
    EXPECT_THAT(RequiredScope("GET", route, {.protect_health_and_metrics = true}),
                Optional(Scope::kRead))
        << route;
    EXPECT_THAT(RequiredScope("POST", route, open), Optional(Scope::kAdmin)) << route;
  }
}

struct Outcome {
  Response response;
  std::vector<std::string> observed;  // "METHOD route status"
  int handled = 0;
};

class AuthGuardTest : public ::testing::Test {
 protected:
  AuthGuardTest()
      : keys_(*auth::KeySet::Parse(std::string("ingest ") + kIngestKey + "\nread " + kReadKey +
                                   "\nadmin " + kAdminKey + "\n")) {}

  void Build(AccessPolicy policy) {
    auto ok = [this](const Request&, Responder respond) {
      ++outcome_.handled;
      respond(JsonResponse(200, "{}"));
    };
    router_.Add("POST", "/api/v1/lineage", ok);
    router_.Add("GET", "/api/v1/lineage", ok);
    router_.Add("GET", "/healthz", ok);
    router_.Add("PUT", "/api/v1/namespaces/{namespace}/tags/{tag}", ok);
    router_.set_observer(
        [this](std::string_view method, std::string_view route, int status, double) {
          outcome_.observed.push_back(std::string(method) + " " + std::string(route) + " " +
                                      std::to_string(status));
        });
    router_.set_guard(AuthGuard(&keys_, policy));
  }

  Outcome Call(std::string method, std::string path, std::string authorization) {
    outcome_ = {};
    Request request;
    request.method = std::move(method);
    request.path = std::move(path);
    request.authorization = std::move(authorization);
    router_.Dispatch(std::move(request), [this](Response r) { outcome_.response = std::move(r); });
    return outcome_;
  }

  static std::string Header(const Response& response, std::string_view name) {
    for (const auto& [key, value] : response.headers) {
      if (key == name) return value;
    }
    return "";
  }

  auth::KeyStore keys_;
  Router router_;
  Outcome outcome_;
};

TEST_F(AuthGuardTest, MissingOrUnknownKeyIs401WithChallengeAndNoHandler) {
  Build({});
  Outcome missing = Call("POST", "/api/v1/lineage", "");
  EXPECT_EQ(missing.response.status, 401);
  EXPECT_EQ(missing.handled, 0);
  EXPECT_EQ(Header(missing.response, "WWW-Authenticate"), R"(Bearer realm="lineaged")");
  nlohmann::json body = nlohmann::json::parse(missing.response.body);
  EXPECT_EQ(body["code"], 401);
  EXPECT_THAT(body["message"].get<std::string>(), HasSubstr("missing Authorization"));
  EXPECT_THAT(missing.observed, ::testing::ElementsAre("POST /api/v1/lineage 401"));

  Outcome unknown = Call("GET", "/api/v1/lineage", "Bearer not-a-key-0123456789abcdef");
  EXPECT_EQ(unknown.response.status, 401);
  EXPECT_EQ(unknown.handled, 0);
  EXPECT_EQ(Header(unknown.response, "WWW-Authenticate"),
            R"(Bearer realm="lineaged", error="invalid_token")");
  EXPECT_THAT(unknown.response.body, Not(HasSubstr("not-a-key")));

  // Unknown paths are refused before they are looked up.
  Outcome nowhere = Call("GET", "/nope", "");
  EXPECT_EQ(nowhere.response.status, 401);
  EXPECT_THAT(nowhere.observed, ::testing::ElementsAre("GET unmatched 401"));
}

TEST_F(AuthGuardTest, WrongScopeIs403NamingTheScope) {
  Build({});
  Outcome read_posts = Call("POST", "/api/v1/lineage", std::string("Bearer ") + kReadKey);
  EXPECT_EQ(read_posts.response.status, 403);
  EXPECT_EQ(read_posts.handled, 0);
  nlohmann::json body = nlohmann::json::parse(read_posts.response.body);
  EXPECT_EQ(body["code"], 403);
  EXPECT_THAT(body["message"].get<std::string>(), HasSubstr("requires scope 'ingest'"));
  EXPECT_EQ(Header(read_posts.response, "WWW-Authenticate"),
            R"(Bearer realm="lineaged", error="insufficient_scope", scope="ingest")");

  Outcome ingest_reads = Call("GET", "/api/v1/lineage", std::string("Bearer ") + kIngestKey);
  EXPECT_EQ(ingest_reads.response.status, 403);
  Outcome read_tags = Call("PUT", "/api/v1/namespaces/n/tags/t", std::string("Bearer ") + kReadKey);
  EXPECT_EQ(read_tags.response.status, 403);
  EXPECT_THAT(read_tags.response.body, HasSubstr("requires scope 'admin'"));
  EXPECT_THAT(read_tags.observed,
              ::testing::ElementsAre("PUT /api/v1/namespaces/{namespace}/tags/{tag} 403"));
}

TEST_F(AuthGuardTest, EachScopeReachesItsHandlers) {
  Build({});
  EXPECT_EQ(Call("POST", "/api/v1/lineage", std::string("Bearer ") + kIngestKey).handled, 1);
  EXPECT_EQ(Call("GET", "/api/v1/lineage", std::string("Bearer ") + kReadKey).handled, 1);
  for (auto [method, path] :
       std::vector<std::pair<std::string, std::string>>{{"POST", "/api/v1/lineage"},
                                                        {"GET", "/api/v1/lineage"},
                                                        {"PUT", "/api/v1/namespaces/n/tags/t"}}) {
    Outcome admin = Call(method, path, std::string("Bearer ") + kAdminKey);
    EXPECT_EQ(admin.response.status, 200) << method << " " << path;
    EXPECT_EQ(admin.handled, 1);
  }
  // With a valid key, routing answers as usual.
  EXPECT_EQ(Call("GET", "/nope", std::string("Bearer ") + kReadKey).response.status, 404);
}

TEST_F(AuthGuardTest, HealthIsOpenUnlessProtected) {
  Build({});
  EXPECT_EQ(Call("GET", "/healthz", "").response.status, 200);
  EXPECT_EQ(Call("GET", "/healthz/", "").response.status, 200);
}

TEST_F(AuthGuardTest, ProtectedHealthNeedsReadKey) {
  Build({.protect_health_and_metrics = true});
  EXPECT_EQ(Call("GET", "/healthz", "").response.status, 401);
  EXPECT_EQ(Call("GET", "/healthz", std::string("Bearer ") + kIngestKey).response.status, 403);
  EXPECT_EQ(Call("GET", "/healthz", std::string("Bearer ") + kReadKey).response.status, 200);
}

}  // namespace
}  // namespace lineaged::api
