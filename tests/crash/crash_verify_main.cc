// lineaged_crash_verify: checks a data directory after a crash trial (see
// tests/crash/store_check.h and scripts/crash-trials.sh). The server must not
// be running on it.
//
//   lineaged_crash_verify --data_dir=/tmp/x/data --ack_log=/tmp/x/acks.log
//
// Prints one line "crash-verify: ..." and exits 0 if every check passed, 1 if
// one failed, 2 if the store did not open or the inputs are unusable.

#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"

#include "tests/crash/store_check.h"

ABSL_FLAG(std::string, data_dir, "", "The store's directory (the server's --data_dir).");
ABSL_FLAG(std::string, ack_log, "", "lineaged_http_load --ack_log file: the acknowledged events.");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("Checks a lineaged store against the events it acknowledged.");
  absl::ParseCommandLine(argc, argv);
  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  const std::string ack_log = absl::GetFlag(FLAGS_ack_log);
  if (data_dir.empty() || ack_log.empty()) {
    std::fprintf(stderr, "crash-verify: --data_dir and --ack_log are required\n");
    return 2;
  }
  absl::StatusOr<std::vector<lineaged::crash::AckedEvent>> acked =
      lineaged::crash::ReadAckLog(ack_log);
  if (!acked.ok()) {
    std::fprintf(stderr, "crash-verify: %s\n", acked.status().ToString().c_str());
    return 2;
  }
  absl::StatusOr<lineaged::crash::StoreCheckReport> report =
      lineaged::crash::CheckStore(data_dir, *acked);
  if (!report.ok()) {
    std::printf("crash-verify: FAILED: the store did not open or read cleanly: %s\n",
                report.status().ToString().c_str());
    return 2;
  }
  for (const std::string& problem : report->problems) {
    std::printf("crash-verify: problem: %s\n", problem.c_str());
  }
  std::printf(
      "crash-verify: %s: store opened clean; %lu events stored, %lu acknowledged%s, lineage of "
      "%lu jobs read\n",
      report->problems.empty() ? "ok" : "FAILED", report->stored_events, report->acked_events,
      report->problems.empty() ? " (all present)" : "", report->jobs_checked);
  return report->problems.empty() ? 0 : 1;
}
