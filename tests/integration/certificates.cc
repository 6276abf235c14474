#include "tests/integration/certificates.h"

#include <cstdlib>
#include <fstream>

namespace lineaged::integration {
namespace {

constexpr char kNewKey[] = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";

::testing::AssertionResult Run(const std::string& command) {
  if (std::system((command + " 2>/dev/null").c_str()) != 0) {
    return ::testing::AssertionFailure() << "failed: " << command;
  }
  return ::testing::AssertionSuccess();
}

}  // namespace

::testing::AssertionResult MakeTestCertificates(const std::string& dir, TestCertificates* out) {
  out->server_cert = dir + "/server.pem";
  out->server_key = dir + "/server.key";
  out->ca_cert = dir + "/ca.pem";
  const std::string ca_key = dir + "/ca.key";
  out->client_cert = dir + "/client.pem";
  out->client_key = dir + "/client.key";
  out->rogue_cert = dir + "/rogue.pem";
  out->rogue_key = dir + "/rogue.key";
  const std::string client_csr = dir + "/client.csr";
  const std::string client_ext = dir + "/client.ext";
  {
    std::ofstream ext(client_ext);
    ext << "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n";
  }
  for (const std::string& command : {
           "openssl req -x509 " + std::string(kNewKey) +
               " -days 1 -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1,DNS:localhost "
               "-keyout " +
               out->server_key + " -out " + out->server_cert,
           "openssl req -x509 " + std::string(kNewKey) + " -days 1 -subj /CN=lineaged-test-ca " +
               "-keyout " + ca_key + " -out " + out->ca_cert,
           "openssl req " + std::string(kNewKey) + " -subj /CN=test-client -keyout " +
               out->client_key + " -out " + client_csr,
           "openssl x509 -req -days 1 -in " + client_csr + " -CA " + out->ca_cert + " -CAkey " +
               ca_key + " -CAcreateserial -extfile " + client_ext + " -out " + out->client_cert,
           "openssl req -x509 " + std::string(kNewKey) + " -days 1 -subj /CN=rogue-client " +
               "-keyout " + out->rogue_key + " -out " + out->rogue_cert,
       }) {
    if (::testing::AssertionResult ran = Run(command); !ran) return ran;
  }
  return ::testing::AssertionSuccess();
}

}  // namespace lineaged::integration
