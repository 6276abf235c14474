#pragma once

// Certificates for the TLS tests, made per test with the openssl command-line
// tool (EC P-256, valid one day), never checked in.
//
//   TempDir dir;
//   TestCertificates certs;
//   ASSERT_TRUE(MakeTestCertificates(dir.path(), &certs));
//   TestServer server({"--tls_cert=" + certs.server_cert, "--tls_key=" + certs.server_key});

#include <string>

#include <gtest/gtest.h>

namespace lineaged::integration {

// PEM file paths.
struct TestCertificates {
  // Self-signed, for CN=localhost with subjectAltName IP:127.0.0.1 and
  // DNS:localhost: clients trust it by using it as their CA file.
  std::string server_cert;
  std::string server_key;
  // A CA for client certificates, and a client certificate it signed.
  std::string ca_cert;
  std::string client_cert;
  std::string client_key;
  // A self-signed client certificate that no CA here vouches for.
  std::string rogue_cert;
  std::string rogue_key;
};

// Writes the files into `dir`. Fails with the openssl command that failed.
::testing::AssertionResult MakeTestCertificates(const std::string& dir, TestCertificates* out);

}  // namespace lineaged::integration
