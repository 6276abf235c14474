// Tests of the Atlas emulator against the contract checklist in the shared
// reference atlas-contract.md §9 (54 points). Each test names the points it
// covers as [n].
//
// Covered: 1-53, one test or more each:
//   Bootstrap/transport/auth 1-5: Preload*, AdminStatus*, Auth*, MalformedJson*, UnknownPath*.
//   Typedefs 6-14: Typedef* tests.
//   Entity writes 15-36: Create*, Reference*, Process*, Update*, Atomic*, Shell* tests.
//   Entity reads 37-40: Get* tests. Partial update and delete 41-44: PartialUpdate*, Delete*.
//   Lineage 45-52: Lineage* tests. Search 53: Search* tests.
// Not covered:
//   54 (hook inbox: ATLAS_HOOK envelopes, GZIP/split messages, the dropped
//   list) is not implemented: the checklist asks for it only if lineaged ships
//   the Kafka transport, and issue 7's exporter uses REST bulk only. The
//   emulator answers POST /v2/notification/topic/... with a non-JSON 404.
// Beyond the checklist (also tested): fault injection (FailWith500For,
// HangFor, RefuseConnectionsFor, Reset), the test accessors, requestId
// headers, the session cookie, the CSRF rule for browser user agents (§7),
// 415 for a non-JSON body, the label/custom-attribute limits (§7), typedef
// delete, concurrent writers, and the atlas_emulator binary as a process.

#include "tests/atlas_emulator/atlas_emulator.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include <sys/wait.h>

#include "tests/testing/http_client.h"

namespace lineaged::testing {
namespace {

using json = nlohmann::json;
using ::testing::Contains;
using ::testing::HasSubstr;

constexpr char kBulk[] = "/api/atlas/v2/entity/bulk";
constexpr char kTypedefs[] = "/api/atlas/v2/types/typedefs";

// The typedefs atlas-contract.md §6.2 proposes for lineaged (its exporter's types).
constexpr char kOpenLineageTypes[] = R"json({
  "enumDefs": [], "structDefs": [], "classificationDefs": [], "businessMetadataDefs": [],
  "entityDefs": [
    {"name": "openlineage_dataset", "superTypes": ["DataSet"], "serviceType": "openlineage", "typeVersion": "1.0",
     "attributeDefs": [
       {"name": "namespace",  "typeName": "string", "isOptional": true, "cardinality": "SINGLE", "isUnique": false, "isIndexable": true},
       {"name": "uri",        "typeName": "string", "isOptional": true, "cardinality": "SINGLE", "isUnique": false, "isIndexable": false},
       {"name": "symlinks",   "typeName": "array<string>", "isOptional": true, "cardinality": "SET", "isUnique": false, "isIndexable": false},
       {"name": "schemaJson", "typeName": "string", "isOptional": true, "cardinality": "SINGLE", "isUnique": false, "isIndexable": false},
       {"name": "lastEventTime", "typeName": "date", "isOptional": true, "cardinality": "SINGLE", "isUnique": false, "isIndexable": false}
     ]},
    {"name": "openlineage_job", "superTypes": ["Process"], "serviceType": "openlineage", "typeVersion": "1.0",
     "attributeDefs": [
       {"name": "namespace", "typeName": "string", "isOptional": true, "cardinality": "SINGLE", "isUnique": false, "isIndexable": true},
       {"name": "sqlQuery",  "typeName": "string", "isOptional": true, "cardinality": "SINGLE", "isUnique": false, "isIndexable": false}
     ]},
    {"name": "openlineage_run", "superTypes": ["ProcessExecution"], "serviceType": "openlineage", "typeVersion": "1.0",
     "attributeDefs": [
       {"name": "runId",     "typeName": "string", "isOptional": false, "cardinality": "SINGLE", "isUnique": false, "isIndexable": true},
       {"name": "eventType", "typeName": "string", "isOptional": true,  "cardinality": "SINGLE", "isUnique": false, "isIndexable": true},
       {"name": "startTime", "typeName": "date",   "isOptional": true,  "cardinality": "SINGLE", "isUnique": false, "isIndexable": false},
       {"name": "endTime",   "typeName": "date",   "isOptional": true,  "cardinality": "SINGLE", "isUnique": false, "isIndexable": false}
     ]}
  ],
  "relationshipDefs": [
    {"name": "openlineage_job_runs", "serviceType": "openlineage", "typeVersion": "1.0",
     "relationshipCategory": "COMPOSITION", "propagateTags": "NONE",
     "endDef1": {"type": "openlineage_job", "name": "runs", "isContainer": true,  "cardinality": "SET"},
     "endDef2": {"type": "openlineage_run", "name": "job",  "isContainer": false, "cardinality": "SINGLE"}}
  ]
})json";

std::string Base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    for (int shift : {18, 12, 6, 0}) out.push_back(kAlphabet[(v >> shift) & 63]);
  }
  if (i < in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

std::string BasicAuth(std::string_view user, std::string_view password) {
  return "Basic " + Base64(std::string(user) + ":" + std::string(password));
}

// An openlineage_dataset with placeholder `guid` (nullptr: no guid key).
json Dataset(const json& guid, const std::string& qualified_name) {
  json entity = {{"typeName", "openlineage_dataset"},
                 {"attributes", {{"qualifiedName", qualified_name}, {"name", qualified_name}}}};
  if (!guid.is_null()) entity["guid"] = guid;
  return entity;
}

json Ref(const std::string& guid, const std::string& type = "openlineage_dataset") {
  return {{"guid", guid}, {"typeName", type}};
}

json UniqueRef(const std::string& type, const std::string& qualified_name) {
  return {{"typeName", type}, {"uniqueAttributes", {{"qualifiedName", qualified_name}}}};
}

// A job's inputs or outputs: absent (nullptr), a list of references
// ({Ref(…), …}) or any JSON value.
struct Io {
  Io(std::nullptr_t) {}  // NOLINT(google-explicit-constructor)
  Io(std::initializer_list<json> refs) : value(json::array()) {
    for (const json& ref : refs) value.push_back(ref);
  }
  Io(json raw) : value(std::move(raw)) {}  // NOLINT(google-explicit-constructor)
  json value;
};

// An openlineage_job; inputs/outputs go to relationshipAttributes unless absent.
json Job(const std::string& guid, const std::string& qualified_name, const Io& inputs,
         const Io& outputs) {
  json entity = {{"typeName", "openlineage_job"},
                 {"guid", guid},
                 {"attributes", {{"qualifiedName", qualified_name}, {"name", qualified_name}}},
                 {"relationshipAttributes", json::object()}};
  if (!inputs.value.is_null()) entity["relationshipAttributes"]["inputs"] = inputs.value;
  if (!outputs.value.is_null()) entity["relationshipAttributes"]["outputs"] = outputs.value;
  return entity;
}

json RunEntity(const std::string& guid, const std::string& qualified_name,
               const std::string& job_guid) {
  return {
      {"typeName", "openlineage_run"},
      {"guid", guid},
      {"attributes",
       {{"qualifiedName", qualified_name}, {"name", qualified_name}, {"runId", qualified_name}}},
      {"relationshipAttributes",
       {{"job",
         {{"guid", job_guid},
          {"typeName", "openlineage_job"},
          {"relationshipType", "openlineage_job_runs"}}}}}};
}

// Checks an AtlasBaseException body: exact status, errorCode and (unless
// empty) errorMessage, and nothing else in the body.
void ExpectAtlasError(const Response& response, int status, const std::string& code,
                      const std::string& message = "") {
  EXPECT_EQ(response.status, status) << response.body;
  const json body = response.Json();
  ASSERT_TRUE(body.is_object()) << response.body;
  EXPECT_EQ(body.value("errorCode", ""), code) << response.body;
  if (!message.empty()) {
    EXPECT_EQ(body.value("errorMessage", ""), message) << response.body;
  }
  EXPECT_EQ(body.size(), 2u) << response.body;
  EXPECT_EQ(response.body.rfind("{\"errorCode\":", 0), 0u) << "errorCode must come first";
  EXPECT_THAT(response.Header("Content-Type"), HasSubstr("application/json"));
}

class AtlasEmulatorTest : public ::testing::Test {
 protected:
  explicit AtlasEmulatorTest(AtlasEmulatorOptions options = {}) : atlas_(std::move(options)) {}

  void SetUp() override {
    ASSERT_TRUE(atlas_.Start().ok());
    client_ = std::make_unique<HttpClient>("127.0.0.1", atlas_.port());
  }

  // A request as the exporter sends it: preemptive basic auth, JSON in and out.
  Response Call(std::string_view method, const std::string& target, const json& body = nullptr,
                Headers extra = {}) {
    Headers headers = {{"Authorization", BasicAuth("admin", "admin")},
                       {"Accept", "application/json"}};
    std::string payload;
    if (!body.is_null()) {
      headers.emplace_back("Content-Type", "application/json");
      payload = body.dump();
    }
    headers.insert(headers.end(), extra.begin(), extra.end());
    return client_->Request(method, target, payload, headers);
  }

  Response Get(const std::string& target) { return Call("GET", target); }

  json GetOk(const std::string& target) {
    const Response response = Get(target);
    EXPECT_EQ(response.status, 200) << target << ": " << response.body;
    return response.Json();
  }

  // POST /v2/entity/bulk of `entities` (a list, so {x} is a one-entity list).
  Response Bulk(const std::vector<json>& entities) {
    json body = {{"entities", json::array()}};
    for (const json& entity : entities) body["entities"].push_back(entity);
    return Call("POST", kBulk, body);
  }

  // Posts `entities` and returns the EntityMutationResponse (expecting 200).
  json BulkOk(const std::vector<json>& entities) {
    const Response response = Bulk(entities);
    EXPECT_EQ(response.status, 200) << response.body;
    return response.Json();
  }

  void InstallOpenLineageTypes() {
    const Response response = Call("POST", kTypedefs, json::parse(kOpenLineageTypes));
    ASSERT_EQ(response.status, 200) << response.body;
  }

  // GET entity/guid/{guid} -> "entity".
  json Entity(const std::string& guid) {
    return GetOk("/api/atlas/v2/entity/guid/" + guid)["entity"];
  }

  // The guids of the (header) list under mutatedEntities.<kind>.
  static std::set<std::string> Guids(const json& response, const std::string& kind) {
    std::set<std::string> guids;
    if (!response.contains("mutatedEntities") || !response["mutatedEntities"].contains(kind)) {
      return guids;
    }
    for (const json& header : response["mutatedEntities"][kind]) guids.insert(header["guid"]);
    return guids;
  }

  AtlasEmulator atlas_;
  std::unique_ptr<HttpClient> client_;
};

// Fixture with the §6.2 typedefs installed.
class AtlasEmulatorEntities : public AtlasEmulatorTest {
 protected:
  void SetUp() override {
    AtlasEmulatorTest::SetUp();
    InstallOpenLineageTypes();
  }

  // Creates datasets A..., returns qualifiedName -> guid.
  std::map<std::string, std::string> CreateDatasets(const std::vector<std::string>& names) {
    std::vector<json> entities;
    for (size_t i = 0; i < names.size(); ++i) {
      entities.push_back(Dataset("-" + std::to_string(i + 1), names[i]));
    }
    const json response = BulkOk(entities);
    std::map<std::string, std::string> out;
    for (size_t i = 0; i < names.size(); ++i) {
      out[names[i]] = response["guidAssignments"]["-" + std::to_string(i + 1)];
    }
    return out;
  }

  // (from qualifiedName, to qualifiedName) of a lineage answer's relations.
  static std::set<std::pair<std::string, std::string>> Relations(const json& lineage) {
    std::set<std::pair<std::string, std::string>> out;
    for (const json& relation : lineage["relations"]) {
      out.emplace(lineage["guidEntityMap"][relation["fromEntityId"].get<std::string>()]
                         ["attributes"]["qualifiedName"],
                  lineage["guidEntityMap"][relation["toEntityId"].get<std::string>()]["attributes"]
                         ["qualifiedName"]);
    }
    return out;
  }

  static std::set<std::string> MapNames(const json& lineage) {
    std::set<std::string> out;
    for (const auto& [guid, header] : lineage["guidEntityMap"].items()) {
      out.insert(header["attributes"]["qualifiedName"]);
    }
    return out;
  }
};

using P = std::pair<std::string, std::string>;

// --- Bootstrap, transport and auth -------------------------------------------------------

TEST_F(AtlasEmulatorTest, PreloadsBaseModel) {  // [1]
  for (const char* name :
       {"Referenceable", "Asset", "DataSet", "Process", "ProcessExecution", "Infrastructure",
        "Path", "ddl", "AtlasServer", "dataset_process_inputs", "process_dataset_outputs",
        "hive_table", "aws_s3_v2_object", "hdfs_path", "kafka_topic"}) {
    const json def = GetOk(std::string("/api/atlas/v2/types/typedef/name/") + name);
    EXPECT_EQ(def.value("name", ""), name);
    EXPECT_FALSE(def.value("createdBy", "").empty()) << name;
    EXPECT_EQ(def.value("version", 0), 1) << name;
    EXPECT_FALSE(def.value("guid", "").empty()) << name;
  }
  const json referenceable = GetOk("/api/atlas/v2/types/typedef/name/Referenceable");
  EXPECT_EQ(referenceable["category"], "ENTITY");
  const json& qualified_name = referenceable["attributeDefs"][0];
  EXPECT_EQ(qualified_name["name"], "qualifiedName");
  EXPECT_EQ(qualified_name["isOptional"], false);
  EXPECT_EQ(qualified_name["isUnique"], true);
  const json asset = GetOk("/api/atlas/v2/types/typedef/name/Asset");
  EXPECT_EQ(asset["superTypes"], json::array({"Referenceable"}));
  EXPECT_EQ(asset["attributeDefs"][0]["name"], "name");
  EXPECT_EQ(asset["attributeDefs"][0]["isOptional"], false);
  const json inputs = GetOk("/api/atlas/v2/types/typedef/name/dataset_process_inputs");
  EXPECT_EQ(inputs["category"], "RELATIONSHIP");
  EXPECT_EQ(inputs["relationshipCategory"], "AGGREGATION");
  EXPECT_EQ(inputs["endDef1"]["type"], "Process");
  EXPECT_EQ(inputs["endDef1"]["name"], "inputs");
  EXPECT_EQ(inputs["endDef2"]["name"], "inputToProcesses");
  // Patch 001 added the replication attributes to Referenceable.
  EXPECT_THAT(referenceable.dump(), HasSubstr("replicatedFrom"));
}

TEST_F(AtlasEmulatorTest, AdminStatusNeedsNoAuth) {  // [2]
  const Response response = client_->Get("/api/atlas/admin/status");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.Json(), json({{"Status", "ACTIVE"}}));
  EXPECT_FALSE(response.Header("requestId").empty());
}

