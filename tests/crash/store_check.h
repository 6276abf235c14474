#pragma once

// StoreCheck: what scripts/crash-trials.sh asks of a data directory after the
// server was killed with SIGKILL and restarted: the store opens, every event
// the server acknowledged (HTTP 201) is in it, and what is in it is whole.
//
//   absl::StatusOr<std::vector<AckedEvent>> acked = ReadAckLog("acks.log");
//   absl::StatusOr<StoreCheckReport> report = CheckStore(data_dir, *acked);
//   if (report.ok() && report->problems.empty()) { ... passed ... }

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace lineaged::crash {

// One acknowledged event, identified as the load generator sends them: a
// fresh runId per request, plus the eventType.
struct AckedEvent {
  std::string run_id;      // lower-case 8-4-4-4-12
  std::string event_type;  // "START", "COMPLETE", ... or "-" for none
};

// Reads a `lineaged_http_load --ack_log` file: lines "<runId> <eventType>".
// InvalidArgument naming the line if one is malformed; NotFound if the file is
// missing.
absl::StatusOr<std::vector<AckedEvent>> ReadAckLog(const std::string& path);

struct StoreCheckReport {
  uint64_t stored_events = 0;         // events read back from the store
  uint64_t acked_events = 0;          // entries of the ack list
  uint64_t jobs_checked = 0;          // distinct jobs of acknowledged events
  std::vector<std::string> problems;  // empty: the check passed
};

// Opens the store in `data_dir` the way the server does (so an unclean
// shutdown is recovered by the same code), then checks, reading every event:
//   - each stored event is a valid OpenLineage event (lenient rules) and its
//     content hash is unique (no event stored twice);
//   - the store's event counter and statistics equal the events read;
//   - each acknowledged (runId, eventType) is stored;
//   - the lineage of each acknowledged event's job can be read.
// Closes the store again. An error status means the store did not open or
// could not be read; broken expectations are listed in `problems`.
absl::StatusOr<StoreCheckReport> CheckStore(const std::string& data_dir,
                                            const std::vector<AckedEvent>& acked);

}  // namespace lineaged::crash
