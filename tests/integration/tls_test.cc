// HTTPS (--tls_cert/--tls_key, --tls_client_ca) and gRPC client certificates
// (--grpc_tls_client_ca) against the real server, with certificates made by
// the test.

#include <fstream>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"

#include "lineaged/v1/ingest.grpc.pb.h"
#include "tests/integration/certificates.h"
#include "tests/integration/harness.h"
#include "tests/testing/server_process.h"
#include "tests/testing/temp_dir.h"

namespace lineaged::integration {
namespace {

using lineaged::testing::TlsOptions;
using ::testing::HasSubstr;

TlsOptions Trusting(const std::string& ca_file, const std::string& cert_file = "",
                    const std::string& key_file = "") {
  TlsOptions options;
  options.ca_file = ca_file;
  options.cert_file = cert_file;
  options.key_file = key_file;
  return options;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(MakeTestCertificates(dir_.path(), &certs_)); }

  std::vector<std::string> HttpsFlags() const {
    return {"--tls_cert=" + certs_.server_cert, "--tls_key=" + certs_.server_key};
  }

  lineaged::testing::TempDir dir_;
  TestCertificates certs_;
};

TEST_F(TlsTest, ServesHttpsWithTheGivenCertificate) {
  std::vector<std::string> flags = HttpsFlags();
  flags.push_back("--log_level=debug");
  TestServer server(flags);
  ASSERT_TRUE(server.Start());
  EXPECT_THAT(server.log(), HasSubstr("listening on https://"));

  HttpClient https("127.0.0.1", server.port(), Trusting(certs_.server_cert));
  Response health = https.Get("/healthz");
  EXPECT_EQ(health.status, 200) << health.body;
  Response posted = https.PostJson(kLineagePath, MinimalEvent("tls", "https").dump());
  EXPECT_EQ(posted.status, 201) << posted.body;
  // Keep-alive over TLS: a second request on the same connection.
  Response lineage = https.Get(std::string(kLineagePath) + "?nodeId=job%3Atls%3Ahttps");
  EXPECT_EQ(lineage.status, 200) << lineage.body;

  // Plain HTTP to the TLS port: the handshake fails, the connection closes,
  // and the server logs it at debug and carries on.
  Response plain = server.client().Get("/healthz");
  EXPECT_EQ(plain.status, 0) << plain.body;
  // A client that does not trust the certificate gives up on its side.
  HttpClient untrusting("127.0.0.1", server.port(), Trusting(certs_.ca_cert));
  EXPECT_EQ(untrusting.Get("/healthz").status, 0);

  HttpClient again("127.0.0.1", server.port(), Trusting(certs_.server_cert));
  EXPECT_EQ(again.Get("/healthz").status, 200);
  EXPECT_TRUE(server.Alive());
  ASSERT_EQ(server.Stop(), 0);
  EXPECT_THAT(server.log(), HasSubstr("TLS handshake failed"));
}

TEST_F(TlsTest, ClientCertificateRequiredWhenClientCaIsSet) {
  std::vector<std::string> flags = HttpsFlags();
  flags.push_back("--tls_client_ca=" + certs_.ca_cert);
  TestServer server(flags);
  ASSERT_TRUE(server.Start());

  HttpClient anonymous("127.0.0.1", server.port(), Trusting(certs_.server_cert));
  Response refused = anonymous.Get("/healthz");
  EXPECT_EQ(refused.status, 0) << refused.body;

  HttpClient rogue("127.0.0.1", server.port(),
                   Trusting(certs_.server_cert, certs_.rogue_cert, certs_.rogue_key));
  EXPECT_EQ(rogue.Get("/healthz").status, 0);

  HttpClient trusted("127.0.0.1", server.port(),
                     Trusting(certs_.server_cert, certs_.client_cert, certs_.client_key));
  Response ok = trusted.Get("/healthz");
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(trusted.PostJson(kLineagePath, MinimalEvent("tls", "mtls").dump()).status, 201);
  EXPECT_TRUE(server.Alive());
}

TEST_F(TlsTest, HttpsAndApiKeysTogether) {
  const std::string key_file = dir_.path() + "/keys";
  {
    std::ofstream out(key_file);
    out << "ingest over-tls-0123456789-abcdef\n";
  }
  std::vector<std::string> flags = HttpsFlags();
  flags.push_back("--api_keys_file=" + key_file);
  TestServer server(flags);
  ASSERT_TRUE(server.Start());
  HttpClient https("127.0.0.1", server.port(), Trusting(certs_.server_cert));
  const std::string event = MinimalEvent("tls", "keyed").dump();
  EXPECT_EQ(https.PostJson(kLineagePath, event).status, 401);
  Response ok = https.Request("POST", kLineagePath, event,
                              {{"Content-Type", "application/json"},
                               {"Authorization", "Bearer over-tls-0123456789-abcdef"}});
  EXPECT_EQ(ok.status, 201) << ok.body;
}

TEST_F(TlsTest, BadTlsFlagsStopStartup) {
  auto fails_with = [&](std::vector<std::string> flags, const std::string& expected) {
    static int n = 0;
    lineaged::testing::ServerProcess server(dir_.path() + "/data" + std::to_string(++n),
                                            std::move(flags));
    EXPECT_FALSE(server.Start()) << expected;
    EXPECT_THAT(server.log_contents(), HasSubstr(expected));
  };
  fails_with({"--tls_cert=" + certs_.server_cert}, "HTTPS needs both --tls_cert and --tls_key");
  // Another certificate's key: OpenSSL refuses it while loading.
  fails_with({"--tls_cert=" + certs_.server_cert, "--tls_key=" + certs_.client_key},
             "--tls_key " + certs_.client_key);
  fails_with({"--tls_cert=" + dir_.path() + "/missing.pem", "--tls_key=" + certs_.server_key},
             "cannot load --tls_cert");
  fails_with({"--tls_client_ca=" + certs_.ca_cert}, "--tls_client_ca needs --tls_cert");
  fails_with({"--grpc_tls_client_ca=" + certs_.ca_cert}, "--grpc_tls_client_ca needs");
}

grpc::Status EmitOverTls(int port, const grpc::SslCredentialsOptions& tls, const std::string& job) {
  auto channel =
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::SslCredentials(tls));
  auto stub = lineaged::v1::LineageIngest::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  lineaged::v1::EmitRequest request;
  request.set_json(MinimalEvent("tls", job).dump());
  lineaged::v1::EmitResponse response;
  return stub->Emit(&context, request, &response);
}