TEST_F(AtlasEmulatorTest, AuthMissingOrWrongIs401WithoutChallenge) {  // [3]
  for (const Headers& headers : {Headers{}, Headers{{"Authorization", BasicAuth("admin", "wrong")}},
                                 Headers{{"Authorization", BasicAuth("nobody", "admin")}},
                                 Headers{{"Authorization", "Bearer abc"}}}) {
    const Response response =
        client_->Request("GET", "/api/atlas/v2/types/typedef/name/DataSet", "", headers);
    EXPECT_EQ(response.status, 401) << response.body;
    EXPECT_EQ(response.Header("WWW-Authenticate"), "");
    EXPECT_TRUE(response.Json().is_discarded()) << "401 bodies are not JSON: " << response.body;
  }
  EXPECT_EQ(Get("/api/atlas/v2/types/typedef/name/DataSet").status, 200);
}

TEST_F(AtlasEmulatorTest, AuthSessionCookieIsIssuedAndAccepted) {  // [3], §7
  const Response first = Get("/api/atlas/v2/types/typedef/name/DataSet");
  const std::string cookie = first.Header("Set-Cookie");
  ASSERT_THAT(cookie, HasSubstr("ATLASSESSIONID="));
  const std::string session = cookie.substr(0, cookie.find(';'));
  const Response second = client_->Request("GET", "/api/atlas/v2/types/typedef/name/DataSet", "",
                                           {{"Cookie", session}});
  EXPECT_EQ(second.status, 200) << second.body;
}

class AtlasEmulatorRoles : public AtlasEmulatorTest {
 protected:
  AtlasEmulatorRoles()
      : AtlasEmulatorTest(AtlasEmulatorOptions{.users = {{"admin", "admin", AtlasRole::kAdmin},
                                                         {"steward", "s", AtlasRole::kDataSteward},
                                                         {"bob", "b", AtlasRole::kReader}}}) {}

  Response As(const std::string& user, const std::string& password, std::string_view method,
              const std::string& target, const json& body) {
    return client_->Request(
        method, target, body.dump(),
        {{"Authorization", BasicAuth(user, password)}, {"Content-Type", "application/json"}});
  }
};

TEST_F(AtlasEmulatorRoles, AuthLackingPermissionIs403) {  // [3]
  const json types = json::parse(kOpenLineageTypes);
  ExpectAtlasError(As("bob", "b", "POST", kTypedefs, types), 403, "ATLAS-403-00-001",
                   "bob is not authorized to perform create entity-def openlineage_dataset");
  ExpectAtlasError(Get("/api/atlas/v2/types/typedef/name/openlineage_dataset"), 404,
                   "ATLAS-404-00-001");
}

TEST_F(AtlasEmulatorRoles, AuthRolesGuardTypesAndEntities) {  // [3]
  const json types = json::parse(kOpenLineageTypes);
  const Response denied = As("steward", "s", "POST", kTypedefs, types);
  ExpectAtlasError(denied, 403, "ATLAS-403-00-001",
                   "steward is not authorized to perform create entity-def openlineage_dataset");
  ASSERT_EQ(As("admin", "admin", "POST", kTypedefs, types).status, 200);

  const json bulk = {{"entities", json::array({Dataset("-1", "s3://b/x")})}};
  ExpectAtlasError(As("bob", "b", "POST", kBulk, bulk), 403, "ATLAS-403-00-001",
                   "bob is not authorized to perform create entity: type=openlineage_dataset");
  EXPECT_EQ(atlas_.EntityCount("openlineage_dataset"), 0u);
  const Response created = As("steward", "s", "POST", kBulk, bulk);
  ASSERT_EQ(created.status, 200) << created.body;
  const std::string guid = created.Json()["guidAssignments"]["-1"];
  EXPECT_EQ(Entity(guid)["createdBy"], "steward");
  ExpectAtlasError(As("bob", "b", "DELETE", "/api/atlas/v2/entity/guid/" + guid, nullptr), 403,
                   "ATLAS-403-00-001",
                   "bob is not authorized to perform delete entity: guid=" + guid);
  // Readers still read.
  const Response read = client_->Request("GET", "/api/atlas/v2/entity/guid/" + guid, "",
                                         {{"Authorization", BasicAuth("bob", "b")}});
  EXPECT_EQ(read.status, 200) << read.body;
}

TEST_F(AtlasEmulatorTest, MalformedJsonIs400WithErrorKey) {  // [4]
  const Response response = client_->Request(
      "POST", kBulk, "{\"entities\": [",
      {{"Authorization", BasicAuth("admin", "admin")}, {"Content-Type", "application/json"}});
  EXPECT_EQ(response.status, 400);
  const json body = response.Json();
  ASSERT_TRUE(body.is_object()) << response.body;
  EXPECT_EQ(body.size(), 1u);
  EXPECT_TRUE(body["error"].is_string());
  // A body of the wrong JSON shape is a Jackson mapping error too.
  const Response shape = Call("POST", kBulk, {{"entities", "not-a-list"}});
  EXPECT_EQ(shape.status, 400);
  EXPECT_TRUE(shape.Json().contains("error")) << shape.body;
}

TEST_F(AtlasEmulatorTest, UnknownPathIsNonJson404) {  // [5]
  for (const char* target : {"/api/atlas/v2/nothing", "/api/atlas/v2/entity/guid",
                             "/somewhere/else", "/api/atlas/v2/notification/topic/ATLAS_HOOK"}) {
    const Response response = Call("GET", target);
    EXPECT_EQ(response.status, 404) << target;
    EXPECT_TRUE(response.Json().is_discarded()) << response.body;
  }
  const Response method = Call("PATCH", "/api/atlas/v2/entity/bulk");
  EXPECT_EQ(method.status, 405);
  EXPECT_TRUE(method.Json().is_discarded());
}

TEST_F(AtlasEmulatorTest, TransportHeadersAndContentNegotiation) {  // §0, §7
  const Response response = Get("/api/atlas/v2/types/typedef/name/DataSet");
  EXPECT_FALSE(response.Header("requestId").empty());
  EXPECT_EQ(response.Header("Content-Type"), "application/json;charset=UTF-8");
  const Response error = Get("/api/atlas/v2/types/typedef/name/Nope");
  EXPECT_FALSE(error.Header("requestId").empty());
  EXPECT_NE(error.Header("requestId"), response.Header("requestId"));

  const Response text = client_->Request(
      "POST", kBulk, "{}",
      {{"Authorization", BasicAuth("admin", "admin")}, {"Content-Type", "text/plain"}});
  EXPECT_EQ(text.status, 415);
  // Browser user agents must send X-XSRF-HEADER on writes.
  const Response browser =
      Call("POST", kBulk, {{"entities", json::array()}}, {{"User-Agent", "Mozilla/5.0"}});
  EXPECT_EQ(browser.status, 400);
  EXPECT_THAT(browser.body, HasSubstr("CSRF"));
  EXPECT_EQ(GetOk("/api/atlas/admin/version").value("Name", ""), "apache-atlas");
  // Jetty's request header buffer is 16,192 bytes.
  const Response big = Call("GET", "/api/atlas/v2/types/typedef/name/DataSet", nullptr,
                            {{"X-Padding", std::string(17000, 'x')}});
  EXPECT_EQ(big.status, 431);
}

// --- Typedefs -----------------------------------------------------------------------------

TEST_F(AtlasEmulatorTest, TypedefByNameAndUnknown) {  // [6]
  const json def = GetOk("/api/atlas/v2/types/typedef/name/Process");
  for (const char* key : {"category", "guid", "createdBy", "updatedBy", "createTime", "updateTime",
                          "version", "name", "description", "typeVersion", "serviceType",
                          "attributeDefs", "superTypes", "subTypes", "relationshipAttributeDefs"}) {
    EXPECT_TRUE(def.contains(key)) << key;
  }
  EXPECT_TRUE(def["createTime"].is_number());
  ExpectAtlasError(Get("/api/atlas/v2/types/typedef/name/no_such_type"), 404, "ATLAS-404-00-001",
                   "Given typename no_such_type was invalid");
  const json by_guid = GetOk("/api/atlas/v2/types/typedef/guid/" + def["guid"].get<std::string>());
  EXPECT_EQ(by_guid["name"], "Process");
}

