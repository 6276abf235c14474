#include "api/router.h"

#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace lineaged::api {
namespace {

Response Call(const Router& router, std::string method, std::string path) {
  Request request;
  request.method = std::move(method);
  request.path = std::move(path);
  Response out;
  bool called = false;
  router.Dispatch(std::move(request), [&](Response r) {
    out = std::move(r);
    called = true;
  });
  EXPECT_TRUE(called);
  return out;
}

TEST(Router, DecodesPlaceholdersAfterSplitting) {
  Router router;
  router.Add("GET", "/api/v1/namespaces/{namespace}/datasets/{dataset}",
             [](const Request& request, Responder respond) {
               respond(JsonResponse(200, request.path_params.at("namespace") + "|" +
                                             request.path_params.at("dataset")));
             });
  Response r = Call(router, "GET",
                    "/api/v1/namespaces/postgres%3A%2F%2Fh%3A5432/datasets/%2Fpath%2Fto%2Fdata");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "postgres://h:5432|/path/to/data");
}

TEST(Router, UnknownPathIs404AndWrongMethodIs405) {
  Router router;
  router.Add("GET", "/healthz",
             [](const Request&, Responder respond) { respond(JsonResponse(200, "{}")); });
  EXPECT_EQ(Call(router, "GET", "/healthz").status, 200);
  EXPECT_EQ(Call(router, "GET", "/nope").status, 404);
  EXPECT_EQ(Call(router, "POST", "/healthz").status, 405);
  EXPECT_EQ(Call(router, "GET", "/healthz/").status, 200);  // trailing slash tolerated
}

TEST(Router, BadEscapeInPlaceholderIs400) {
  Router router;
  router.Add("GET", "/x/{name}",
             [](const Request&, Responder respond) { respond(JsonResponse(200, "{}")); });
  EXPECT_EQ(Call(router, "GET", "/x/%zz").status, 400);
}

// Found by tests/fuzz (router_fuzzer): a bad escape in a segment that a route
// takes as a placeholder answered 400 for that route before its later literal
// segments were compared, so a path no route has got a 400 instead of a 404,
// and requests were counted under a route they were not for.
TEST(Router, BadEscapeIs400OnlyOnARouteWhosePathMatches) {
  Router router;
  std::vector<std::string> observed;
  router.set_observer([&observed](std::string_view, std::string_view route, int, double) {
    observed.emplace_back(route);
  });
  const Handler ok = [](const Request&, Responder respond) { respond(JsonResponse(200, "{}")); };
  router.Add("GET", "/api/v1/namespaces/{namespace}/datasets/{dataset}", ok);
  router.Add("GET", "/api/v1/namespaces/{namespace}/jobs/{job}", ok);
  EXPECT_EQ(Call(router, "GET", "/api/v1/namespaces/s3%3A%2/other/x").status, 404);
  EXPECT_EQ(Call(router, "GET", "/api/v1/namespaces/s3%3A%2/jobs/x").status, 400);
  EXPECT_EQ(Call(router, "POST", "/api/v1/namespaces/s3%3A%2/jobs/x").status, 405);
  EXPECT_THAT(observed, ::testing::ElementsAre(
                            "unmatched", "/api/v1/namespaces/{namespace}/jobs/{job}", "unmatched"));
}

// Found by tests/fuzz (router_fuzzer): handlers stored placeholders as
// names (tags), and a name that is not UTF-8 made the record holding it
// unreadable. No name the store holds is anything but UTF-8.
TEST(Router, PlaceholderThatIsNotUtf8Is400) {
  Router router;
  router.Add("POST", "/tags/{tag}", [](const Request& request, Responder respond) {
    respond(JsonResponse(200, request.path_params.at("tag")));
  });
  for (const char* tag : {"%FF", "P\xb7\xba", "%C0%AF", "%ED%A0%80", "%F4%90%80%80", "%E2%82"}) {
    EXPECT_EQ(Call(router, "POST", std::string("/tags/") + tag).status, 400) << tag;
  }
  const Response accented = Call(router, "POST", "/tags/caf%C3%A9-%F0%9F%8D%B0");
  EXPECT_EQ(accented.status, 200);
  EXPECT_EQ(accented.body, "caf\u00e9-\U0001F370");
}

// Found by tests/fuzz: nlohmann's dump() throws on invalid UTF-8, and an
// exception in a handler ends the server.
TEST(ErrorResponse, MessageThatIsNotUtf8StillGivesAJsonBody) {
  const Response response = ErrorResponse(400, "malformed nodeId 'dataset\xff\xc3:x'");
  EXPECT_EQ(response.status, 400);
  const nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
  ASSERT_FALSE(body.is_discarded()) << response.body;
  EXPECT_EQ(body["code"], 400);
  EXPECT_EQ(body["message"], "malformed nodeId 'dataset\uFFFD\uFFFD:x'");
}

TEST(Router, WrongMethodOnAPathThatIsNotUtf8Is405WithAJsonBody) {
  Router router;
  router.Add("POST", "/x/{name}/retry",
             [](const Request&, Responder respond) { respond(JsonResponse(200, "{}")); });
  const Response response = Call(router, "GET", "/x/\xfe\xff/retry");
  EXPECT_EQ(response.status, 405);
  EXPECT_TRUE(nlohmann::json::accept(response.body)) << response.body;
}

TEST(Router, PathParamThatIsNotUtf8Is400NamingIt) {
  Router router;
  router.Add("GET", "/x/{name}",
             [](const Request&, Responder respond) { respond(JsonResponse(200, "{}")); });
  const Response response = Call(router, "GET", "/x/a%FF");
  EXPECT_EQ(response.status, 400);
  EXPECT_NE(response.body.find("path param name is not UTF-8"), std::string::npos) << response.body;
  EXPECT_EQ(Call(router, "GET", "/x/caf%C3%A9").status, 200);
}

TEST(Query, ParsesAndDecodes) {
  auto q = ParseQuery("nodeId=dataset%3Agcs%3A%2F%2Fb%3Ak&depth=2&flag&x=a+b");
  EXPECT_EQ(q.find("nodeId")->second, "dataset:gcs://b:k");
  EXPECT_EQ(q.find("depth")->second, "2");
  EXPECT_EQ(q.find("flag")->second, "");
  EXPECT_EQ(q.find("x")->second, "a b");
}

}  // namespace
}  // namespace lineaged::api
