// atlas_emulator: runs the Atlas emulator as a process, for humans and
// process-level tests. Prints the bound port on the first line of stdout,
// then serves until SIGINT or SIGTERM.
//
//   build/tests/atlas_emulator/atlas_emulator --port=21000 --user=admin --password=admin

#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"

#include "tests/atlas_emulator/atlas_emulator.h"

ABSL_FLAG(std::string, address, "127.0.0.1", "Address to listen on.");
ABSL_FLAG(int, port, 0, "Port to listen on; 0 picks a free one (printed on stdout).");
ABSL_FLAG(std::string, user, "admin", "Basic-auth user; empty disables authentication.");
ABSL_FLAG(std::string, password, "admin", "Basic-auth password.");
ABSL_FLAG(bool, create_shell_entities, false,
          "Create isIncomplete shells for unresolved unique-attribute references (Atlas's "
          "create.shell.entity.for.non-existing.ref; false by default for REST).");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "An Apache Atlas 2.5 REST v2 emulator (tests/atlas_emulator/README.md).");
  absl::ParseCommandLine(argc, argv);

  // Block the stop signals before any thread starts, so that only sigwait sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  lineaged::testing::AtlasEmulatorOptions options;
  options.address = absl::GetFlag(FLAGS_address);
  const int port = absl::GetFlag(FLAGS_port);
  if (port < 0 || port > 65535) {
    std::fprintf(stderr, "atlas_emulator: --port must be 0..65535\n");
    return 2;
  }
  options.port = static_cast<uint16_t>(port);
  options.users.clear();
  if (!absl::GetFlag(FLAGS_user).empty()) {
    options.users.push_back({absl::GetFlag(FLAGS_user), absl::GetFlag(FLAGS_password),
                             lineaged::testing::AtlasRole::kAdmin});
  }
  options.create_shell_entities = absl::GetFlag(FLAGS_create_shell_entities);

  lineaged::testing::AtlasEmulator emulator(options);
  if (absl::Status status = emulator.Start(); !status.ok()) {
    std::fprintf(stderr, "atlas_emulator: %s\n", status.ToString().c_str());
    return 1;
  }
  std::printf("%u\n", static_cast<unsigned>(emulator.port()));
  std::fflush(stdout);
  std::fprintf(stderr, "atlas_emulator: serving %s/api/atlas/ (Ctrl-C stops)\n",
               emulator.base_url().c_str());

  int received = 0;
  sigwait(&signals, &received);
  emulator.Stop();
  return 0;
}