TEST_F(AtlasEmulatorTest, EntityDefByName) {  // [7]
  EXPECT_EQ(GetOk("/api/atlas/v2/types/entitydef/name/DataSet")["name"], "DataSet");
  ExpectAtlasError(Get("/api/atlas/v2/types/entitydef/name/nope"), 404, "ATLAS-404-00-001",
                   "Given typename nope was invalid");
  // A relationship def is not an entity def.
  ExpectAtlasError(Get("/api/atlas/v2/types/entitydef/name/dataset_process_inputs"), 404,
                   "ATLAS-404-00-001");
  EXPECT_EQ(GetOk("/api/atlas/v2/types/relationshipdef/name/dataset_process_inputs")["name"],
            "dataset_process_inputs");
}

TEST_F(AtlasEmulatorTest, TypedefsListAndFilters) {  // [8]
  const json all = GetOk(kTypedefs);
  for (const char* list : {"enumDefs", "structDefs", "classificationDefs", "entityDefs",
                           "relationshipDefs", "businessMetadataDefs"}) {
    ASSERT_TRUE(all[list].is_array()) << list;
  }
  EXPECT_GE(all["entityDefs"].size(), 10u);
  const json relationships = GetOk(std::string(kTypedefs) + "?type=relationship");
  EXPECT_TRUE(relationships["entityDefs"].empty());
  EXPECT_FALSE(relationships["relationshipDefs"].empty());
  const json named = GetOk(std::string(kTypedefs) + "?name=hive_table");
  ASSERT_EQ(named["entityDefs"].size(), 1u);
  EXPECT_EQ(named["entityDefs"][0]["name"], "hive_table");
  const json datasets = GetOk(std::string(kTypedefs) + "?type=entity&supertype=DataSet");
  std::set<std::string> names;
  for (const json& def : datasets["entityDefs"]) names.insert(def["name"]);
  EXPECT_THAT(names, Contains("hive_table"));
  EXPECT_EQ(names.count("Process"), 0u);
  const json core = GetOk(std::string(kTypedefs) + "?servicetype=atlas_core");
  for (const json& def : core["entityDefs"]) EXPECT_EQ(def["serviceType"], "atlas_core");
  EXPECT_FALSE(core["entityDefs"].empty());
  const json headers = GetOk(std::string(kTypedefs) + "/headers?type=entity");
  ASSERT_TRUE(headers.is_array());
  EXPECT_EQ(headers[0].size(), 4u);
}

TEST_F(AtlasEmulatorTest, TypedefCreateFillsServerFieldsAndDefaults) {  // [9]
  const json request = {{"entityDefs",
                         {{{"name", "my_dataset"},
                           {"superTypes", {"DataSet"}},
                           {"attributeDefs", {{{"name", "color"}, {"typeName", "string"}}}}}}}};
  const Response response = Call("POST", kTypedefs, request);
  ASSERT_EQ(response.status, 200) << response.body;  // 200, not 201
  const json body = response.Json();
  for (const char* list : {"enumDefs", "structDefs", "classificationDefs", "entityDefs",
                           "relationshipDefs", "businessMetadataDefs"}) {
    EXPECT_TRUE(body[list].is_array()) << list;
  }
  ASSERT_EQ(body["entityDefs"].size(), 1u);
  const json& def = body["entityDefs"][0];
  EXPECT_FALSE(def.value("guid", "").empty());
  EXPECT_EQ(def["createdBy"], "admin");
  EXPECT_TRUE(def["createTime"].is_number());
  EXPECT_EQ(def["version"], 1);
  EXPECT_EQ(def["description"], "my_dataset");  // a blank description becomes the name
  EXPECT_FALSE(def.contains("typeVersion"));
  const json& attr = def["attributeDefs"][0];
  EXPECT_EQ(attr["isOptional"], false);
  EXPECT_EQ(attr["cardinality"], "SINGLE");
  EXPECT_EQ(attr["valuesMinCount"], -1);
  EXPECT_EQ(attr["valuesMaxCount"], -1);
  EXPECT_EQ(attr["isUnique"], false);
  EXPECT_EQ(attr["isIndexable"], false);
  EXPECT_EQ(attr["includeInNotification"], false);
  EXPECT_EQ(attr["searchWeight"], -1);
  EXPECT_EQ(GetOk("/api/atlas/v2/types/typedef/name/my_dataset")["guid"], def["guid"]);
  // An empty AtlasTypesDef is fine.
  EXPECT_EQ(Call("POST", kTypedefs, json::object()).status, 200);
}

TEST_F(AtlasEmulatorTest, TypedefCreateExistingIs409AndCreatesNothing) {  // [10]
  const json request = {
      {"entityDefs",
       {{{"name", "brand_new"}, {"superTypes", {"DataSet"}}}, {{"name", "DataSet"}}}}};
  ExpectAtlasError(Call("POST", kTypedefs, request), 409, "ATLAS-409-00-001",
                   "Given type DataSet already exists");
  ExpectAtlasError(Get("/api/atlas/v2/types/typedef/name/brand_new"), 404, "ATLAS-404-00-001");
  InstallOpenLineageTypes();
  ExpectAtlasError(Call("POST", kTypedefs, json::parse(kOpenLineageTypes)), 409, "ATLAS-409-00-001",
                   "Given type openlineage_dataset already exists");
}

TEST_F(AtlasEmulatorTest, TypedefCreateUnresolvedOrBadNameIs400AllOrNothing) {  // [11]
  ExpectAtlasError(Call("POST", kTypedefs,
                        {{"entityDefs",
                          {{{"name", "ok_type"}, {"superTypes", {"DataSet"}}},
                           {{"name", "t1"}, {"superTypes", {"NoSuchSuper"}}}}}}),
                   400, "ATLAS-400-00-029", "Given typename NoSuchSuper was invalid");
  ExpectAtlasError(
      Call("POST", kTypedefs,
           {{"entityDefs",
             {{{"name", "t2"},
               {"superTypes", {"DataSet"}},
               {"attributeDefs",
                {{{"name", "a"}, {"typeName", "array<nope>"}, {"isOptional", true}}}}}}}}),
      400, "ATLAS-400-00-029", "Given typename nope was invalid");
  ExpectAtlasError(
      Call("POST", kTypedefs,
           {{"entityDefs", {{{"name", "9bad-name"}, {"superTypes", {"DataSet"}}}}}}),
      400, "ATLAS-400-00-019",
      "9bad-name: invalid name for ENTITY.  Names must consist of a letter followed by a "
      "sequence of letter, number, space, or '_' characters");
  ExpectAtlasError(Get("/api/atlas/v2/types/typedef/name/ok_type"), 404, "ATLAS-404-00-001");
  // A supertype that is not an entity type.
  ExpectAtlasError(Call("POST", kTypedefs,
                        {{"entityDefs", {{{"name", "t3"}, {"superTypes", {"atlas_operation"}}}}}}),
                   400, "ATLAS-400-00-003", "t3: incompatible supertype atlas_operation");
}

TEST_F(AtlasEmulatorTest, TypedefRedeclaringInheritedAttributeIs400) {  // [12]
  ExpectAtlasError(
      Call("POST", kTypedefs,
           {{"entityDefs",
             {{{"name", "dup_ds"},
               {"superTypes", {"DataSet"}},
               {"attributeDefs",
                {{{"name", "name"}, {"typeName", "string"}, {"isOptional", true}}}}}}}}),
      400, "ATLAS-400-00-09E",
      "Invalid attribute name: dup_ds.name. Attribute already exists in another parent type: "
      "Asset");
}

TEST_F(AtlasEmulatorTest, TypedefUpdateRules) {  // [13]
  InstallOpenLineageTypes();
  json def = GetOk("/api/atlas/v2/types/typedef/name/openlineage_job");
  json types = {{"entityDefs", json::array({def})}};
  // Adding an optional attribute: 200, version increments.
  types["entityDefs"][0]["attributeDefs"].push_back({{"name", "owners"},
                                                     {"typeName", "array<string>"},
                                                     {"isOptional", true},
                                                     {"cardinality", "SET"}});
  Response response = Call("PUT", kTypedefs, types);
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.Json()["entityDefs"][0]["version"], 2);
  EXPECT_EQ(GetOk("/api/atlas/v2/types/typedef/name/openlineage_job")["version"], 2);

  // Adding a mandatory attribute.
  json mandatory = types;
  mandatory["entityDefs"][0]["attributeDefs"].push_back({{"name", "must"}, {"typeName", "string"}});
  ExpectAtlasError(Call("PUT", kTypedefs, mandatory), 400, "ATLAS-400-00-00C",
                   "openlineage_job.must : can not add mandatory attribute");
  // Omitting an existing attribute.
  json removed = types;
  removed["entityDefs"][0]["attributeDefs"].erase(0);
  ExpectAtlasError(Call("PUT", kTypedefs, removed), 400, "ATLAS-400-00-00D",
                   "openlineage_job.namespace : attribute delete not supported");
  // Changing an attribute's type.
  json retyped = types;
  retyped["entityDefs"][0]["attributeDefs"][0]["typeName"] = "int";
  ExpectAtlasError(Call("PUT", kTypedefs, retyped), 400, "ATLAS-400-00-029",
                   "Data type update for attribute is not supported");
  // Removing a supertype.
  json unparented = types;
  unparented["entityDefs"][0]["superTypes"] = json::array();
  ExpectAtlasError(Call("PUT", kTypedefs, unparented), 400, "ATLAS-400-00-00E");
  // Unknown type.
  ExpectAtlasError(Call("PUT", kTypedefs, {{"entityDefs", {{{"name", "ghost"}}}}}), 404,
                   "ATLAS-404-00-001", "Given typename ghost was invalid");
  EXPECT_EQ(GetOk("/api/atlas/v2/types/typedef/name/openlineage_job")["version"], 2);
}

TEST_F(AtlasEmulatorTest, TypedefSubtypeBookkeeping) {  // [14]
  InstallOpenLineageTypes();
  const json dataset = GetOk("/api/atlas/v2/types/typedef/name/DataSet");
  EXPECT_THAT(dataset["subTypes"], Contains("openlineage_dataset"));
  std::map<std::string, json> rel_attrs;
  const json dataset_def = GetOk("/api/atlas/v2/types/typedef/name/openlineage_dataset");
  for (const json& attr : dataset_def["relationshipAttributeDefs"]) rel_attrs[attr["name"]] = attr;
  EXPECT_EQ(rel_attrs.count("inputToProcesses"), 1u);
  EXPECT_EQ(rel_attrs.count("outputFromProcesses"), 1u);
  rel_attrs.clear();
  const json job_def = GetOk("/api/atlas/v2/types/typedef/name/openlineage_job");
  for (const json& attr : job_def["relationshipAttributeDefs"]) rel_attrs[attr["name"]] = attr;
  ASSERT_EQ(rel_attrs.count("inputs"), 1u);
  EXPECT_EQ(rel_attrs["inputs"]["isLegacyAttribute"], true);
  EXPECT_EQ(rel_attrs["inputs"]["relationshipTypeName"], "dataset_process_inputs");
  EXPECT_EQ(rel_attrs["outputs"]["isLegacyAttribute"], true);
  EXPECT_EQ(rel_attrs["runs"]["relationshipTypeName"], "openlineage_job_runs");
}