TEST_F(TlsTest, GrpcClientCertificateRequiredWhenClientCaIsSet) {
  TestServer server({"--grpc_tls_cert=" + certs_.server_cert, "--grpc_tls_key=" + certs_.server_key,
                     "--grpc_tls_client_ca=" + certs_.ca_cert});
  ASSERT_TRUE(server.Start());
  grpc::SslCredentialsOptions anonymous;
  anonymous.pem_root_certs = ReadFile(certs_.server_cert);
  EXPECT_FALSE(EmitOverTls(server.grpc_port(), anonymous, "anonymous").ok());

  grpc::SslCredentialsOptions rogue = anonymous;
  rogue.pem_cert_chain = ReadFile(certs_.rogue_cert);
  rogue.pem_private_key = ReadFile(certs_.rogue_key);
  EXPECT_FALSE(EmitOverTls(server.grpc_port(), rogue, "rogue").ok());

  grpc::SslCredentialsOptions trusted = anonymous;
  trusted.pem_cert_chain = ReadFile(certs_.client_cert);
  trusted.pem_private_key = ReadFile(certs_.client_key);
  grpc::Status status = EmitOverTls(server.grpc_port(), trusted, "trusted");
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(server.GetLineage("job:tls:trusted", 0).status, 200);
  EXPECT_EQ(server.GetLineage("job:tls:anonymous", 0).status, 404);
}

}  // namespace
}  // namespace lineaged::integration