TEST_F(AtlasEmulatorTest, TypedefDeleteByName) {  // §1.3
  InstallOpenLineageTypes();
  // Referenced by a relationshipDef.
  ExpectAtlasError(Call("DELETE", "/api/atlas/v2/types/typedef/name/openlineage_run"), 409,
                   "ATLAS-409-00-005");
  ASSERT_EQ(Call("POST", kTypedefs,
                 {{"entityDefs", {{{"name", "scratch"}, {"superTypes", {"DataSet"}}}}}})
                .status,
            200);
  EXPECT_EQ(Call("DELETE", "/api/atlas/v2/types/typedef/name/scratch").status, 204);
  ExpectAtlasError(Get("/api/atlas/v2/types/typedef/name/scratch"), 404, "ATLAS-404-00-001");
}

// --- Entity writes ------------------------------------------------------------------------

TEST_F(AtlasEmulatorEntities, CreateWithNegativeGuids) {  // [15]
  const Response response = Bulk({Dataset("-1", "pg://db/a"), Dataset("-2", "s3://b/x")});
  ASSERT_EQ(response.status, 200) << response.body;
  const json body = response.Json();
  ASSERT_EQ(body["mutatedEntities"].size(), 1u);
  ASSERT_EQ(body["mutatedEntities"]["CREATE"].size(), 2u);
  ASSERT_EQ(body["guidAssignments"].size(), 2u);
  const std::string g1 = body["guidAssignments"]["-1"];
  EXPECT_EQ(g1.size(), 36u);
  EXPECT_EQ(g1[14], '4');  // UUID v4
  EXPECT_NE(g1, body["guidAssignments"]["-2"].get<std::string>());
  const json& header = body["mutatedEntities"]["CREATE"][0];
  EXPECT_EQ(header["typeName"], "openlineage_dataset");
  EXPECT_EQ(header["guid"], g1);
  EXPECT_EQ(header["status"], "ACTIVE");
  EXPECT_EQ(header["displayText"], "pg://db/a");
  EXPECT_EQ(header["attributes"], json({{"qualifiedName", "pg://db/a"},
                                        {"name", "pg://db/a"},
                                        {"description", ""},
                                        {"owner", ""}}));
  EXPECT_EQ(header["classificationNames"], json::array());
  EXPECT_EQ(header["classifications"], json::array());
  EXPECT_EQ(header["meaningNames"], json::array());
  EXPECT_EQ(header["meanings"], json::array());
  EXPECT_EQ(header["isIncomplete"], false);
  EXPECT_EQ(header["labels"], json::array());
  EXPECT_EQ(atlas_.EntityCount("openlineage_dataset"), 2u);
  // POST /v2/entity takes one entity.
  const Response single =
      Call("POST", "/api/atlas/v2/entity", {{"entity", Dataset("-5", "s3://b/single")}});
  ASSERT_EQ(single.status, 200) << single.body;
  EXPECT_EQ(Guids(single.Json(), "CREATE").size(), 1u);
  ExpectAtlasError(Call("POST", "/api/atlas/v2/entity", json::object()), 400, "ATLAS-400-00-01A",
                   "invalid parameters: found null entity");
}

TEST_F(AtlasEmulatorEntities, CreateWithoutGuidKey) {  // [16]
  const json body = BulkOk({Dataset(nullptr, "s3://b/no-guid")});
  ASSERT_EQ(body["guidAssignments"].size(), 1u);
  const std::string placeholder = body["guidAssignments"].begin().key();
  EXPECT_EQ(placeholder[0], '-');
  EXPECT_EQ(Guids(body, "CREATE"), std::set<std::string>{body["guidAssignments"][placeholder]});
}

TEST_F(AtlasEmulatorEntities, RepostUnchangedListsNothing) {  // [17]
  const json first = BulkOk({Dataset("-1", "s3://b/x")});
  const std::string guid = first["guidAssignments"]["-1"];
  const json second = BulkOk({Dataset("-9", "s3://b/x")});
  EXPECT_FALSE(second.contains("mutatedEntities")) << second.dump();
  EXPECT_EQ(second["guidAssignments"], json({{"-9", guid}}));
  EXPECT_EQ(atlas_.EntityCount("openlineage_dataset"), 1u);
}

TEST_F(AtlasEmulatorEntities, RepostChangedIsUpdateMergingPresentKeys) {  // [18]
  json dataset = Dataset("-1", "s3://b/x");
  dataset["attributes"]["namespace"] = "s3://b";
  dataset["attributes"]["description"] = "first";
  const std::string guid = BulkOk({dataset})["guidAssignments"]["-1"];
  json update = Dataset("-2", "s3://b/x");
  update["attributes"]["description"] = nullptr;  // present null: cleared
  update["attributes"]["uri"] = "s3://b/x";       // new value
  // "namespace" is absent: kept.
  const json response = BulkOk({update});
  EXPECT_EQ(Guids(response, "UPDATE"), std::set<std::string>{guid});
  EXPECT_TRUE(Guids(response, "CREATE").empty());
  const json entity = Entity(guid);
  EXPECT_EQ(entity["attributes"]["namespace"], "s3://b");
  EXPECT_TRUE(entity["attributes"]["description"].is_null());
  EXPECT_EQ(entity["attributes"]["uri"], "s3://b/x");
  EXPECT_EQ(entity["version"], 1);
}

TEST_F(AtlasEmulatorEntities, EmptyOrMissingEntities) {  // [19]
  ExpectAtlasError(Bulk({}), 400, "ATLAS-400-00-01A",
                   "invalid parameters: no entities to create/update.");
  const Response missing = Call("POST", kBulk, {{"referredEntities", json::object()}});
  EXPECT_EQ(missing.status, 500);
  EXPECT_TRUE(missing.Json().is_discarded()) << missing.body;
  EXPECT_THAT(missing.body, HasSubstr("There was an error processing your request"));
}

TEST_F(AtlasEmulatorEntities, UnknownTypeName) {  // [20]
  ExpectAtlasError(Bulk({{{"typeName", "no_such_type"},
                          {"guid", "-1"},
                          {"attributes", {{"qualifiedName", "x"}}}}}),
                   400, "ATLAS-400-00-014", "Type ENTITY with name no_such_type does not exist");
}

TEST_F(AtlasEmulatorEntities, MissingMandatoryIs404Quirk) {  // [21]
  ExpectAtlasError(
      Bulk(
          {{{"typeName", "openlineage_dataset"}, {"guid", "-1"}, {"attributes", {{"name", "x"}}}}}),
      404, "ATLAS-404-00-007",
      "Invalid instance creation/updation parameters passed : "
      "openlineage_dataset.qualifiedName: mandatory attribute value missing in "
      "type Referenceable");
  ExpectAtlasError(Bulk({{{"typeName", "openlineage_dataset"},
                          {"guid", "-1"},
                          {"attributes", {{"qualifiedName", "x"}}}}}),
                   404, "ATLAS-404-00-007",
                   "Invalid instance creation/updation parameters passed : "
                   "openlineage_dataset.name: mandatory attribute value missing in type Asset");
  // Both missing: supertypes first, only the first message.
  ExpectAtlasError(
      Bulk({{{"typeName", "openlineage_dataset"}, {"guid", "-1"}, {"attributes", json::object()}}}),
      404, "ATLAS-404-00-007",
      "Invalid instance creation/updation parameters passed : "
      "openlineage_dataset.qualifiedName: mandatory attribute value missing in "
      "type Referenceable");
  // The subtype's own mandatory attribute; "" satisfies "mandatory".
  json run = RunEntity("-1", "r1", "-2");
  run["attributes"].erase("runId");
  ExpectAtlasError(Bulk({run, Job("-2", "j1", nullptr, nullptr)}), 404, "ATLAS-404-00-007",
                   "Invalid instance creation/updation parameters passed : "
                   "openlineage_run.runId: mandatory attribute value missing in type "
                   "openlineage_run");
  run["attributes"]["runId"] = "";
  EXPECT_EQ(Bulk({run, Job("-2", "j1", nullptr, nullptr)}).status, 200);
}

TEST_F(AtlasEmulatorEntities, PrimitiveValueValidation) {  // [22]
  json run = RunEntity("-1", "r1", "-2");
  run["attributes"]["startTime"] = "yesterday";
  ExpectAtlasError(Bulk({run, Job("-2", "j1", nullptr, nullptr)}), 404, "ATLAS-404-00-007",
                   "Invalid instance creation/updation parameters passed : "
                   "openlineage_run.startTime=yesterday: invalid value for type date");
  ExpectAtlasError(
      Bulk({{{"typeName", "hive_table"},
             {"guid", "-1"},
             {"attributes", {{"qualifiedName", "db.t@cl"}, {"name", "t"}, {"retention", "abc"}}}}}),
      404, "ATLAS-404-00-007",
      "Invalid instance creation/updation parameters passed : "
      "hive_table.retention=abc: invalid value for type int");
  ExpectAtlasError(
      Bulk({{{"typeName", "hive_table"},
             {"guid", "-1"},
             {"attributes", {{"qualifiedName", "db.t@cl"}, {"name", "t"}, {"aliases", "solo"}}}}}),
      404, "ATLAS-404-00-007",
      "Invalid instance creation/updation parameters passed : "
      "hive_table.aliases=solo: invalid value for type array<string>");
  // Accepted forms, normalized on store.
  const json ok = BulkOk({{{"typeName", "hive_table"},
                           {"guid", "-1"},
                           {"attributes",
                            {{"qualifiedName", "db.t@cl"},
                             {"name", 42},  // string accepts any scalar
                             {"temporary", "TRUE"},
                             {"retention", "7"},
                             {"createTime", "2024-06-10T06:13:20.000Z"},
                             {"lastAccessTime", "1718000000000"}}}}});
  const json attrs = Entity(ok["guidAssignments"]["-1"])["attributes"];
  EXPECT_EQ(attrs["name"], "42");
  EXPECT_EQ(attrs["temporary"], true);
  EXPECT_EQ(attrs["retention"], 7);
  EXPECT_EQ(attrs["createTime"], 1718000000000LL);
  EXPECT_EQ(attrs["lastAccessTime"], 1718000000000LL);
  json empty_date = RunEntity("-1", "r2", "-2");
  empty_date["attributes"]["endTime"] = "";
  EXPECT_EQ(Bulk({empty_date, Job("-2", "j1", nullptr, nullptr)}).status, 200);
}

TEST_F(AtlasEmulatorEntities, LabelAndCustomAttributeLimits) {  // §7 limits
  json dataset = Dataset("-1", "s3://b/x");
  dataset["customAttributes"] = {{"source", std::string(501, 'v')}};
  ExpectAtlasError(Bulk({dataset}), 400, "ATLAS-400-00-08E",
                   "Invalid value: " + std::string(501, 'v') +
                       " in custom attribute, value length is greater than 500");
  dataset["customAttributes"] = {{std::string(51, 'k'), "v"}};
  ExpectAtlasError(Bulk({dataset}), 400, "ATLAS-400-00-08C",
                   "Invalid key: " + std::string(51, 'k') +
                       " in custom attribute, key size should not be greater than 50");
  dataset["customAttributes"] = {{"bad key", "v"}};
  ExpectAtlasError(Bulk({dataset}), 400, "ATLAS-400-00-08D");
  dataset["customAttributes"] = {{"source", "marquez"}};
  dataset["labels"] = {std::string(51, 'l')};
  ExpectAtlasError(
      Bulk({dataset}), 400, "ATLAS-400-00-08F",
      "Invalid label: " + std::string(51, 'l') + ", label size should not be greater than 50");
  dataset["labels"] = {"no spaces"};
  ExpectAtlasError(Bulk({dataset}), 400, "ATLAS-400-00-090",
                   "Invalid label: no spaces, label should contain alphanumeric characters, '_' "
                   "or '-'");
  EXPECT_EQ(atlas_.EntityCount("openlineage_dataset"), 0u);
  dataset["labels"] = {"pii", "gold"};
  const std::string guid = BulkOk({dataset})["guidAssignments"]["-1"];
  const json entity = Entity(guid);
  EXPECT_EQ(entity["customAttributes"], json({{"source", "marquez"}}));
  EXPECT_EQ(entity["labels"], json({"gold", "pii"}));
  EXPECT_FALSE(BulkOk({dataset}).contains("mutatedEntities"));  // unchanged
}

TEST_F(AtlasEmulatorEntities, UnknownAttributesAreDropped) {  // [23]
  json dataset = Dataset("-1", "s3://b/x");
  dataset["attributes"]["nmespace"] = "typo";
  const json response = BulkOk({dataset});
  const json entity = Entity(response["guidAssignments"]["-1"]);
  EXPECT_FALSE(entity["attributes"].contains("nmespace"));
  EXPECT_TRUE(entity["attributes"].contains("namespace"));  // every attribute, null when unset
}

TEST_F(AtlasEmulatorEntities, NullGuidIs400) {  // [24]
  json with_null = Dataset("-1", "x");
  with_null["guid"] = nullptr;
  ExpectAtlasError(Bulk({with_null}), 400, "ATLAS-400-00-021",
                   "ObjectId is not valid invalid guid null");
}

TEST_F(AtlasEmulatorEntities, ReferenceByNegativeGuid) {  // [25]
  const json response = BulkOk(
      {Dataset("-1", "in"), Dataset("-2", "out"), Job("-3", "job", {Ref("-1")}, {Ref("-2")})});
  EXPECT_EQ(Guids(response, "CREATE").size(), 3u);
  const json job = Entity(response["guidAssignments"]["-3"]);
  ASSERT_EQ(job["attributes"]["inputs"].size(), 1u);
  EXPECT_EQ(job["attributes"]["inputs"][0]["guid"], response["guidAssignments"]["-1"]);
  ExpectAtlasError(Bulk({Job("-3", "job2", {Ref("-7")}, nullptr)}), 404, "ATLAS-404-00-00A",
                   "Referenced entity -7 is not found");
}

TEST_F(AtlasEmulatorEntities, ReferenceByUnknownAssignedGuid) {  // [26]
  ExpectAtlasError(Bulk({Job("-3", "job", {Ref("2")}, nullptr)}), 404, "ATLAS-404-00-00A",
                   "Referenced entity 2 is not found");
  const std::string uuid = "6b1c0f0e-1111-4222-8333-444455556666";
  ExpectAtlasError(Bulk({Job("-3", "job", {Ref(uuid)}, nullptr)}), 404, "ATLAS-404-00-00A",
                   "Referenced entity " + uuid + " is not found");
  // A made-up guid on an entity that exists by qualifiedName escapes: its
  // stored guid wins.
  const std::string stored = BulkOk({Dataset("-1", "s3://b/x")})["guidAssignments"]["-1"];
  const json response = BulkOk({Dataset(uuid, "s3://b/x")});
  EXPECT_EQ(response["guidAssignments"][uuid], stored);
}

TEST_F(AtlasEmulatorEntities, ReferenceByUniqueAttributes) {  // [27]
  const std::string a = BulkOk({Dataset("-1", "s3://b/a")})["guidAssignments"]["-1"];
  // To an existing entity, also through a supertype name.
  const json linked = BulkOk({Job("-1", "j1", {UniqueRef("openlineage_dataset", "s3://b/a")},
                                  {UniqueRef("DataSet", "s3://b/a")})});
  const json job = Entity(linked["guidAssignments"]["-1"]);
  EXPECT_EQ(job["attributes"]["inputs"][0]["guid"], a);
  EXPECT_EQ(job["attributes"]["outputs"][0]["guid"], a);
  // To an entity that exists only in the same request.
  ExpectAtlasError(
      Bulk({Dataset("-1", "s3://b/new"),
            Job("-2", "j2", {UniqueRef("openlineage_dataset", "s3://b/new")}, nullptr)}),
      404, "ATLAS-404-00-00A",
      "Referenced entity AtlasObjectId{guid='null', typeName='openlineage_dataset', "
      "uniqueAttributes={qualifiedName:s3://b/new}} is not found");
  EXPECT_FALSE(atlas_.FindByQualifiedName("openlineage_dataset", "s3://b/new").has_value());
  ExpectAtlasError(Bulk({Job("-2", "j2", {UniqueRef("nope_type", "x")}, nullptr)}), 400,
                   "ATLAS-400-00-014", "Type ENTITY with name nope_type does not exist");
}

TEST_F(AtlasEmulatorEntities, InvalidObjectIdReference) {  // [28]
  ExpectAtlasError(Bulk({Job("-1", "j", json::array({"s3://b/a"}), nullptr)}), 400,
                   "ATLAS-400-00-021", "ObjectId is not valid s3://b/a");
  ExpectAtlasError(Bulk({Job("-1", "j", json::array({{{"relationshipType", "x"}}}), nullptr)}), 400,
                   "ATLAS-400-00-021",
                   "ObjectId is not valid AtlasObjectId{guid='null', typeName='null', "
                   "uniqueAttributes={}}");
  ExpectAtlasError(
      Bulk({Job("-1", "j", json::array({{{"typeName", "openlineage_dataset"}}}), nullptr)}), 400,
      "ATLAS-400-00-021",
      "ObjectId is not valid AtlasObjectId{guid='null', typeName='openlineage_dataset', "
      "uniqueAttributes={}}");
}

TEST_F(AtlasEmulatorEntities, ProcessIoInAttributesOrRelationshipAttributes) {  // [29]
  const auto ds = CreateDatasets({"a", "b"});
  json in_attributes = Job("-1", "j1", nullptr, nullptr);
  in_attributes["attributes"]["inputs"] = json::array({Ref(ds.at("a"))});
  const json first = Entity(BulkOk({in_attributes})["guidAssignments"]["-1"]);
  EXPECT_EQ(first["attributes"]["inputs"][0]["guid"], ds.at("a"));
  EXPECT_EQ(first["relationshipAttributes"]["inputs"][0]["guid"], ds.at("a"));
  // Both: relationshipAttributes wins.
  json both = Job("-1", "j2", {Ref(ds.at("b"))}, nullptr);
  both["attributes"]["inputs"] = json::array({Ref(ds.at("a"))});
  const json second = Entity(BulkOk({both})["guidAssignments"]["-1"]);
  ASSERT_EQ(second["attributes"]["inputs"].size(), 1u);
  EXPECT_EQ(second["attributes"]["inputs"][0]["guid"], ds.at("b"));
}

TEST_F(AtlasEmulatorEntities, ProcessInputOfWrongTypeIs400AndWritesNothing) {  // [30], [35]
  const std::string other =
      BulkOk({Job("-1", "other_job", nullptr, nullptr)})["guidAssignments"]["-1"];
  ExpectAtlasError(Bulk({Dataset("-1", "fresh"),
                         Job("-2", "j", {Ref("-1"), Ref(other, "openlineage_job")}, nullptr)}),
                   400, "ATLAS-400-00-036",
                   "invalid relationshipDef: dataset_process_inputs: actual: [end type 1: "
                   "openlineage_job, end type 2: openlineage_job]. expected: [end type 1: Process, "
                   "end type 2: DataSet]");
  EXPECT_EQ(atlas_.EntityCount("openlineage_dataset"), 0u);
  EXPECT_EQ(atlas_.EntityCount("openlineage_job"), 1u);
}

TEST_F(AtlasEmulatorEntities, ProcessOnExistingDatasetsUpdatesThem) {  // [31]
  const auto ds = CreateDatasets({"a", "b"});
  const json response =
      BulkOk({Job("-1", "j", {UniqueRef("openlineage_dataset", "a")}, {Ref(ds.at("b"))})});
  const std::string job = response["guidAssignments"]["-1"];
  EXPECT_EQ(Guids(response, "CREATE"), std::set<std::string>{job});
  EXPECT_EQ(Guids(response, "UPDATE"), (std::set<std::string>{ds.at("a"), ds.at("b")}));
  // The contract's example: J with inputs A (existing) and B (new).
  const json mixed =
      BulkOk({Dataset("-1", "c"), Job("-2", "k", {Ref(ds.at("a")), Ref("-1")}, nullptr)});
  EXPECT_EQ(Guids(mixed, "CREATE"), (std::set<std::string>{mixed["guidAssignments"]["-1"],
                                                           mixed["guidAssignments"]["-2"]}));
  EXPECT_EQ(Guids(mixed, "UPDATE"), std::set<std::string>{ds.at("a")});
}

TEST_F(AtlasEmulatorEntities, ReferenceArraysReplaceTheStoredSet) {  // [32]
  const auto ds = CreateDatasets({"a", "b"});
  const std::string job = BulkOk(
      {Job("-1", "j", {Ref(ds.at("a")), Ref(ds.at("b"))}, nullptr)})["guidAssignments"]["-1"];
  const json response = BulkOk({Job("-1", "j", {Ref(ds.at("a"))}, nullptr)});
  EXPECT_THAT(Guids(response, "UPDATE"), Contains(job));
  json entity = Entity(job);
  ASSERT_EQ(entity["attributes"]["inputs"].size(), 1u);
  EXPECT_EQ(entity["attributes"]["inputs"][0]["guid"], ds.at("a"));
  std::map<std::string, std::string> status;
  for (const json& related : entity["relationshipAttributes"]["inputs"]) {
    status[related["guid"]] = related["relationshipStatus"];
  }
  EXPECT_EQ(status,
            (std::map<std::string, std::string>{{ds.at("a"), "ACTIVE"}, {ds.at("b"), "DELETED"}}));
  // Omitting inputs leaves the relationships unchanged.
  json renamed = Job("-1", "j", nullptr, nullptr);
  renamed["attributes"]["sqlQuery"] = "select 1";
  BulkOk({renamed});
  EXPECT_EQ(Entity(job)["attributes"]["inputs"].size(), 1u);
  // [] removes all.
  BulkOk({Job("-1", "j", json::array(), nullptr)});
  EXPECT_EQ(Entity(job)["attributes"]["inputs"].size(), 0u);
}

TEST_F(AtlasEmulatorEntities, DuplicatesInOneRequestCollapse) {  // [33]
  const json response = BulkOk({Dataset("-1", "same"), Dataset("-2", "same")});
  EXPECT_EQ(response["guidAssignments"]["-1"], response["guidAssignments"]["-2"]);
  EXPECT_EQ(Guids(response, "CREATE").size(), 1u);
  EXPECT_TRUE(Guids(response, "UPDATE").empty());
  EXPECT_EQ(atlas_.EntityCount("openlineage_dataset"), 1u);
}

TEST_F(AtlasEmulatorEntities, SameQualifiedNameInTwoTypes) {  // [34]
  const json response = BulkOk({Dataset("-1", "db.t@cl"),
                                {{"typeName", "hive_table"},
                                 {"guid", "-2"},
                                 {"attributes", {{"qualifiedName", "db.t@cl"}, {"name", "t"}}}}});
  EXPECT_NE(response["guidAssignments"]["-1"], response["guidAssignments"]["-2"]);
  EXPECT_EQ(atlas_.EntityCount("openlineage_dataset"), 1u);
  EXPECT_EQ(atlas_.EntityCount("hive_table"), 1u);
}

TEST_F(AtlasEmulatorEntities, AtomicRequests) {  // [35]
  const auto ds = CreateDatasets({"a"});
  json invalid = Dataset("-3", "bad");
  invalid["attributes"].erase("name");
  json update = Dataset("-1", "a");
  update["attributes"]["description"] = "changed";
  ExpectAtlasError(Bulk({update, Dataset("-2", "new"), invalid}), 404, "ATLAS-404-00-007");
  EXPECT_EQ(atlas_.EntityCount("openlineage_dataset"), 1u);
  EXPECT_TRUE(Entity(ds.at("a"))["attributes"]["description"].is_null());
  ExpectAtlasError(Bulk({Dataset("-2", "new"), Job("-4", "j", {Ref("-99")}, nullptr)}), 404,
                   "ATLAS-404-00-00A");
  EXPECT_EQ(atlas_.EntityCount("openlineage_dataset"), 1u);
  EXPECT_EQ(atlas_.EntityCount("openlineage_job"), 0u);
}

TEST(AtlasEmulatorShellsTest, ShellEntitiesWhenEnabled) {  // [36]
  AtlasEmulator atlas(AtlasEmulatorOptions{.create_shell_entities = true});
  ASSERT_TRUE(atlas.Start().ok());
  HttpClient client("127.0.0.1", atlas.port());
  const Headers headers = {{"Authorization", BasicAuth("admin", "admin")},
                           {"Content-Type", "application/json"}};
  ASSERT_EQ(client.Request("POST", kTypedefs, kOpenLineageTypes, headers).status, 200);
  const json job = {
      {"entities",
       json::array({Job("-1", "j", {UniqueRef("openlineage_dataset", "ghost")}, nullptr)})}};
  const Response first = client.Request("POST", kBulk, job.dump(), headers);
  ASSERT_EQ(first.status, 200) << first.body;
  const json body = first.Json();
  ASSERT_EQ(body["mutatedEntities"]["CREATE"].size(), 1u);
  ASSERT_EQ(body["mutatedEntities"]["UPDATE"].size(), 1u);
  const json& shell = body["mutatedEntities"]["UPDATE"][0];
  EXPECT_EQ(shell["isIncomplete"], true);
  EXPECT_EQ(shell["attributes"]["qualifiedName"], "ghost");
  const auto stored = atlas.FindByQualifiedName("openlineage_dataset", "ghost");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ((*stored)["isIncomplete"], true);
  EXPECT_TRUE((*stored)["attributes"]["name"].is_null());  // no mandatory check for shells
  // A full write of the real entity clears the flag and is an UPDATE.
  const json full = {{"entities", json::array({Dataset("-1", "ghost")})}};
  const Response second = client.Request("POST", kBulk, full.dump(), headers);
  ASSERT_EQ(second.status, 200) << second.body;
  const json update = second.Json();
  ASSERT_EQ(update["mutatedEntities"]["UPDATE"].size(), 1u) << second.body;
  EXPECT_FALSE(update["mutatedEntities"].contains("CREATE"));
  EXPECT_EQ(update["mutatedEntities"]["UPDATE"][0]["isIncomplete"], false);
  EXPECT_EQ(update["guidAssignments"]["-1"], shell["guid"]);
}

// --- Entity reads ------------------------------------------------------------------------

TEST_F(AtlasEmulatorEntities, GetByGuidShape) {  // [37]
  const auto ds = CreateDatasets({"a"});
  const std::string job =
      BulkOk({Job("-1", "j", {Ref(ds.at("a"))}, nullptr)})["guidAssignments"]["-1"];
  const json response = GetOk("/api/atlas/v2/entity/guid/" + job);
  EXPECT_EQ(response["referredEntities"], json::object());
  const json& entity = response["entity"];
  for (const char* key :
       {"guid", "typeName", "status", "createdBy", "updatedBy", "createTime", "updateTime",
        "version", "isIncomplete", "labels", "attributes", "relationshipAttributes"}) {
    EXPECT_TRUE(entity.contains(key)) << key;
  }
  EXPECT_TRUE(entity["createTime"].is_number());
  for (const char* attr :
       {"qualifiedName", "name", "description", "owner", "displayName", "userDescription",
        "replicatedFrom", "namespace", "sqlQuery", "inputs", "outputs"}) {
    EXPECT_TRUE(entity["attributes"].contains(attr)) << attr;
  }
  EXPECT_TRUE(entity["attributes"]["owner"].is_null());
  EXPECT_EQ(entity["relationshipAttributes"]["outputs"], json::array());
  const json& related = entity["relationshipAttributes"]["inputs"][0];
  EXPECT_EQ(related["guid"], ds.at("a"));
  EXPECT_EQ(related["typeName"], "openlineage_dataset");
  EXPECT_EQ(related["entityStatus"], "ACTIVE");
  EXPECT_EQ(related["displayText"], "a");
  EXPECT_EQ(related["qualifiedName"], "a");
  EXPECT_EQ(related["relationshipType"], "dataset_process_inputs");
  EXPECT_EQ(related["relationshipStatus"], "ACTIVE");
  EXPECT_FALSE(related.value("relationshipGuid", "").empty());
  EXPECT_EQ(related["relationshipAttributes"], json({{"typeName", "dataset_process_inputs"}}));
  EXPECT_TRUE(entity["relationshipAttributes"].contains("runs"));
  const json dataset = Entity(ds.at("a"));
  EXPECT_EQ(dataset["relationshipAttributes"]["inputToProcesses"][0]["guid"], job);
  EXPECT_EQ(dataset["relationshipAttributes"]["outputFromProcesses"], json::array());
  ExpectAtlasError(Get("/api/atlas/v2/entity/guid/nope"), 404, "ATLAS-404-00-005",
                   "Given instance guid nope is invalid/not found");
}

TEST_F(AtlasEmulatorEntities, GetSoftDeletedGuid) {  // [38]
  const auto ds = CreateDatasets({"a"});
  ASSERT_EQ(Call("DELETE", "/api/atlas/v2/entity/guid/" + ds.at("a")).status, 200);
  EXPECT_EQ(Entity(ds.at("a"))["status"], "DELETED");
}

TEST_F(AtlasEmulatorEntities, GetByUniqueAttribute) {  // [39]
  const auto ds = CreateDatasets({"s3://b/a b", "s3://b/a+b"});
  const std::string base = "/api/atlas/v2/entity/uniqueAttribute/type/";
  // '+' decodes to a space, %2B to '+'.
  EXPECT_EQ(GetOk(base + "openlineage_dataset?attr:qualifiedName=s3://b/a+b")["entity"]["guid"],
            ds.at("s3://b/a b"));
  EXPECT_EQ(
      GetOk(base + "openlineage_dataset?attr:qualifiedName=s3%3A%2F%2Fb%2Fa%2Bb")["entity"]["guid"],
      ds.at("s3://b/a+b"));
  // Through a supertype.
  EXPECT_EQ(GetOk(base + "DataSet?attr:qualifiedName=s3%3A%2F%2Fb%2Fa%2Bb")["entity"]["guid"],
            ds.at("s3://b/a+b"));
  ExpectAtlasError(Get(base + "openlineage_dataset?attr:qualifiedName=missing"), 404,
                   "ATLAS-404-00-009",
                   "Instance openlineage_dataset with unique attribute {qualifiedName=missing} "
                   "does not exist");
  ExpectAtlasError(Get(base + "openlineage_dataset?attr:name=a"), 400, "ATLAS-400-00-013",
                   "Type openlineage_dataset with unique attribute name does not exist");
  ExpectAtlasError(Get(base + "openlineage_dataset"), 400, "ATLAS-400-00-013",
                   "Type openlineage_dataset with unique attribute  does not exist");
  ExpectAtlasError(Get(base + "nope?attr:qualifiedName=a"), 400, "ATLAS-400-00-014",
                   "Type ENTITY with name nope does not exist");
  // Deleted entities are not found by unique attribute.
  ASSERT_EQ(Call("DELETE", "/api/atlas/v2/entity/guid/" + ds.at("s3://b/a b")).status, 200);
  ExpectAtlasError(Get(base + "openlineage_dataset?attr:qualifiedName=s3://b/a+b"), 404,
                   "ATLAS-404-00-009");
}

TEST_F(AtlasEmulatorEntities, GetHeaderVariants) {  // [40]
  const auto ds = CreateDatasets({"a"});
  const json by_guid = GetOk("/api/atlas/v2/entity/guid/" + ds.at("a") + "/header");
  EXPECT_EQ(by_guid["guid"], ds.at("a"));
  EXPECT_EQ(by_guid["attributes"]["qualifiedName"], "a");
  EXPECT_EQ(by_guid["displayText"], "a");
  EXPECT_FALSE(by_guid.contains("relationshipAttributes"));
  const json by_unique = GetOk(
      "/api/atlas/v2/entity/uniqueAttribute/type/openlineage_dataset/header?attr:qualifiedName=a");
  EXPECT_EQ(by_unique, by_guid);
  ExpectAtlasError(Get("/api/atlas/v2/entity/guid/nope/header"), 404, "ATLAS-404-00-005");
  ExpectAtlasError(Get("/api/atlas/v2/entity/uniqueAttribute/type/openlineage_dataset/"
                       "header?attr:qualifiedName=z"),
                   404, "ATLAS-404-00-009");
}

TEST_F(AtlasEmulatorEntities, GetBulkByGuids) {  // §2.4
  const auto ds = CreateDatasets({"a", "b"});
  const json both = GetOk("/api/atlas/v2/entity/bulk?guid=" + ds.at("a") + "&guid=" + ds.at("b"));
  EXPECT_EQ(both["entities"].size(), 2u);
  ExpectAtlasError(Get("/api/atlas/v2/entity/bulk"), 404, "ATLAS-404-00-005");
  const json by_unique = GetOk(
      "/api/atlas/v2/entity/bulk/uniqueAttribute/type/openlineage_dataset?attr_1:qualifiedName=a"
      "&attr_2:qualifiedName=b");
  EXPECT_EQ(by_unique["entities"].size(), 2u);
}

// --- Partial update and delete -------------------------------------------------------------

TEST_F(AtlasEmulatorEntities, PartialUpdateByUniqueAttribute) {  // [41]
  const auto ds = CreateDatasets({"a"});
  const std::string target =
      "/api/atlas/v2/entity/uniqueAttribute/type/openlineage_dataset?attr:qualifiedName=a";
  // Mandatory attributes are not required.
  const Response response = Call(
      "PUT", target,
      {{"entity", {{"typeName", "openlineage_dataset"}, {"attributes", {{"owner", "team"}}}}}});
  ASSERT_EQ(response.status, 200) << response.body;
  const json body = response.Json();
  EXPECT_EQ(Guids(body, "PARTIAL_UPDATE"), std::set<std::string>{ds.at("a")});
  ASSERT_TRUE(body.contains("partialUpdatedEntities"));
  EXPECT_EQ(body["partialUpdatedEntities"], body["mutatedEntities"]["PARTIAL_UPDATE"]);
  const json entity = Entity(ds.at("a"));
  EXPECT_EQ(entity["attributes"]["owner"], "team");
  EXPECT_EQ(entity["attributes"]["name"], "a");
  ExpectAtlasError(
      Call("PUT",
           "/api/atlas/v2/entity/uniqueAttribute/type/openlineage_dataset?attr:qualifiedName=zz",
           {{"entity", {{"typeName", "openlineage_dataset"}, {"attributes", json::object()}}}}),
      404, "ATLAS-404-00-009");
  // One attribute by guid.
  const Response by_guid =
      Call("PUT", "/api/atlas/v2/entity/guid/" + ds.at("a") + "?name=owner", json("other"));
  ASSERT_EQ(by_guid.status, 200) << by_guid.body;
  EXPECT_EQ(Entity(ds.at("a"))["attributes"]["owner"], "other");
  ExpectAtlasError(
      Call("PUT", "/api/atlas/v2/entity/guid/" + ds.at("a") + "?name=bogus", json("x")), 400,
      "ATLAS-400-00-023", "Attribute bogus not found for type openlineage_dataset");
}

TEST_F(AtlasEmulatorEntities, DeleteByGuid) {  // [42]
  const auto ds = CreateDatasets({"a"});
  const Response response = Call("DELETE", "/api/atlas/v2/entity/guid/" + ds.at("a"));
  ASSERT_EQ(response.status, 200) << response.body;
  const json body = response.Json();
  ASSERT_EQ(body["mutatedEntities"]["DELETE"].size(), 1u);
  EXPECT_EQ(body["mutatedEntities"]["DELETE"][0]["status"], "ACTIVE");  // captured before
  EXPECT_FALSE(body.contains("guidAssignments"));
  EXPECT_EQ(Entity(ds.at("a"))["status"], "DELETED");
  ExpectAtlasError(
      Get("/api/atlas/v2/entity/uniqueAttribute/type/openlineage_dataset?attr:qualifiedName=a"),
      404, "ATLAS-404-00-009");
  EXPECT_EQ(atlas_.EntityCount("openlineage_dataset"), 0u);
  const std::string recreated = BulkOk({Dataset("-1", "a")})["guidAssignments"]["-1"];
  EXPECT_NE(recreated, ds.at("a"));
  // Unknown or already deleted: 200 {}.
  for (const std::string& guid : {ds.at("a"), std::string("no-such-guid")}) {
    const Response again = Call("DELETE", "/api/atlas/v2/entity/guid/" + guid);
    EXPECT_EQ(again.status, 200);
    EXPECT_EQ(again.Json(), json::object());
  }
  ExpectAtlasError(Call("DELETE", "/api/atlas/v2/entity/bulk"), 400, "ATLAS-400-00-01A",
                   "invalid parameters: Guid(s) not specified");
}

TEST_F(AtlasEmulatorEntities, DeleteByUniqueAttribute) {  // [43]
  const auto ds = CreateDatasets({"a"});
  const std::string base = "/api/atlas/v2/entity/uniqueAttribute/type/";
  const Response response = Call("DELETE", base + "openlineage_dataset?attr:qualifiedName=a");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(Guids(response.Json(), "DELETE"), std::set<std::string>{ds.at("a")});
  const Response missing = Call("DELETE", base + "openlineage_dataset?attr:qualifiedName=a");
  EXPECT_EQ(missing.status, 200);
  EXPECT_EQ(missing.Json(), json::object());
  ExpectAtlasError(Call("DELETE", base + "nope?attr:qualifiedName=a"), 400, "ATLAS-400-00-014");
  ExpectAtlasError(Call("DELETE", base + "openlineage_dataset"), 404, "ATLAS-404-00-009",
                   "Instance {} with unique attribute {1} does not exist");
}

TEST_F(AtlasEmulatorEntities, DeleteCascadesToCompositionChildren) {  // [44]
  const auto ds = CreateDatasets({"a"});
  const json created = BulkOk({Job("-1", "j", {Ref(ds.at("a"))}, nullptr),
                               RunEntity("-2", "r1", "-1"), RunEntity("-3", "r2", "-1")});
  const std::string job = created["guidAssignments"]["-1"];
  const std::string r1 = created["guidAssignments"]["-2"];
  const std::string r2 = created["guidAssignments"]["-3"];
  // The job owns its runs: GET shows them as referred entities.
  const json ext = GetOk("/api/atlas/v2/entity/guid/" + job);
  EXPECT_EQ(ext["referredEntities"].size(), 2u);
  EXPECT_EQ(Entity(r1)["relationshipAttributes"]["job"]["guid"], job);
  const json response = Call("DELETE", "/api/atlas/v2/entity/guid/" + job).Json();
  EXPECT_EQ(Guids(response, "DELETE"), (std::set<std::string>{job, r1, r2}));
  EXPECT_EQ(Guids(response, "UPDATE"), std::set<std::string>{ds.at("a")});
  EXPECT_EQ(Entity(r2)["status"], "DELETED");
  EXPECT_EQ(
      Entity(ds.at("a"))["relationshipAttributes"]["inputToProcesses"][0]["relationshipStatus"],
      "DELETED");
}

// --- Lineage -------------------------------------------------------------------------------

TEST_F(AtlasEmulatorEntities, LineageShape) {  // [45]
  const auto ds = CreateDatasets({"a", "b"});
  const std::string job =
      BulkOk({Job("-1", "j", {Ref(ds.at("a"))}, {Ref(ds.at("b"))})})["guidAssignments"]["-1"];
  const json lineage = GetOk("/api/atlas/v2/lineage/" + ds.at("b"));
  EXPECT_EQ(lineage["baseEntityGuid"], ds.at("b"));
  EXPECT_EQ(lineage["lineageDirection"], "BOTH");
  EXPECT_EQ(lineage["lineageDepth"], 3);
  EXPECT_EQ(lineage["relationsOnDemand"], json::object());
  ASSERT_EQ(lineage["relations"].size(), 2u);
  for (const json& relation : lineage["relations"]) {
    EXPECT_EQ(relation.size(), 3u);
    EXPECT_FALSE(relation.value("relationshipId", "").empty());
  }
  EXPECT_EQ(Relations(lineage), (std::set<P>{{"a", "j"}, {"j", "b"}}));
  const json& header = lineage["guidEntityMap"][job];
  EXPECT_EQ(header["typeName"], "openlineage_job");
  EXPECT_FALSE(header.contains("classifications"));
  EXPECT_EQ(header["attributes"]["description"], "");
}

TEST_F(AtlasEmulatorEntities, LineageSimpleChain) {  // [46]
  const auto ds = CreateDatasets({"a", "b"});
  const std::string job =
      BulkOk({Job("-1", "j", {Ref(ds.at("a"))}, {Ref(ds.at("b"))})})["guidAssignments"]["-1"];
  const json input = GetOk("/api/atlas/v2/lineage/" + ds.at("b") + "?direction=INPUT");
  EXPECT_EQ(Relations(input), (std::set<P>{{"a", "j"}, {"j", "b"}}));
  EXPECT_EQ(MapNames(input), (std::set<std::string>{"a", "j", "b"}));
  const json output = GetOk("/api/atlas/v2/lineage/" + ds.at("b") + "?direction=OUTPUT");
  EXPECT_EQ(output["relations"], json::array());
  EXPECT_EQ(output["guidEntityMap"], json::object());
  const json of_job = GetOk("/api/atlas/v2/lineage/" + job + "?depth=1");
  EXPECT_EQ(Relations(of_job), (std::set<P>{{"a", "j"}, {"j", "b"}}));
}

TEST_F(AtlasEmulatorEntities, LineageIsolatedDataset) {  // [47]
  const auto ds = CreateDatasets({"lonely"});
  const json lineage = GetOk("/api/atlas/v2/lineage/" + ds.at("lonely"));
  EXPECT_EQ(lineage["guidEntityMap"], json::object());
  EXPECT_EQ(lineage["relations"], json::array());
}

TEST_F(AtlasEmulatorEntities, LineageDepthAndCycles) {  // [48]
  const auto ds = CreateDatasets({"a", "b", "c", "d"});
  BulkOk({Job("-1", "j1", {Ref(ds.at("a"))}, {Ref(ds.at("b"))}),
          Job("-2", "j2", {Ref(ds.at("b"))}, {Ref(ds.at("c"))}),
          Job("-3", "j3", {Ref(ds.at("c"))}, {Ref(ds.at("d"))})});
  const std::string base = "/api/atlas/v2/lineage/" + ds.at("d") + "?direction=INPUT&depth=";
  EXPECT_EQ(Relations(GetOk(base + "1")), (std::set<P>{{"c", "j3"}, {"j3", "d"}}));
  EXPECT_EQ(Relations(GetOk(base + "2")),
            (std::set<P>{{"c", "j3"}, {"j3", "d"}, {"b", "j2"}, {"j2", "c"}}));
  EXPECT_EQ(GetOk(base + "3")["relations"].size(), 6u);
  EXPECT_EQ(GetOk(base + "0")["relations"].size(), 6u);  // 0: unlimited
  // A cycle d -> j4 -> a terminates.
  BulkOk({Job("-4", "j4", {Ref(ds.at("d"))}, {Ref(ds.at("a"))})});
  const json cyclic = GetOk("/api/atlas/v2/lineage/" + ds.at("a") + "?depth=0");
  EXPECT_EQ(cyclic["relations"].size(), 8u);
}

TEST_F(AtlasEmulatorEntities, LineageOneSidedProcessesAreHidden) {  // [49]
  const auto ds = CreateDatasets({"d"});
  const std::string writer =
      BulkOk({Job("-1", "writer", nullptr, {Ref(ds.at("d"))})})["guidAssignments"]["-1"];
  BulkOk({Job("-1", "reader", {Ref(ds.at("d"))}, nullptr)});
  const json of_d = GetOk("/api/atlas/v2/lineage/" + ds.at("d"));
  EXPECT_EQ(of_d["relations"], json::array());
  EXPECT_EQ(of_d["guidEntityMap"], json::object());
  EXPECT_EQ(Relations(GetOk("/api/atlas/v2/lineage/" + writer)), (std::set<P>{{"writer", "d"}}));
}

TEST_F(AtlasEmulatorEntities, LineageTraversesSoftDeleted) {  // [50]
  const auto ds = CreateDatasets({"a", "x", "b"});
  BulkOk({Job("-1", "j", {Ref(ds.at("a")), Ref(ds.at("x"))}, {Ref(ds.at("b"))})});
  BulkOk({Job("-1", "j", {Ref(ds.at("a"))}, {Ref(ds.at("b"))})});  // x's edge is now DELETED
  ASSERT_EQ(Call("DELETE", "/api/atlas/v2/entity/guid/" + ds.at("a")).status, 200);
  const json lineage = GetOk("/api/atlas/v2/lineage/" + ds.at("b") + "?direction=INPUT");
  EXPECT_EQ(Relations(lineage), (std::set<P>{{"a", "j"}, {"x", "j"}, {"j", "b"}}));
  EXPECT_EQ(lineage["guidEntityMap"][ds.at("a")]["status"], "DELETED");
  EXPECT_EQ(lineage["guidEntityMap"][ds.at("x")]["status"], "ACTIVE");
}

TEST_F(AtlasEmulatorEntities, LineageOfNonLineageTypeOrUnknownGuid) {  // [51]
  const json created = BulkOk({Job("-1", "j", nullptr, nullptr), RunEntity("-2", "r", "-1")});
  const std::string run = created["guidAssignments"]["-2"];
  ExpectAtlasError(Get("/api/atlas/v2/lineage/" + run), 404, "ATLAS-404-00-011",
                   "Given instance guid " + run +
                       " with type openlineage_run is not a valid lineage entity type.");
  ExpectAtlasError(Get("/api/atlas/v2/lineage/nope"), 404, "ATLAS-404-00-005",
                   "Given instance guid nope is invalid/not found");
  const Response bad_direction = Get("/api/atlas/v2/lineage/nope?direction=UP");
  EXPECT_EQ(bad_direction.status, 404);
  EXPECT_TRUE(bad_direction.Json().is_discarded());
  ExpectAtlasError(Call("POST", "/api/atlas/v2/lineage/" + run, json::object()), 400,
                   "ATLAS-400-00-100",
                   "Lineage on demand config: atlas.lineage.on.demand.enabled is not enabled");
}

TEST_F(AtlasEmulatorEntities, LineageByUniqueAttribute) {  // [52]
  const auto ds = CreateDatasets({"a", "b"});
  BulkOk({Job("-1", "j", {Ref(ds.at("a"))}, {Ref(ds.at("b"))})});
  const std::string base = "/api/atlas/v2/lineage/uniqueAttribute/type/";
  const json lineage =
      GetOk(base + "openlineage_dataset?attr:qualifiedName=b&direction=INPUT&depth=3");
  EXPECT_EQ(lineage["baseEntityGuid"], ds.at("b"));
  EXPECT_EQ(lineage["relations"],
            GetOk("/api/atlas/v2/lineage/" + ds.at("b") + "?direction=INPUT")["relations"]);
  ExpectAtlasError(Get(base + "openlineage_dataset?attr:qualifiedName=zz"), 404,
                   "ATLAS-404-00-009");
  ExpectAtlasError(Get(base + "nope?attr:qualifiedName=b"), 400, "ATLAS-400-00-014");
}

// --- Search ---------------------------------------------------------------------------------

TEST_F(AtlasEmulatorEntities, SearchBasic) {  // [53]
  CreateDatasets({"postgres://h/db.a", "postgres://h/db.b", "s3://bucket/c"});
  BulkOk({{{"typeName", "hive_table"},
           {"guid", "-1"},
           {"attributes", {{"qualifiedName", "db.t@cl"}, {"name", "t"}}}}});
  const json all = GetOk("/api/atlas/v2/search/basic?typeName=openlineage_dataset");
  EXPECT_EQ(all["queryType"], "BASIC");
  EXPECT_EQ(all["entities"].size(), 3u);
  EXPECT_EQ(all["approximateCount"], 3);
  EXPECT_EQ(all["searchParameters"]["typeName"], "openlineage_dataset");
  EXPECT_FALSE(all["entities"][0].contains("classifications"));
  // Subtypes are included.
  EXPECT_EQ(GetOk("/api/atlas/v2/search/basic?typeName=DataSet")["entities"].size(), 4u);
  EXPECT_EQ(
      GetOk("/api/atlas/v2/search/basic?typeName=DataSet&limit=2&offset=1")["entities"].size(), 2u);
  const json filtered = Call("POST", "/api/atlas/v2/search/basic",
                             {{"typeName", "openlineage_dataset"},
                              {"excludeDeletedEntities", true},
                              {"attributes", {"namespace"}},
                              {"entityFilters",
                               {{"attributeName", "qualifiedName"},
                                {"operator", "startsWith"},
                                {"attributeValue", "postgres://"}}}})
                            .Json();
  EXPECT_EQ(filtered["entities"].size(), 2u);
  EXPECT_TRUE(filtered["entities"][0]["attributes"].contains("namespace"));
  const json none = GetOk("/api/atlas/v2/search/basic?typeName=openlineage_job");
  EXPECT_FALSE(none.contains("entities"));
  ExpectAtlasError(Get("/api/atlas/v2/search/basic"), 400, "ATLAS-400-00-047");
  ExpectAtlasError(Get("/api/atlas/v2/search/basic?typeName=nope"), 400, "ATLAS-400-00-00A",
                   "nope: Unknown/invalid typename");
  ExpectAtlasError(Get("/api/atlas/v2/search/basic?typeName=DataSet&limit=-1"), 400,
                   "ATLAS-400-00-029", "Limit/offset should be non-negative");
  // Deleted entities only with excludeDeletedEntities=false (the GET default).
  const std::string c = atlas_.FindByQualifiedName("openlineage_dataset", "s3://bucket/c")
                            ->at("guid")
                            .get<std::string>();
  ASSERT_EQ(Call("DELETE", "/api/atlas/v2/entity/guid/" + c).status, 200);
  EXPECT_EQ(GetOk("/api/atlas/v2/search/basic?typeName=openlineage_dataset&"
                  "excludeDeletedEntities=true")["entities"]
                .size(),
            2u);
  EXPECT_EQ(GetOk("/api/atlas/v2/search/basic?query=bucket")["entities"].size(), 1u);
}

// --- Fault injection and test accessors -----------------------------------------------------

TEST_F(AtlasEmulatorEntities, FailWith500ForAPeriod) {
  atlas_.FailWith500For(std::chrono::hours(1));
  const Response failed = Bulk({Dataset("-1", "a")});
  EXPECT_EQ(failed.status, 500);
  EXPECT_TRUE(failed.Json().is_discarded());
  EXPECT_EQ(atlas_.EntityCount("openlineage_dataset"), 0u);
  atlas_.FailWith500For(std::chrono::milliseconds(0));
  EXPECT_EQ(Bulk({Dataset("-1", "a")}).status, 200);
  EXPECT_EQ(atlas_.EntityCount("openlineage_dataset"), 1u);
}

TEST_F(AtlasEmulatorEntities, HangForNeverAnswers) {
  atlas_.HangFor(std::chrono::milliseconds(300));
  HttpClient fresh("127.0.0.1", atlas_.port());
  const Response hung = fresh.Request(
      "POST", kBulk, json({{"entities", json::array({Dataset("-1", "a")})}}).dump(),
      {{"Authorization", BasicAuth("admin", "admin")}, {"Content-Type", "application/json"}});
  EXPECT_EQ(hung.status, 0) << "closed without an answer: " << hung.body;
  EXPECT_EQ(atlas_.EntityCount("openlineage_dataset"), 0u);
  const std::vector<AtlasRequestRecord> log = atlas_.RequestLog();
  ASSERT_FALSE(log.empty());
  EXPECT_EQ(log.back().status, 0);
  EXPECT_EQ(Bulk({Dataset("-1", "a")}).status, 200);
}

TEST_F(AtlasEmulatorEntities, RefuseConnectionsThenReopenOnSamePort) {
  const uint16_t port = atlas_.port();
  EXPECT_EQ(Get("/api/atlas/v2/types/typedef/name/DataSet").status, 200);  // keep-alive open
  atlas_.RefuseConnectionsFor(std::chrono::milliseconds(400));
  HttpClient fresh("127.0.0.1", port);
  const Response refused = fresh.Get("/api/atlas/admin/status");
  EXPECT_EQ(refused.status, 0);
  EXPECT_THAT(refused.body, HasSubstr("connect"));
  // The open connection was closed too; the client's retry is refused.
  EXPECT_EQ(Get("/api/atlas/v2/types/typedef/name/DataSet").status, 0);
  int status = 0;
  for (int attempt = 0; attempt < 200 && status != 200; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    status = HttpClient("127.0.0.1", port).Get("/api/atlas/admin/status").status;
  }
  EXPECT_EQ(status, 200);
  EXPECT_EQ(atlas_.port(), port);
  EXPECT_EQ(Bulk({Dataset("-1", "a")}).status, 200);
}

TEST_F(AtlasEmulatorEntities, ResetForgetsEverythingButThePreloadedModel) {
  CreateDatasets({"a"});
  atlas_.FailWith500For(std::chrono::hours(1));
  atlas_.RefuseConnectionsFor(std::chrono::hours(1));
  atlas_.Reset();
  int status = 0;
  for (int attempt = 0; attempt < 200 && status != 200; ++attempt) {
    status = HttpClient("127.0.0.1", atlas_.port()).Get("/api/atlas/admin/status").status;
    if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  ASSERT_EQ(status, 200);
  EXPECT_EQ(atlas_.EntityCount("openlineage_dataset"), 0u);
  ExpectAtlasError(Get("/api/atlas/v2/types/typedef/name/openlineage_dataset"), 404,
                   "ATLAS-404-00-001");
  EXPECT_EQ(GetOk("/api/atlas/v2/types/typedef/name/DataSet")["name"], "DataSet");
  InstallOpenLineageTypes();  // typedefs can be created again
}

TEST_F(AtlasEmulatorEntities, AccessorsAndRequestLog) {
  const int64_t before = atlas_.RequestCount();
  const auto ds = CreateDatasets({"a"});
  EXPECT_EQ(atlas_.RequestCount(), before + 1);
  EXPECT_EQ(atlas_.EntityCount("openlineage_dataset"), 1u);
  EXPECT_EQ(atlas_.EntityCount("DataSet"), 0u);  // exact type only
  const auto found = atlas_.FindByQualifiedName("openlineage_dataset", "a");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ((*found)["guid"], ds.at("a"));
  EXPECT_EQ((*found)["attributes"]["name"], "a");
  EXPECT_TRUE(atlas_.FindByQualifiedName("DataSet", "a").has_value());  // subtypes too
  EXPECT_FALSE(atlas_.FindByQualifiedName("openlineage_dataset", "b").has_value());
  EXPECT_FALSE(atlas_.FindByQualifiedName("no_type", "a").has_value());
  EXPECT_EQ((*atlas_.FindByGuid(ds.at("a")))["typeName"], "openlineage_dataset");
  const AtlasRequestRecord last = atlas_.RequestLog().back();
  EXPECT_EQ(last.method, "POST");
  EXPECT_EQ(last.target, kBulk);
  EXPECT_EQ(last.status, 200);
  EXPECT_TRUE(last.had_authorization);
  EXPECT_EQ(last.user_agent, "lineaged-integration-test");
  EXPECT_GT(last.body_bytes, 0u);
}

TEST_F(AtlasEmulatorEntities, ConcurrentWritersAreSerialized) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this, t] {
      HttpClient client("127.0.0.1", atlas_.port());
      for (int i = 0; i < 25; ++i) {
        // Every thread writes the same shared dataset plus its own.
        const json body = {{"entities",
                            {Dataset("-1", "shared"),
                             Dataset("-2", "t" + std::to_string(t) + "_" + std::to_string(i))}}};
        const Response response = client.Request(
            "POST", kBulk, body.dump(),
            {{"Authorization", BasicAuth("admin", "admin")}, {"Content-Type", "application/json"}});
        EXPECT_EQ(response.status, 200) << response.body;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(atlas_.EntityCount("openlineage_dataset"), 101u);
}

// The standalone binary: prints its port, serves with the given user, stops
// cleanly on SIGTERM.
TEST(AtlasEmulatorBinary, PrintsPortServesAndStopsOnSigterm) {
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    execl(LINEAGED_ATLAS_EMULATOR_PATH, LINEAGED_ATLAS_EMULATOR_PATH, "--port=0", "--user=u",
          "--password=p", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  FILE* stream = fdopen(out[0], "r");
  ASSERT_NE(stream, nullptr);
  unsigned port = 0;
  const int scanned = std::fscanf(stream, "%u", &port);
  std::fclose(stream);
  if (scanned != 1 || port == 0 || port > 65535) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    FAIL() << "no port on stdout";
  }
  HttpClient client("127.0.0.1", static_cast<int>(port));
  EXPECT_EQ(client.Get("/api/atlas/admin/status").status, 200);
  EXPECT_EQ(client
                .Request("GET", "/api/atlas/v2/types/typedef/name/DataSet", "",
                         {{"Authorization", BasicAuth("u", "p")}})
                .status,
            200);
  EXPECT_EQ(client
                .Request("GET", "/api/atlas/v2/types/typedef/name/DataSet", "",
                         {{"Authorization", BasicAuth("admin", "admin")}})
                .status,
            401);
  client.Close();
  ASSERT_EQ(kill(pid, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace lineaged::testing
